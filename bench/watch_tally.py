"""What the taps and the simulator's journal saw during one run of section 2, into its
``WatchRun``: calls by endpoint, looks at the fleet and how long each took, lags, and
step lines a thread showed twice."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from urllib.parse import parse_qs

from bench.lag import Reply, lags, step_events, thread_replies
from bench.rollouts import thread_owners
from bench.stack import Stands
from bench.tap import Hit, max_in_window
from bench.watch_run import Span, WatchConfig, WatchRun
from bot.sandbox.digitalocean import Simulator
from bot.sandbox.digitalocean.clock import ScaledClock

LIST_APPS = "/v2/apps"
# A step line of a thread reply, as bot/slack/blockkit/thread_replies.py writes it:
# "🔄 `build › initialize`: *RUNNING*".
_STEP_LINE = re.compile(r"`([^`]+)`: \*([A-Z_]+)\*")


def _page(hit: Hit) -> tuple[int, int]:
    """(page, per_page) of a ``GET /v2/apps`` as the bot asked for it (the API's defaults
    when absent: page 1, 20 a page)."""
    query = parse_qs(hit.query)
    return int(query.get("page", ["1"])[0]), int(query.get("per_page", ["20"])[0])


def looks(hits: Sequence[Hit]) -> list[list[Hit]]:
    """The list pages grouped into looks: each look starts at a first page."""
    out: list[list[Hit]] = []
    for hit in sorted(hits, key=lambda h: h.start):
        if hit.method != "GET" or hit.path != LIST_APPS:
            continue
        if _page(hit)[0] == 1 or not out:
            out.append([])
        out[-1].append(hit)
    return out


def reads_by_app(
    hits: Sequence[Hit], app_ids: Sequence[str], names: dict[str, str]
) -> dict[str, list[float]]:
    """App name → the real times the bot read its state: the per-deployment GETs of the
    old design and the list pages the app was on (``app_ids`` in the simulator's order)."""
    out: dict[str, list[float]] = {}
    for h in sorted(hits, key=lambda h: h.start):
        parts = h.path.split("/")  # /v2/apps/<app>/deployments/<deployment>
        if len(parts) == 6 and parts[4] == "deployments" and parts[3] in names:
            out.setdefault(names[parts[3]], []).append(h.start)
        elif h.path == LIST_APPS and h.status == 200:
            page, per_page = _page(h)
            for app_id in app_ids[(page - 1) * per_page : page * per_page]:
                if app_id in names:
                    out.setdefault(names[app_id], []).append(h.start)
    return out


def told_twice(replies: Sequence[Reply], owners: dict[str, str]) -> int:
    """Step lines (step, status) shown more than once in one rollback's thread."""
    seen: Counter[tuple[str, str, str]] = Counter()
    for reply in replies:
        if reply.thread_ts in owners:
            for label, status in _STEP_LINE.findall(reply.text):
                seen[(reply.thread_ts, label, status)] += 1
    return sum(count - 1 for count in seen.values() if count > 1)


def tally(
    run: WatchRun,
    *,
    st: Stands,
    cfg: WatchConfig,
    sim: Simulator,
    apps: list[tuple[str, str]],
    clock: ScaledClock,
    span: Span,
) -> None:
    """What the taps and the journal saw during the measurement, into ``run``."""
    resumed, ended = span.resumed, span.ended
    hits = st.sim_tap.hits()
    during = [h for h in hits if resumed <= h.start <= ended]
    run.calls = span.calls
    run.do_calls = span.calls.total
    run.too_many = sum(h.status == 429 for h in during)
    run.max_per_minute = max_in_window([h.start for h in during], cfg.window)
    run.max_per_minute_setup = max_in_window(
        [h.start for h in hits if h.start < resumed], cfg.window
    )
    run.polls = span.calls["get deployment"]
    taken = looks(during)
    run.looks = len(taken)
    run.look_ms = [(look[-1].end - look[0].start) * 1000 for look in taken]
    run.serving_ms = [sum(h.end - h.start for h in look) * 1000 for look in taken]
    slack = [h for h in st.slack_tap.hits() if resumed <= h.start <= ended]
    run.slack_posts = sum(h.path.endswith("/chat.postMessage") for h in slack)
    run.slack_edits = sum(h.path.endswith("/chat.update") for h in slack)
    replies = thread_replies(st.slack_tap.hits())
    owners = thread_owners(st.slack)
    run.told_twice = told_twice(replies, owners)
    names = {app_id: name for name, app_id in apps}
    app_ids = [str(app["id"]) for app in sim.list_apps()]
    run.lags = lags(
        step_events(sim, apps),
        replies,
        reads_by_app(hits, app_ids, names),
        owners,
        clock,
        since=span.resumed_sim,
    )
