"""From a step changing in the simulator to the thread reply that tells it.

Step times come from the simulator's own step timestamps (``started_at``/``ended_at``
of each leaf step, clock mode); reply times from the Tap in front of the fake Slack.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import parse_qs

from bench.tap import Hit
from bot.sandbox.digitalocean import Simulator
from bot.sandbox.digitalocean.clock import ScaledClock
from bot.sandbox.digitalocean.progress import ZERO_TIME, iter_steps


@dataclass(frozen=True)
class Reply:
    at: float  # real epoch seconds it reached Slack
    thread_ts: str
    text: str


@dataclass(frozen=True)
class StepEvent:
    app: str
    label: str  # as the bot writes it: "build › components › web"
    ended: bool  # False: the step started; True: it ended (SUCCESS)
    at: float  # simulated epoch seconds

    @property
    def needle(self) -> str:
        """What a reply telling this event contains (a start may be told as its end)."""
        return f"`{self.label}`: *SUCCESS*" if self.ended else f"`{self.label}`:"


def slack_args(hit: Hit) -> dict[str, object]:
    raw = hit.body.decode(errors="replace")
    if raw.startswith("{"):
        parsed = json.loads(raw)
        return parsed if isinstance(parsed, dict) else {}
    return {k: v[0] for k, v in parse_qs(raw).items()}


def thread_replies(hits: Iterable[Hit]) -> list[Reply]:
    out = []
    for hit in hits:
        if hit.path.endswith("/chat.postMessage"):
            args = slack_args(hit)
            if args.get("thread_ts"):
                out.append(Reply(hit.start, str(args["thread_ts"]), str(args.get("text", ""))))
    return out


def _epoch(stamp: object) -> float | None:
    if not isinstance(stamp, str) or stamp == ZERO_TIME:
        return None
    return datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC).timestamp()


def step_events(sim: Simulator, apps: Sequence[tuple[str, str]]) -> list[StepEvent]:
    """Every leaf step's start and end, for each app's newest deployment (the rollback)."""
    events = []
    for name, app_id in apps:
        newest = sim.list_deployments(app_id)[0]
        progress = newest.get("progress")
        steps = progress.get("steps") if isinstance(progress, dict) else None
        for path, step in iter_steps(steps):
            if step.get("steps"):
                continue  # parents change together with their leaves
            label = path.replace("/", " › ")
            for key in ("started_at", "ended_at"):
                at = _epoch(step.get(key))
                if at is not None:
                    events.append(StepEvent(name, label, key == "ended_at", at))
    return events


@dataclass
class Lags:
    total: list[float] = field(default_factory=list)  # event → reply, simulated seconds
    waiting: list[float] = field(default_factory=list)  # event → the poll, simulated s
    telling: list[float] = field(default_factory=list)  # the poll → the reply, real s
    untold: int = 0

    def at_real_speed(self) -> list[float]:
        """What the lag would be uncompressed: the wait scales, the work does not."""
        return [w + t for w, t in zip(self.waiting, self.telling, strict=True)]


def lags(
    events: Iterable[StepEvent],
    replies: Sequence[Reply],
    polls: dict[str, list[float]],
    owners: dict[str, str],
    clock: ScaledClock,
    *,
    since: float,
) -> Lags:
    """For each step event at or after ``since`` (simulated): the first reply in its app's
    thread that tells it, and the last poll of the app before that reply.

    ``polls`` maps an app name to the real times of its deployment GETs; ``owners`` maps
    a thread ts to its app name.
    """
    by_app: dict[str, list[Reply]] = {}
    for reply in sorted(replies, key=lambda r: r.at):
        app = owners.get(reply.thread_ts)
        if app is not None:
            by_app.setdefault(app, []).append(reply)
    out = Lags()
    for event in events:
        if event.at < since:
            continue
        real = clock.to_real(event.at)
        told = next(
            (r for r in by_app.get(event.app, []) if r.at >= real and event.needle in r.text),
            None,
        )
        if told is None:
            out.untold += 1
            continue
        out.total.append((told.at - real) * clock.rate)
        before = [p for p in polls.get(event.app, []) if p <= told.at]
        poll = max(before[-1] if before else real, real)
        out.waiting.append((poll - real) * clock.rate)
        out.telling.append(told.at - poll)
    return out
