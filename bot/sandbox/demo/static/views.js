// Modals and the App Home tab, as Slack's client shows them: the person's open modal (from
// /demo/state) over the channel, and rollback-bot's Home tab in place of the channel.
// Loaded before demo.js; uses its helpers (api, el, view, renderBlocks, refresh, setStatus).
"use strict";

const shown = { modal: "", home: "" }; // what is drawn, so an unchanged view keeps focus
const typed = {}; // view id → block_id/action_id → text: what Slack's client keeps typed
const TEXT_INPUTS = ["plain_text_input", "url_text_input", "email_text_input", "number_input"];

function viewApi(verb, surface, body) {
  return api(`/demo/view/${verb}`, { user: view.me, view_id: surface.id, ...body });
}

function pressIn(surface) {
  return (spec) => viewApi("press", surface, { action_id: spec.action_id });
}

// --- the modal ----------------------------------------------------------------------------

function renderModal(modal) {
  const key = modal ? JSON.stringify([modal.id, modal.hash, modal.errors, modal.state]) : "";
  if (key === shown.modal) return;
  shown.modal = key;
  const backdrop = $("modal");
  backdrop.hidden = !modal;
  if (!modal) return backdrop.replaceChildren();
  const box = el("div", "modal-box");
  box.setAttribute("role", "dialog");
  box.setAttribute("aria-modal", "true");
  box.setAttribute("aria-label", modal.title.text);
  const head = el("header", "modal-head");
  head.append(el("h2", "", modal.title.text));
  const x = el("button", "close", "×");
  x.type = "button";
  x.setAttribute("aria-label", "Close");
  x.addEventListener("click", () => closeModal(modal));
  head.append(x);
  const body = el("div", "modal-body");
  for (const block of modal.blocks) {
    body.append(block.type === "input" ? inputBlock(modal, block) : renderBlocks([block], pressIn(modal)));
  }
  const foot = el("footer", "modal-foot");
  foot.append(footButton(modal.close ? modal.close.text : "Cancel", "", () => closeModal(modal)));
  if (modal.submit) foot.append(footButton(modal.submit.text, "primary", () => submitModal(modal)));
  const problem = el("div", "modal-problem");
  problem.hidden = true;
  box.append(head, problem, body, foot);
  backdrop.replaceChildren(box);
}

function footButton(text, style, onClick) {
  const node = el("button", `bk-button ${style}`.trim(), text);
  node.type = "button";
  node.addEventListener("click", async () => {
    node.disabled = true;
    try { await onClick(); } finally { node.disabled = false; }
  });
  return node;
}

async function closeModal(modal) {
  await viewApi("close", modal, {});
  await refresh();
}

async function submitModal(modal) {
  const texts = {};
  for (const block of modal.blocks) {
    const element = block.element;
    if (block.type === "input" && TEXT_INPUTS.includes(element.type)) {
      texts[element.action_id] = textOf(modal, block);
    }
  }
  const answer = await viewApi("submit", modal, { texts });
  if (answer.error) {
    const problem = document.querySelector("#modal .modal-problem");
    if (problem) Object.assign(problem, { hidden: false, textContent: answer.error });
  }
  await refresh();
}

function stateOf(modal, block) {
  const values = (modal.state && modal.state.values[block.block_id]) || {};
  return values[block.element.action_id] || {};
}

function textOf(modal, block) {
  const mine = (typed[modal.id] || {})[`${block.block_id}/${block.element.action_id}`];
  if (mine !== undefined) return mine;
  const state = stateOf(modal, block);
  return state.value !== undefined && state.value !== null ? state.value : block.element.initial_value || "";
}

function inputBlock(modal, block) {
  const field = el("div", "bk-input");
  const label = el("label", "bk-label", block.label.text);
  if (block.optional) label.append(el("span", "optional", " (optional)"));
  const element = block.element;
  let control;
  if (TEXT_INPUTS.includes(element.type)) control = textInput(modal, block);
  else if (element.type === "external_select") control = externalSelect(modal, block);
  else if (element.type === "conversations_select") control = channelSelect(modal, block);
  else control = el("div", "bk-unsupported", `(${element.type} is not shown in the demo)`);
  const input = control.matches("input, textarea, select") ? control : control.querySelector("input");
  if (input) {
    input.id = `field-${block.block_id}`;
    label.htmlFor = input.id;
  }
  field.append(label, control);
  if (block.hint) field.append(el("div", "bk-hint", block.hint.text));
  const error = modal.errors[block.block_id];
  if (error) field.append(el("div", "field-error", error));
  return field;
}

function textInput(modal, block) {
  const element = block.element;
  const node = el(element.multiline ? "textarea" : "input", "bk-field-input");
  if (element.placeholder) node.placeholder = element.placeholder.text;
  if (element.max_length) node.maxLength = element.max_length;
  node.value = textOf(modal, block);
  node.addEventListener("input", () => {
    typed[modal.id] = typed[modal.id] || {};
    typed[modal.id][`${block.block_id}/${element.action_id}`] = node.value;
  });
  return node;
}

function channelSelect(modal, block) {
  const node = el("select", "bk-field-input");
  const channel = view.data.channel;
  node.append(new Option(block.element.placeholder ? block.element.placeholder.text : "A channel", ""));
  node.append(new Option(`# ${channel.name}`, channel.id));
  node.value = stateOf(modal, block).selected_conversation || "";
  node.addEventListener("change", async () => {
    if (node.value) await viewApi("choose", modal, { action_id: block.element.action_id, channel: node.value });
    await refresh();
  });
  return node;
}

function externalSelect(modal, block) {
  // A text box with a list the bot fills: Slack sends block_suggestion as the person types.
  const element = block.element;
  const wrap = el("div", "ext-select");
  const input = el("input", "bk-field-input");
  input.setAttribute("role", "combobox");
  input.setAttribute("aria-expanded", "false");
  if (element.placeholder) input.placeholder = element.placeholder.text;
  const chosen = stateOf(modal, block).selected_option || element.initial_option;
  input.value = chosen ? chosen.text.text : "";
  const list = el("ul", "ext-options");
  list.setAttribute("role", "listbox");
  list.hidden = true;
  let asked = 0;
  const ask = async () => {
    const mine = ++asked;
    const answer = await viewApi("suggest", modal, { action_id: element.action_id, value: input.value });
    if (mine !== asked) return; // a later keystroke asked again
    if (!answer.ok) return setStatus(answer.error);
    list.replaceChildren(...(answer.options.length ? answer.options.map(pick) : [el("li", "none", "No matches")]));
    list.hidden = false;
    input.setAttribute("aria-expanded", "true");
  };
  const pick = (option) => {
    const item = el("li", "ext-option", option.text.text);
    item.setAttribute("role", "option");
    // mousedown, not click: the text box's blur must not hide the list first.
    item.addEventListener("mousedown", async (event) => {
      event.preventDefault();
      input.value = option.text.text;
      list.hidden = true;
      const answer = await viewApi("choose", modal, { action_id: element.action_id, option });
      if (!answer.ok) setStatus(answer.error);
      await refresh();
    });
    return item;
  };
  let timer = null;
  input.addEventListener("focus", () => { if (element.min_query_length === 0 || input.value) ask(); });
  input.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(ask, 150); });
  input.addEventListener("blur", () => {
    list.hidden = true;
    input.setAttribute("aria-expanded", "false");
  });
  wrap.append(input, list);
  return wrap;
}

// --- the Home tab -------------------------------------------------------------------------

async function openHome() {
  // Slack sends app_home_opened each time the person clicks into the App Home.
  shown.home = "";
  const answer = await api("/demo/home", { user: view.me });
  if (!answer.ok) setStatus(answer.error);
  await refresh();
}

function showTab(tab) {
  view.tab = tab;
  $("channel-pane").hidden = tab !== "channel";
  $("home-pane").hidden = tab !== "home";
  $("open-channel").classList.toggle("active", tab === "channel");
  $("open-home").classList.toggle("active", tab === "home");
  if (tab === "home") openHome();
  else if (view.data) render();
}

function renderHome(home) {
  const key = home ? `${view.me}/${home.id}/${home.hash}` : "";
  if (key === shown.home) return;
  shown.home = key;
  const pane = $("home-blocks");
  if (!home) return pane.replaceChildren(el("p", "home-empty", "Opening rollback-bot's Home tab…"));
  pane.replaceChildren(renderBlocks(home.blocks, pressIn(home)));
}

$("shortcut").addEventListener("click", async () => {
  // Slack's shortcuts menu: the bot's global shortcut, which opens its form.
  const answer = await api("/demo/shortcut", { user: view.me });
  if (!answer.ok) setStatus(answer.error);
  await refresh();
});
$("open-channel").addEventListener("click", () => showTab("channel"));
$("open-home").addEventListener("click", () => showTab("home"));
