"""Section 7's realistic hour: what happens, and when, on the simulated clock.

Everything a person does goes through the bot as Slack delivers it (signed commands and
clicks); everything done outside the bot (a push going live, a rollback from the control
panel, an app turning unhealthy) is done to the simulator in-process, so none of it is
counted as the bot's DigitalOcean calls.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.sandbox.digitalocean import Simulator
from bot.sandbox.digitalocean.clock import ScaledClock
from bot.sandbox.digitalocean.progress import StepFailure
from bot.sandbox.slack.fake import FakeSlack
from bot.slack.blockkit.blocks import APPROVE
from tests.constants import DO_TOKEN
from tests.flow import wait_card
from tests.slack_driver import SlackDriver

CHANNEL = "CDEPLOY"  # where people ask for rollbacks
NOTIFY = "COPS"  # ROLLBACK_NOTIFY_CHANNEL: rollbacks made elsewhere, bad-deploy cards
REQUESTER, APPROVER = "UALICE", "UBOB"

# A rollback whose deploy step fails: its failure reply quotes the component's DEPLOY log.
DEPLOY_FAILURE = StepFailure(
    "deploy/components/web/deploy", "DeployJobFailed", "Deploy failed: the container exited with 1"
)

COMMITTED, PINNED, FAILING, UNHEALTHY = "bench-000", "bench-001", "bench-002", "bench-004"
ELSEWHERE = "bench-003"
DEPLOYED = tuple(f"bench-{n:03d}" for n in range(10, 25))  # one ordinary deploy each
GONE_BAD = "bench-014"  # its deploy turns 0/2 ready half a minute after going live
DEPLOY_EVERY, FIRST_DEPLOY = 4.0, 3.0  # simulated minutes: 3, 7, ... 59


@dataclass(frozen=True)
class Event:
    minute: float  # simulated minutes into the hour
    what: str
    act: Callable[[Player], None]


class Player:
    """Plays the events against the stand-ins and the bot, on the simulated clock."""

    def __init__(
        self,
        sim: Simulator,
        clock: ScaledClock,
        driver: SlackDriver,
        slack: FakeSlack,
        apps: dict[str, str],
    ) -> None:
        self.sim, self.clock, self.driver, self.slack = sim, clock, driver, slack
        self.apps = apps  # name → id
        self.live_offset = _live_offset()
        self.deployed: dict[str, str] = {}  # app name → its fresh deployment
        self.played: list[tuple[float, str]] = []  # (simulated minute, what) as it happened

    def play(self, events: Sequence[Event], *, began: float, hour: float) -> None:
        """Each event at its minute (simulated, from ``began``), then wait out the hour."""
        for event in sorted(events, key=lambda e: e.minute):
            self._until(began + event.minute * 60)
            event.act(self)
            self.played.append(((self.clock() - began) / 60, event.what))
        self._until(began + hour)

    def _until(self, simulated: float) -> None:
        while self.clock() < simulated:
            time.sleep(min(0.05, max(0.0, self.clock.to_real(simulated) - time.time())))

    # What people do, through the bot.

    def roll_back(self, name: str) -> None:
        """UALICE asks, UBOB approves: a rollback to the app's last good deployment."""
        self.driver.command(name, user=REQUESTER, channel=CHANNEL)
        card = wait_card(self.slack, name, channel=CHANNEL)
        self.driver.press(card, APPROVE, user=APPROVER)

    def command(self, text: str, user: str) -> None:
        self.driver.command(text, user=user, channel=CHANNEL)

    # What happens outside the bot, to the simulator itself.

    def deploy(self, name: str) -> None:
        """A push goes live, dated so that the bot (in real time) sees it go live now: the
        simulator's own clock runs ahead of the bot's."""
        app_id = self.apps[name]
        created = time.time() - self.live_offset
        self.deployed[name] = self.sim.add_deployment(app_id, phase="ACTIVE", created=created)

    def sicken(self, name: str) -> None:
        self.sim.sicken(self.deployed[name], ready=0, desired=2, state="UNHEALTHY")

    def roll_back_elsewhere(self, name: str) -> None:
        """Someone rolls back in the control panel: no call of the bot's."""
        app_id = self.apps[name]
        self.sim.create_rollback(app_id, {"deployment_id": _last_good(self.sim, app_id)})

    def commit_elsewhere(self, name: str) -> None:
        self.sim.commit_rollback(self.apps[name])


def _last_good(sim: Simulator, app_id: str) -> str:
    return next(
        str(d["id"]) for d in sim.list_deployments(app_id) if d.get("phase") == "SUPERSEDED"
    )


def _live_offset() -> float:
    """Seconds from a finished deployment's ``created`` to the ``phase_last_updated_at`` the
    simulator reports for it (its history is spaced at a fixed pace): the bot dates a
    deploy's going live by the latter."""
    scratch = Simulator(token=DO_TOKEN)
    app_id = scratch.add_app("scratch")
    scratch.add_deployment(app_id, phase="ACTIVE", created=0.0)
    live = scratch.get_app(app_id)["active_deployment"]
    assert isinstance(live, dict)
    return datetime.fromisoformat(str(live["phase_last_updated_at"])).timestamp()


def _deploying(name: str) -> Callable[[Player], None]:
    return lambda p: p.deploy(name)


def deploy_minutes() -> list[float]:
    return [FIRST_DEPLOY + n * DEPLOY_EVERY for n in range(len(DEPLOYED))]


def realistic_hour(sim: Simulator, apps: dict[str, str]) -> list[Event]:
    """Four rollbacks through the bot (one left pinned, one failing at deploy, one whose
    target comes up 0/2 and is reverted), one made and committed in the control panel, and
    fifteen ordinary deploys, one of which goes unhealthy."""
    sim.set_rollback_failure(apps[FAILING], DEPLOY_FAILURE)
    events = [
        Event(0.0, f"rollback {PINNED} (left pinned)", lambda p: p.roll_back(PINNED)),
        Event(2.0, f"rollback {COMMITTED}", lambda p: p.roll_back(COMMITTED)),
        Event(12.0, f"commit {COMMITTED}", lambda p: p.command(f"commit {COMMITTED}", REQUESTER)),
        Event(15.0, f"rollback {FAILING} (fails at deploy)", lambda p: p.roll_back(FAILING)),
        Event(25.0, f"rollback {ELSEWHERE} elsewhere", lambda p: p.roll_back_elsewhere(ELSEWHERE)),
        Event(40.0, f"commit {ELSEWHERE} elsewhere", lambda p: p.commit_elsewhere(ELSEWHERE)),
        Event(45.0, f"rollback {UNHEALTHY} (0/2)", lambda p: p.roll_back(UNHEALTHY)),
        Event(52.0, f"revert {UNHEALTHY}", lambda p: p.command(f"revert {UNHEALTHY}", APPROVER)),
    ]
    # The target of the unhealthy one comes up short of ready replicas once it is live.
    sim.sicken(_last_good(sim, apps[UNHEALTHY]), ready=0, desired=2, state="UNHEALTHY")
    for name, minute in zip(DEPLOYED, deploy_minutes(), strict=True):
        events.append(Event(minute, f"deploy {name}", _deploying(name)))
        if name == GONE_BAD:
            events.append(Event(minute + 0.5, f"{name} turns 0/2", lambda p: p.sicken(GONE_BAD)))
    return events


BOT_ROLLBACKS = 4  # asked for and approved through the bot
HEALTHY_ROLLBACKS = 3  # live and healthy at the first read: two of the bot's, the elsewhere one
SETTLED_BY_BOT = 2  # a commit and a revert through the bot
