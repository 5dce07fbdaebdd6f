"""Section 6: the rollback modal's menus (issue 16), with 500 apps and the fleet view warm.

Slack asks for an ``external_select``'s options with a signed ``block_suggestion`` and
waits 3 s for ``{"options": [...]}``. The app menu is served from the latest look at the
fleet (no DigitalOcean call); the target menu reads an app's deployments once per 20 s
per replica, then answers from memory. The load generator (its own process, raw sockets)
sends each menu's payload as bench/loadgen.py sends commands; the floor is the fast Bolt
app of section 1 answering the same payload with a fixed list of 100 options.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from bench.ack import SLACK_LIMIT_MS, Figures
from bench.loadgen import LoadSpec, run_load
from bench.procs import Service
from bench.stack import Stands, add_apps, private_redis, stands
from bench.stats import Row
from bot.sandbox.digitalocean import Simulator
from bot.sandbox.redis_server import RedisServer
from bot.sandbox.slack import view_payloads as payloads
from bot.sandbox.slack.requests import TEST_TEAM, Actor, as_form
from bot.slack.blockkit.modal import APP_ACTION, TARGET_ACTION, ModalContext, request_view
from tests.constants import DO_TOKEN, SIGNING_SECRET
from tests.processes import serve_env
from tests.slack_driver import SlackDriver

CHANNEL = "CDEPLOY"
LOOK_IT_UP = "(look it up)"
TYPED = {"all apps": "", "sample": "sample", "gol": "gol", "no match": "zzz-nothing"}
"""The app menu's typed values: every app (Slack shows 100), the four sample apps, one
(sample-golang), and none (the typed name offered as is)."""
DEPLOYMENTS = r"/v2/apps/[^/]+/deployments"


@dataclass(frozen=True)
class MenusConfig:
    apps: int = 500
    requests_one: int = 400  # per figure, one at a time
    concurrency: int = 20  # several people typing at once
    requests_many: int = 600  # per figure, ``concurrency`` at a time
    warmup: int = 20
    target_apps: int = 60  # first requests: one app each, so each reads DigitalOcean
    warm_timeout: float = 60.0  # for the first look at all the apps


@dataclass
class MenusRun:
    figures: dict[str, Figures] = field(default_factory=dict)  # "<menu> <what> <c>" -> figures
    offered: dict[str, int] = field(default_factory=dict)  # typed label -> options answered
    warm_after: float = 0.0  # seconds from the bot's start to a look at every app
    reads_first: int = 0  # DigitalOcean deployment lists during the first target requests
    reads_again: int = 0  # ... and during the repeated ones
    looks: int = 0  # GET /v2/apps pages while measuring


def measure(cfg: MenusConfig) -> MenusRun:
    sim = Simulator.with_sample_apps(token=DO_TOKEN)
    made = add_apps(sim, cfg.apps - len(sim.list_apps()))
    names = [str(a["spec"]["name"]) for a in sim.list_apps()]  # type: ignore[index]
    run = MenusRun()
    with private_redis() as redis_server, stands(sim) as st:
        st.slack.pace = None
        # Rules that name every app: the filter's worst case (a tuple scanned per app).
        with _warm_bot(cfg, st, redis_server, {CHANNEL: names}, last=made[-1][0]) as bot:
            run.warm_after = bot.warm_after
            looks_before = sim.count("GET", r"/v2/apps")
            _app_menu(cfg, run, bot.driver, bot.view, bot.port)
            _target_menu(cfg, run, sim, bot.port, made[: cfg.target_apps])
            run.looks = sim.count("GET", r"/v2/apps") - looks_before
        # The same menu where the channel may roll back every app: what the rules cost.
        redis_server.flush()
        with _warm_bot(cfg, st, redis_server, {CHANNEL: ["*"]}, last=made[-1][0]) as bot:
            body = suggestion(bot.view, APP_ACTION, "")
            for c in (1, cfg.concurrency):
                run.figures[f"star {c}"] = _load(cfg, bot.port, [body], c)
        _floor(cfg, run, st, bot.view)
    return run


@dataclass(frozen=True)
class WarmBot:
    port: int
    driver: SlackDriver
    view: dict[str, Any]  # the modal it opened for ``/rollback`` in CHANNEL
    warm_after: float  # seconds from its start to a look at every app


@contextmanager
def _warm_bot(
    cfg: MenusConfig,
    st: Stands,
    redis_server: RedisServer,
    rules: dict[str, list[str]],
    *,
    last: str,
) -> Iterator[WarmBot]:
    """``rollback-bot serve`` with ``ROLLBACK_CHANNELS`` ``rules``, once its fleet view
    lists every app."""
    env = serve_env(
        slack_url=st.slack.url,
        do_url=st.sim_url,
        redis_url=redis_server.url,
        rollback_channels=json.dumps(rules),
    )
    began = time.monotonic()
    bot = Service("bot", ["serve", "--host", "127.0.0.1"], env=env).start()
    driver = SlackDriver(bot_url=bot.url, slack_url=st.slack.url, signing_secret=SIGNING_SECRET)
    try:
        view = _open_form(driver, st)
        _wait_warm(cfg, driver, view, last=last)
        yield WarmBot(bot.port, driver, view, time.monotonic() - began)
    finally:
        driver.close()
        bot.stop()
        bot.close()


def _open_form(driver: SlackDriver, st: Stands) -> dict[str, Any]:
    """``/rollback`` alone opens the modal; the view as Slack holds it (with its id)."""
    assert driver.command("", channel=CHANNEL).status_code == 200
    return st.slack.wait_view(lambda v: v.get("callback_id") == "rollback_request")


def _wait_warm(cfg: MenusConfig, driver: SlackDriver, view: dict[str, Any], *, last: str) -> None:
    """Until the menu offers the last app made by name: a look at every app is published.
    (Polled: the fake Slack's ``wait_for`` re-checks only when Slack is called, and a menu
    calls nobody.)"""
    deadline = time.monotonic() + cfg.warm_timeout
    while time.monotonic() < deadline:
        names = _names(driver.suggest(view, APP_ACTION, last).json())
        if names and LOOK_IT_UP not in names[0]:
            return
        time.sleep(0.05)
    raise TimeoutError(f"no look at all the apps within {cfg.warm_timeout:g} s")


def _names(answer: dict[str, Any]) -> list[str]:
    return [str(o["text"]["text"]) for o in answer.get("options", ())]


def suggestion(view: dict[str, Any], action_id: str, typed: str) -> str:
    """The form body of Slack's ``block_suggestion`` for ``action_id`` in ``view``."""
    block_id, _ = payloads.find_element(view, action_id)
    payload = payloads.block_suggestion(
        TEST_TEAM,
        actor=Actor("UALICE", "ualice"),
        view=view,
        block_id=block_id,
        action_id=action_id,
        value=typed,
    )
    return as_form(payload)


def _load(
    cfg: MenusConfig, port: int, bodies: list[str], c: int, *, expect: str = '"options"'
) -> Figures:
    spec = LoadSpec(
        port=port,
        secret=SIGNING_SECRET,
        concurrency=c,
        requests=cfg.requests_one if c == 1 else cfg.requests_many,
        warmup=cfg.warmup,
        text="",
        response_url="",
        expect=expect,
        bodies=tuple(bodies),
    )
    return Figures.of(run_load(spec))


def _app_menu(
    cfg: MenusConfig, run: MenusRun, driver: SlackDriver, view: dict[str, Any], port: int
) -> None:
    for label, typed in TYPED.items():
        run.offered[label] = len(_names(driver.suggest(view, APP_ACTION, typed).json()))
        body = suggestion(view, APP_ACTION, typed)
        for c in (1, cfg.concurrency):
            run.figures[f"app {label} {c}"] = _load(cfg, port, [body], c)


def _target_menu(
    cfg: MenusConfig, run: MenusRun, sim: Simulator, port: int, apps: list[tuple[str, str]]
) -> None:
    """Each app's first request (one DigitalOcean read each), then the same again, from
    memory while the reads are younger than the 20 s they are kept."""
    bodies = []
    for n, (name, app_id) in enumerate(apps):
        context = ModalContext(channel=CHANNEL, app_ref=app_id, app_label=name)
        view = {**request_view(context, require_reason=False), "id": f"VBENCH{n:03d}"}
        bodies.append(suggestion(view, TARGET_ACTION, ""))
    # Every app made by add_apps has a deployment to go back to: the answer offers it.
    good = "(last good)"
    first = LoadSpec(
        port=port, secret=SIGNING_SECRET, concurrency=1, requests=len(bodies), warmup=0,
        text="", response_url="", expect=good, bodies=tuple(bodies),
    )  # fmt: skip
    before = sim.count("GET", DEPLOYMENTS)
    run.figures["target first 1"] = Figures.of(run_load(first))
    between = sim.count("GET", DEPLOYMENTS)
    for c in (1, cfg.concurrency):
        run.figures[f"target again {c}"] = _load(cfg, port, bodies, c, expect=good)
    run.reads_first = between - before
    run.reads_again = sim.count("GET", DEPLOYMENTS) - between


def _floor(cfg: MenusConfig, run: MenusRun, st: Stands, view: dict[str, Any]) -> None:
    floor = Service("bench.floor", ["fast", f"{st.slack.url}/api/"]).start()
    try:
        body = suggestion(view, APP_ACTION, "")
        for c in (1, cfg.concurrency):
            run.figures[f"floor {c}"] = _load(cfg, floor.port, [body], c)
    finally:
        floor.stop()
        floor.close()


def _latency_rows(name: str, bot: Figures, floor: Figures, c: int) -> list[Row]:
    deadline = f"< {SLACK_LIMIT_MS:,.0f} ms (Slack)"
    at = "1 at a time" if c == 1 else f"{c} at a time"
    return [
        Row(f"{name}: p50, {at}", bot.p50, "ms", floor.p50, "floor"),
        Row(f"{name}: p99, {at}", bot.p99, "ms", floor.p99, "floor", deadline,
            bot.p99 < SLACK_LIMIT_MS),
        Row(f"{name}: max, {at}", bot.max, "ms", floor.max, "floor", deadline,
            bot.max < SLACK_LIMIT_MS),
    ]  # fmt: skip


def rows(cfg: MenusConfig, run: MenusRun) -> list[Row]:
    f = run.figures
    out: list[Row] = []
    for label, typed in TYPED.items():
        name = f'app menu "{typed}" ({run.offered[label]} options)'
        for c in (1, cfg.concurrency):
            out += _latency_rows(name, f[f"app {label} {c}"], f[f"floor {c}"], c)
    for c in (1, cfg.concurrency):
        out += _latency_rows(
            'app menu "", ROLLBACK_CHANNELS "*"', f[f"star {c}"], f[f"floor {c}"], c
        )
    out += _latency_rows("target menu, first request", f["target first 1"], f["floor 1"], 1)
    for c in (1, cfg.concurrency):
        out += _latency_rows("target menu, again", f[f"target again {c}"], f[f"floor {c}"], c)
    out += [
        Row("DO reads, first target requests", run.reads_first, "", cfg.target_apps,
            "one per app", "= 1 per app", run.reads_first == cfg.target_apps),
        Row("DO reads, repeated target requests", run.reads_again, "", 0, "from memory",
            "0", run.reads_again == 0),
    ]  # fmt: skip
    return out


def notes(cfg: MenusConfig, run: MenusRun) -> str:
    bad = {
        k: (v.non_200, v.unexpected) for k, v in run.figures.items() if v.non_200 or v.unexpected
    }
    return (
        f"{cfg.apps} apps, ROLLBACK_CHANNELS naming all of them for {CHANNEL} (then "
        f'"*" for the one figure so named); a look at every '
        f"app published {run.warm_after:.1f} s after the bot started; {run.looks} GET /v2/apps "
        f"pages while measuring (a new look every 30 s: the first request after one reads the "
        f"fleet from Redis again); options answered: {run.offered}; "
        f"non-200 / unexpected answers: {bad or 'none'}"
    )
