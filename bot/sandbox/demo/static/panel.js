// DigitalOcean's control panel, beside the channel: each app as DigitalOcean shows it, and
// what a person does there without the bot (GET /demo/panel, POST /demo/panel/{action}).
// The bot hears of it only by looking at the fleet, as it would of the real control panel.
"use strict";

const PANEL_POLL_MS = 1000;
const panel = { app: null, shown: "", timer: null };

const ACTIONS = [
  ["Deploy", [["deploy-bad", "Deploy a bad build", "a push that goes live, then turns UNHEALTHY"]]],
  ["Rollback", [
    ["rollback", "Roll back", "to the last deployment that was live, without the bot"],
    ["commit", "Commit", "keep the rollback: deploys from git unblocked"],
    ["revert", "Revert", "back to what was live before the rollback"],
  ]],
  ["Demo only", [
    ["unhealthy", "Make the next rollback unhealthy", "it comes up 0/2 ready"],
    ["fail", "Make the next rollback fail", "its build fails, with a token in the log"],
  ]],
];

function openPanel(open) {
  $("do-panel").hidden = !open;
  $("open-panel").classList.toggle("active", open);
  clearTimeout(panel.timer);
  if (open) pollPanel();
}

async function pollPanel() {
  await refreshPanel();
  if (!$("do-panel").hidden) panel.timer = setTimeout(pollPanel, PANEL_POLL_MS);
}

async function refreshPanel() {
  let answer;
  try {
    answer = await api("/demo/panel");
  } catch (error) {
    return; // the channel's poll says the server is gone
  }
  const apps = answer.apps || [];
  const key = JSON.stringify(apps);
  if (key === panel.shown) return;
  panel.shown = key;
  renderPanel(apps);
}

function renderPanel(apps) {
  const select = $("do-app");
  if (select.options.length !== apps.length) {
    select.replaceChildren(...apps.map((a) => new Option(a.name, a.id)));
  }
  panel.app = panel.app || (apps[0] && apps[0].id);
  select.value = panel.app;
  const app = apps.find((a) => a.id === panel.app);
  if (!app) return;
  $("do-app-card").replaceChildren(appCard(app));
  for (const node of document.querySelectorAll("#do-actions button")) {
    node.disabled = !allowed(node.dataset.act, app);
  }
}

function allowed(act, app) {
  // As the control panel offers them: nothing deploys while pinned or in progress.
  const busy = Boolean(app.pinned || app.in_progress);
  if (act === "deploy-bad" || act === "rollback") return !busy;
  if (act === "commit" || act === "revert") return Boolean(app.pinned);
  return true;
}

function appCard(app) {
  const card = el("dl", "do-card");
  const row = (term, value, className = "") => {
    card.append(el("dt", "", term), el("dd", className, value));
  };
  const deployment = (d) => `${d.id} · ${d.phase}${d.steps ? ` ${d.steps}` : ""}${d.rollback ? " · rollback" : ""}`;
  row("Live", app.live ? `${deployment(app.live)} — ${app.live.cause}` : "nothing live");
  if (app.in_progress) row("Deploying", deployment(app.in_progress), "do-busy");
  if (app.pinned) row("Pinned", `to rollback ${app.pinned.id}: deploys from git are blocked`, "do-pinned");
  const sick = app.health.some((h) => !/ · HEALTHY$/.test(h));
  row("Health", app.health.join(", ") || "no component reports", sick ? "do-sick" : "do-well");
  for (const note of app.armed) row("Next", note, "do-armed");
  return card;
}

function renderActions() {
  const wrap = $("do-actions");
  for (const [title, actions] of ACTIONS) {
    wrap.append(el("h3", "", title));
    for (const [act, label, hint] of actions) {
      const node = el("button", "do-button", label);
      node.type = "button";
      node.dataset.act = act;
      node.title = hint;
      node.addEventListener("click", () => runAction(act, node));
      wrap.append(node);
    }
  }
}

async function runAction(act, node) {
  node.disabled = true;
  const answer = await api(`/demo/panel/${act}`, { app: panel.app });
  const said = $("do-said");
  said.textContent = answer.ok ? answer.said : answer.error;
  said.className = answer.ok ? "do-said" : "do-said do-refused";
  panel.shown = "";
  await refreshPanel();
}

renderActions();
$("do-app").addEventListener("change", (event) => {
  panel.app = event.target.value;
  panel.shown = "";
  $("do-said").textContent = "";
  refreshPanel();
});
$("open-panel").addEventListener("click", () => openPanel($("do-panel").hidden));
$("close-panel").addEventListener("click", () => openPanel(false));
