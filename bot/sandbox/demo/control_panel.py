"""DigitalOcean's side of the demo: each app as its control panel shows it, and what a
person does there without the bot: deploy a build that goes bad, roll back, commit,
revert, and (the demo's own knobs) make the next rollback come up unhealthy or fail.

Every action drives the simulator through the methods its own tests use (``add_deployment``
and ``sicken``, ``create_rollback``, ``commit_rollback``/``revert_rollback``,
``set_rollback_failure``); the bot hears of it only as it would of the real control panel,
by looking at the fleet.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from bot.digitalocean.health import AppHealth, unwrapped
from bot.digitalocean.models import App, Deployment, Phase
from bot.domain.targets import default_target
from bot.sandbox.digitalocean import Simulator
from bot.sandbox.digitalocean.errors import ApiError
from bot.sandbox.digitalocean.progress import BUILD_FAILURE
from bot.sandbox.digitalocean.samples import BROKEN_ROLLBACK_FAILURE, SAMPLE_BROKEN
from bot.slack.blockkit.blocks import short

BAD_AFTER = 5.0
"""Seconds a bad build stays healthy after going live: long enough for the bot to see it
go live healthy first, as a deploy that breaks under traffic does."""

SICK_READY, SICK_DESIRED = 0, 2
"""How a bad build or an unhealthy rollback stands: "web 0/2 ready, UNHEALTHY"."""


class Refused(Exception):
    """What the control panel says instead of doing it: one sentence."""

    def __init__(self, sentence: str, status: int = 409) -> None:
        super().__init__(sentence)
        self.sentence = sentence
        self.status = status


@dataclass(frozen=True)
class _Armed:
    """How the app's next rollback will go wrong, until one is made."""

    since: int  # the app's deployments when armed: a rollback after them is "the next"
    healthy: int  # its component's replicas while well, to heal the other targets
    sickened: tuple[str, ...] = ()
    fails: bool = False


class ControlPanel:
    def __init__(self, sim: Simulator) -> None:
        self.sim = sim
        self._armed: dict[str, _Armed] = {}
        self._bad: set[str] = set()  # bad builds stay bad, whoever rolls back to them

    # --- what the panel shows ------------------------------------------------------------

    def apps(self) -> list[dict[str, Any]]:
        self.settle()
        return [self._shown(App.model_validate(a)) for a in self.sim.list_apps()]

    def _shown(self, app: App) -> dict[str, Any]:
        armed = self._armed.get(app.id)
        notes = []
        if armed is not None and armed.sickened:
            notes.append("The next rollback comes up 0/2 ready, UNHEALTHY.")
        if armed is not None and armed.fails:
            notes.append("The next rollback fails at its build.")
        return {
            "id": app.id,
            "name": app.name,
            "live": _deployment(app.active_deployment),
            "pinned": _deployment(app.pinned_deployment),
            "in_progress": _deployment(app.in_progress_deployment),
            "health": self._health(app.id),
            "armed": notes,
        }

    def _health(self, app_id: str) -> list[str]:
        health = AppHealth.model_validate(unwrapped(self.sim.get_health(app_id)))
        return [
            f"{c.name} {c.replicas_ready}/{c.replicas_desired} ready · {c.state}"
            for c in health.components
        ]

    # --- what a person does there --------------------------------------------------------

    def act(self, action: str, app_id: str) -> str:
        """Do ``action`` on the app; the sentence the panel shows. Raises ``Refused``."""
        acts = {
            "deploy-bad": self.deploy_bad,
            "rollback": self.roll_back,
            "commit": self.commit,
            "revert": self.revert,
            "unhealthy": self.next_rollback_unhealthy,
            "fail": self.next_rollback_fails,
        }
        if action not in acts:
            raise Refused(f"The control panel has no action {action!r}.", 404)
        self.settle()
        try:
            return acts[action](self._app(app_id))
        except ApiError as exc:
            raise Refused(f"DigitalOcean refused: {exc.message or exc.status}.") from None

    def deploy_bad(self, app: App) -> str:
        if app.pinned_deployment is not None:
            # What a pinned app means (DESIGN.md, pin reminders): deploys are blocked.
            raise Refused(f"{app.name} is pinned to a rollback: commit or revert it first.")
        if app.in_progress_deployment is not None:
            raise Refused(f"{app.name} has a deployment in progress: wait for it to finish.")
        new = self.sim.add_deployment(app.id, phase="ACTIVE", created=self.sim.clock())
        self._sicken(new, after=BAD_AFTER)
        self._bad.add(new)
        return f"Deployed {short(new)}: live now, UNHEALTHY in {BAD_AFTER:.0f} s."

    def roll_back(self, app: App) -> str:
        target = default_target(app.active_deployment, self._deployments(app.id))
        if target is None:
            raise Refused(f"{app.name} has no earlier deployment that was live.")
        made = short(str(self.sim.create_rollback(app.id, {"deployment_id": target.id})["id"]))
        return f"Rolling {app.name} back to {short(target.id)}: deployment {made}."

    def commit(self, app: App) -> str:
        self.sim.commit_rollback(app.id)
        return f"Committed {app.name}'s rollback: deploys from git are unblocked."

    def revert(self, app: App) -> str:
        made = self.sim.revert_rollback(app.id)
        return f"Reverting {app.name}'s rollback: deployment {short(str(made['id']))}."

    def next_rollback_unhealthy(self, app: App) -> str:
        targets = tuple(d.id for d in self._deployments(app.id) if d.phase == Phase.SUPERSEDED)
        for target in targets:
            self._sicken(target)
        self._arm(app, sickened=targets)
        return f"{app.name}'s next rollback will come up 0/2 ready."

    def next_rollback_fails(self, app: App) -> str:
        self._arm(app, fails=True)
        self.sim.set_rollback_failure(app.id, BUILD_FAILURE)
        return f"{app.name}'s next rollback will fail at its build."

    # --- "the next rollback" -------------------------------------------------------------

    def settle(self) -> None:
        """Disarm each app whose next rollback has been made: that rollback keeps what it
        was given, the later ones come up as they would have."""
        for app_id, armed in list(self._armed.items()):
            made = self._deployments(app_id)
            fresh = made[: len(made) - armed.since]  # newest first
            rollback = next((d for d in fresh if d.rollback_type), None)
            if rollback is None:
                continue
            del self._armed[app_id]
            if armed.fails:
                name = App.model_validate(self.sim.get_app(app_id)).name
                restored = BROKEN_ROLLBACK_FAILURE if name == SAMPLE_BROKEN else None
                self.sim.set_rollback_failure(app_id, restored)
            if armed.sickened:
                self._sicken(rollback.id)
                n = armed.healthy
                for target in set(armed.sickened) - self._bad:
                    self.sim.sicken(target, ready=n, desired=n, state="HEALTHY")

    def _sicken(self, deployment_id: str, *, after: float = 0.0) -> None:
        self.sim.sicken(
            deployment_id, ready=SICK_READY, desired=SICK_DESIRED, state="UNHEALTHY", after=after
        )

    def _arm(
        self, app: App, *, sickened: tuple[str, ...] | None = None, fails: bool | None = None
    ) -> None:
        armed = self._armed.get(app.id)
        if armed is None:
            health = AppHealth.model_validate(unwrapped(self.sim.get_health(app.id)))
            desired = max((c.replicas_desired for c in health.components), default=1)
            armed = _Armed(len(self._deployments(app.id)), desired)
        self._armed[app.id] = replace(
            armed,
            sickened=armed.sickened if sickened is None else sickened,
            fails=armed.fails if fails is None else fails,
        )

    def _app(self, app_id: str) -> App:
        try:
            return App.model_validate(self.sim.get_app(app_id))
        except ApiError:
            raise Refused("No such app.", 404) from None

    def _deployments(self, app_id: str) -> list[Deployment]:
        return [Deployment.model_validate(d) for d in self.sim.list_deployments(app_id)]


def _deployment(found: Deployment | None) -> dict[str, Any] | None:
    if found is None:
        return None
    progress = found.progress
    return {
        "id": short(found.id),
        "phase": found.phase.value,
        "cause": found.cause,
        "rollback": bool(found.rollback_type),
        "steps": f"{progress.success_steps}/{progress.total_steps}" if progress.total_steps else "",
    }
