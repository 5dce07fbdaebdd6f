// The demo channel: polls /demo/state, renders the bot's Block Kit JSON the way Slack
// shows it, and sends what the person types or clicks to /demo/message and /demo/action.
"use strict";

const POLL_MS = 500;
const $ = (id) => document.getElementById(id);
const view = {
  me: localStorage.getItem("rollback-demo-user") || "UALICE",
  data: null,
  people: {},
  thread: null, // ts of the thread shown in the right-hand pane
  autoThread: true, // follow the thread that last got a reply, until the pane is closed
  replyCounts: {},
};

// --- talking to the demo server ---------------------------------------------------------

async function api(path, body) {
  const init = body === undefined ? {} : {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  };
  const response = await fetch(path, init);
  return response.json();
}

async function refresh() {
  const me = view.me;
  try {
    const data = await api(`/demo/state?user=${encodeURIComponent(me)}`);
    setStatus("");
    if (data.me !== view.me) return; // the acting person changed while we waited
    if (view.data && data.version === view.data.version && data.me === view.data.me) return;
    view.data = data;
    render();
  } catch (error) {
    setStatus("The demo server is not answering; is `rollback-bot demo` still running?");
  }
}

async function pollForever() {
  await refresh();
  setTimeout(pollForever, POLL_MS);
}

function setStatus(text) {
  $("status").hidden = !text;
  $("status").textContent = text;
}

// --- Slack's mrkdwn ---------------------------------------------------------------------

function esc(text) {
  return String(text).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;");
}

function unescapeSlack(text) {
  return text.replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");
}

function mrkdwn(source) {
  // Code, links and mentions are set aside first so *bold* and _italic_ never reach into them.
  const kept = [];
  const keep = (html) => `\u0000${kept.push(html) - 1}\u0000`;
  let text = String(source);
  // A code block's first and last line breaks frame it; they are not lines of it.
  text = text.replace(/```\n?([\s\S]*?)\n?```/g, (_, code) => keep(`<pre>${esc(unescapeSlack(code))}</pre>`));
  text = text.replace(/`([^`\n]+)`/g, (_, code) => keep(`<code>${esc(unescapeSlack(code))}</code>`));
  text = text.replace(/<([^<>\n]+)>/g, (_, inner) => keep(special(inner)));
  text = esc(unescapeSlack(text));
  text = text.replace(/\*([^*\n]+)\*/g, "<b>$1</b>");
  // Like Slack, an underscore closes italics only before a word boundary: _PENDING_DEPLOY_.
  text = text.replace(/(^|[\s(])_([^\n]+?)_(?=$|[\s).,!?:;])/gm, "$1<i>$2</i>");
  text = text.replace(/~([^~\n]+)~/g, "<s>$1</s>");
  text = text.replace(/\n/g, "<br>");
  return text.replace(/\u0000(\d+)\u0000/g, (_, i) => kept[Number(i)]);
}

function special(inner) {
  const bar = inner.indexOf("|");
  const target = bar < 0 ? inner : inner.slice(0, bar);
  const label = bar < 0 ? "" : inner.slice(bar + 1);
  const mention = (name) => `<span class="mention">${esc(name)}</span>`;
  if (target.startsWith("@")) {
    const person = view.people[target.slice(1)];
    return mention(`@${person ? person.name : label || target.slice(1)}`);
  }
  if (target.startsWith("#")) return mention(`#${label || channelName(target.slice(1))}`);
  if (target.startsWith("!date^")) return esc(slackDate(target, label));
  if (target.startsWith("!subteam^")) return mention(label || "@group");
  if (target.startsWith("!")) return mention(`@${label || target.slice(1)}`);
  if (/^(https?:|mailto:)/.test(target)) {
    return `<a href="${esc(target)}" target="_blank" rel="noopener">${esc(label || target)}</a>`;
  }
  return esc(`<${inner}>`);
}

function channelName(id) {
  const channel = view.data && view.data.channel;
  return channel && channel.id === id ? channel.name : id;
}

function slackDate(target, fallback) {
  // <!date^epoch^format|fallback>, shown in the reader's own time zone as Slack does.
  const [, epoch, format = ""] = target.split("^");
  const when = new Date(Number(epoch) * 1000);
  if (Number.isNaN(when.getTime())) return fallback;
  const shown = format
    .replace(/\{time_secs\}/g, when.toLocaleTimeString())
    .replace(/\{time\}/g, when.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" }))
    .replace(/\{date_num\}/g, when.toLocaleDateString("sv-SE")) // YYYY-MM-DD, local
    .replace(/\{date\w*\}/g, when.toLocaleDateString([], { dateStyle: "medium" }));
  return shown.includes("{") ? fallback : shown;
}

// --- Block Kit --------------------------------------------------------------------------

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function textObject(object, className = "bk-text") {
  const node = el("div", className);
  if (!object) return node;
  if (object.type === "mrkdwn") node.innerHTML = mrkdwn(object.text);
  else node.textContent = object.text;
  return node;
}

// `send(spec)` delivers a click on a button: from a message, a modal or the Home tab.
function renderBlocks(blocks, send) {
  const wrap = el("div", "blocks");
  for (const block of blocks) {
    if (block.type === "header") {
      wrap.append(el("div", "bk-header", block.text ? block.text.text : ""));
    } else if (block.type === "section") {
      const section = el("div", "bk-section");
      const main = textObject(block.text);
      if (block.fields) {
        const fields = el("div", "bk-fields");
        block.fields.forEach((field) => fields.append(textObject(field, "bk-field")));
        main.append(fields);
      }
      section.append(main);
      if (block.accessory && block.accessory.type === "button") {
        section.append(button(block.accessory, send));
      }
      wrap.append(section);
    } else if (block.type === "context") {
      const context = el("div", "bk-context");
      for (const element of block.elements || []) {
        if (element.type === "image") {
          const image = el("img");
          image.src = element.image_url;
          image.alt = element.alt_text || "";
          context.append(image);
        } else {
          context.append(textObject(element, "bk-context-text"));
        }
      }
      wrap.append(context);
    } else if (block.type === "actions") {
      const actions = el("div", "bk-actions");
      for (const element of block.elements || []) {
        if (element.type === "button") actions.append(button(element, send));
      }
      wrap.append(actions);
    } else if (block.type === "divider") {
      wrap.append(el("hr", "bk-divider"));
    }
  }
  return wrap;
}

function button(spec, send) {
  const node = el("button", `bk-button ${spec.style || ""}`.trim(), spec.text.text);
  node.type = "button";
  node.addEventListener("click", async () => {
    if (spec.confirm && !(await confirmDialog(spec.confirm))) return;
    node.disabled = true;
    const answer = await send(spec);
    if (!answer.ok) setStatus(answer.error);
    await refresh();
  });
  return node;
}

function confirmDialog(confirm) {
  // Slack asks before sending a click whose button carries a `confirm` object.
  const dialog = $("confirm");
  dialog.querySelector("h3").textContent = confirm.title ? confirm.title.text : "Are you sure?";
  const body = dialog.querySelector("p");
  body.replaceChildren(textObject(confirm.text));
  const yes = dialog.querySelector("[data-answer=confirm]");
  yes.textContent = confirm.confirm ? confirm.confirm.text : "Yes";
  yes.className = `bk-button ${confirm.style === "danger" ? "danger" : "primary"}`;
  dialog.querySelector("[data-answer=deny]").textContent = confirm.deny ? confirm.deny.text : "Cancel";
  dialog.returnValue = "";
  return new Promise((resolve) => {
    dialog.addEventListener("close", () => resolve(dialog.returnValue === "confirm"), { once: true });
    dialog.showModal();
  });
}

// --- messages ---------------------------------------------------------------------------

function clock(ts) {
  return new Date(Number(ts) * 1000).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
}

function avatar(person, className = "avatar") {
  const node = el("div", className, person ? person.name[0].toUpperCase() : "?");
  node.style.background = person ? person.color : "#888";
  return node;
}

function renderMessage(message, inThread) {
  const person = view.people[message.user];
  const row = el("div", message.ephemeral ? "msg ephemeral" : "msg");
  row.dataset.ts = message.ts;
  const body = el("div", "body");
  const meta = el("div", "meta");
  meta.append(el("span", "name", person ? person.name : message.user));
  if (person && person.bot) meta.append(el("span", "badge", "APP"));
  meta.append(el("span", "time", clock(message.ts)));
  if (message.edited) meta.append(el("span", "edited", "(edited)"));
  body.append(meta);
  if (message.ephemeral) body.append(el("div", "only-you", "👁 Only visible to you"));
  const click = (spec) => api("/demo/action", {
    user: view.me, ts: message.ts, action_id: spec.action_id, value: spec.value,
  });
  const content = message.blocks.length
    ? renderBlocks(message.blocks, click)
    : textObject({ type: "mrkdwn", text: message.text }, "content");
  body.append(content);
  const replies = message.replies || [];
  if (!inThread && replies.length) {
    const link = el("button", "replies-link");
    link.type = "button";
    link.append(el("b", "", `${replies.length} ${replies.length === 1 ? "reply" : "replies"}`));
    link.append(el("span", "", `Last reply ${clock(replies[replies.length - 1].ts)}`));
    link.addEventListener("click", () => {
      view.thread = message.ts;
      view.autoThread = true;
      render();
    });
    body.append(link);
  }
  row.append(avatar(person), body);
  return row;
}

function intro() {
  const node = el("div", "intro");
  node.append(el("h2", "", "# deploys"));
  node.append(el("p", "", "A sandbox: type /rollback sample-golang as Alice, switch to Bob "
    + "to approve it, and watch the thread; /rollback alone opens the form, and rollback-bot's "
    + "Home tab lists what waits for you. ☁ Control panel (in the sidebar) is DigitalOcean's "
    + "side: deploy a bad build or roll back without the bot. Slack and DigitalOcean are "
    + "simulated; the bot is real."));
  return node;
}

function atBottom(list) {
  return list.scrollHeight - list.scrollTop - list.clientHeight < 40;
}

function fill(list, nodes) {
  const follow = atBottom(list) || !list.childElementCount;
  list.replaceChildren(...nodes);
  if (follow) list.scrollTop = list.scrollHeight;
}

function render() {
  const data = view.data;
  view.people = Object.fromEntries(data.people.map((p) => [p.id, p]));
  renderPeople(data);
  for (const message of data.messages) {
    const count = message.replies.length;
    if (count > (view.replyCounts[message.ts] || 0) && view.autoThread) view.thread = message.ts;
    view.replyCounts[message.ts] = count;
  }
  fill($("messages"), [intro(), ...data.messages.map((m) => renderMessage(m, false))]);
  const parent = data.messages.find((m) => m.ts === view.thread);
  $("thread").hidden = !parent || view.tab === "home";
  if (parent) {
    const count = parent.replies.length;
    const divider = el("div", "reply-count", `${count} ${count === 1 ? "reply" : "replies"}`);
    fill($("thread-messages"), [
      renderMessage(parent, true), divider, ...parent.replies.map((m) => renderMessage(m, true)),
    ]);
  }
  renderModal(data.modal);
  renderHome(data.home);
}

function renderPeople(data) {
  const select = $("user");
  if (!select.options.length) {
    for (const person of data.people.filter((p) => !p.bot)) {
      select.append(new Option(`${person.name} (${person.role})`, person.id));
    }
  }
  select.value = view.me;
  $("me-avatar").replaceWith(Object.assign(avatar(view.people[view.me], "avatar small"), { id: "me-avatar" }));
  const suggestions = $("suggestions");
  if (!suggestions.childElementCount) {
    for (const line of data.suggestions) {
      const chip = el("button", "suggestion", line);
      chip.type = "button";
      chip.addEventListener("click", () => { $("input").value = line; $("input").focus(); });
      suggestions.append(chip);
    }
  }
}

// --- wiring -----------------------------------------------------------------------------

$("composer").addEventListener("submit", async (event) => {
  event.preventDefault();
  const text = $("input").value.trim();
  if (!text) return;
  $("input").value = "";
  const answer = await api("/demo/message", { user: view.me, text });
  if (!answer.ok) setStatus(answer.error);
  await refresh();
});

$("user").addEventListener("change", async (event) => {
  view.me = event.target.value;
  localStorage.setItem("rollback-demo-user", view.me);
  view.data = null;
  if (view.tab === "home") await openHome();
  await refresh();
});

$("close-thread").addEventListener("click", () => {
  view.thread = null;
  view.autoThread = false;
  render();
});

// After every script has run: views.js draws the modal and the Home tab.
window.addEventListener("DOMContentLoaded", pollForever);
