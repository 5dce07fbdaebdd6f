"""In-memory records of apps and deployments, and their JSON shape (models/app.yml,
models/apps_deployment.yml). Plain dicts out, so the bot's own models get an
independent check."""

from __future__ import annotations

import copy
import hashlib
import json
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime

from .progress import BUILD_FAILURE, ZERO_TIME, ProgressScript, StepFailure

# Fixed namespace so sample ids are the same in every process (tests, demo, docs).
NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://github.com/do-rollback-bot/simulator")

TERMINAL_PHASES = frozenset({"ACTIVE", "SUPERSEDED", "ERROR", "CANCELED"})
_HISTORY_STEP_SECONDS = 15.0  # pace of pre-built history, only visible in timestamps
_CANCELED_AT_TICK = 2  # a canceled deployment's progress stays frozen mid-build (pitfall 5)

REGIONS: dict[str, dict[str, object]] = {
    "ams": {"slug": "ams", "label": "Amsterdam", "flag": "netherlands",
            "continent": "Europe", "data_centers": ["ams3"]},
    "fra": {"slug": "fra", "label": "Frankfurt", "flag": "germany",
            "continent": "Europe", "data_centers": ["fra1"]},
    "nyc": {"slug": "nyc", "label": "New York", "flag": "usa",
            "continent": "North America", "data_centers": ["nyc1", "nyc3"]},
    "sfo": {"slug": "sfo", "label": "San Francisco", "flag": "usa",
            "continent": "North America", "data_centers": ["sfo3"]},
}  # fmt: skip


def stable_id(*parts: str) -> str:
    return str(uuid.uuid5(NAMESPACE, "/".join(parts)))


def app_id_for(name: str) -> str:
    """The id the simulator gives an app called `name` (stable across runs)."""
    return stable_id(name)


def fake_commit(*parts: str) -> str:
    return hashlib.sha1("/".join(parts).encode(), usedforsecurity=False).hexdigest()


def iso(moment: float) -> str:
    return datetime.fromtimestamp(moment, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def app_spec(name: str, region: str) -> dict[str, object]:
    return {
        "name": name,
        "region": region,
        "services": [
            {
                "name": "web",
                "github": {"repo": f"digitalocean/{name}", "branch": "main",
                           "deploy_on_push": True},
                "run_command": f"bin/{name}",
                "environment_slug": "go",
                "instance_size_slug": "apps-s-1vcpu-0.5gb",
                "instance_count": 1,
                "http_port": 8080,
                "routes": [{"path": "/"}],
            }
        ],
    }  # fmt: skip


def user_action(name: str) -> dict[str, object]:
    """cause_details.digitalocean_user_action (godo DeploymentCauseDetails)."""
    return {
        "user": {
            "uuid": stable_id("user", "sammy"),
            "email": "sammy@example.com",
            "full_name": "Sammy the Shark",
        },
        "name": name,
    }


def cause_details(cause_type: str, app_name: str, commit: str, seq: str) -> dict[str, object]:
    details: dict[str, object] = {"type": cause_type}
    if cause_type == "DEPLOY_ON_PUSH":
        details["git_push"] = {
            "github": {"repo": f"digitalocean/{app_name}", "branch": "main"},
            "username": "sammy", "commit_author": "Sammy the Shark",
            "commit_sha": commit, "commit_message": f"Change #{seq}",
        }  # fmt: skip
    else:
        details["digitalocean_user_action"] = user_action("CREATE_DEPLOYMENT")
    return details


@dataclass
class DeploymentRecord:
    id: str
    spec: dict[str, object]
    commit: str
    cause: str
    cause_details: dict[str, object]
    created: float
    script: ProgressScript
    tier_slug: str = "basic"
    cloned_from: str | None = None
    tick: int = 0
    # Wall time each tick was reached; ticks beyond the list are extrapolated with
    # `step_seconds` (clock mode and pre-built history).
    tick_times: list[float] = field(default_factory=list)
    step_seconds: float | None = None
    # SUPERSEDED / CANCELED are decided by the world, not by the step script.
    override_phase: str | None = None
    overridden_at: float | None = None
    # The last rendering (its inputs, as JSON): a look renders every app's deployments,
    # and a deployment renders the same until it moves; a fresh copy each time
    # (json.loads) costs a tenth of building it again with deep copies.
    _rendered: tuple[tuple[object, ...], str] | None = field(
        default=None, init=False, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        if not self.tick_times:
            self.tick_times = [self.created]

    def time_of(self, tick: int) -> float:
        if tick < len(self.tick_times):
            return self.tick_times[tick]
        if self.step_seconds is None:
            return self.tick_times[-1]
        return self.created + tick * self.step_seconds

    @property
    def phase(self) -> str:
        return self.override_phase or self.script.phase_at(self.tick)

    @property
    def in_progress(self) -> bool:
        return self.phase not in TERMINAL_PHASES

    def to_json(self, *, progress: bool = True) -> dict[str, object]:
        """`progress=False` leaves the key out (the list_omits_progress fault)."""
        inputs = (
            progress, self.tick, len(self.tick_times), self.override_phase, self.overridden_at,
            self.cloned_from, self.commit, self.cause, self.tier_slug,
        )  # fmt: skip
        if self._rendered is None or self._rendered[0] != inputs:
            self._rendered = (inputs, json.dumps(self._render(progress=progress)))
        rendered: dict[str, object] = json.loads(self._rendered[1])
        return rendered

    def _render(self, *, progress: bool) -> dict[str, object]:
        if self.override_phase is not None and self.overridden_at is not None:
            phase_at, updated = iso(self.overridden_at), iso(self.overridden_at)
        else:
            changed = self.script.phase_changed_at(self.tick)
            phase_at = ZERO_TIME if changed == 0 else iso(self.time_of(changed))
            updated = iso(self.time_of(self.tick))
        out: dict[str, object] = {
            "id": self.id,
            "spec": copy.deepcopy(self.spec),
            "services": [{"name": "web", "source_commit_hash": self.commit}],
            "cause": self.cause,
            "cause_details": copy.deepcopy(self.cause_details),
            "phase_last_updated_at": phase_at,
            "created_at": iso(self.created),
            "updated_at": updated,
            "phase": self.phase,
            "tier_slug": self.tier_slug,
        }
        if progress:
            out["progress"] = self.script.render(
                self.tick, lambda t: datetime.fromtimestamp(self.time_of(t), UTC)
            )
        if self.cloned_from is not None:
            out["cloned_from"] = self.cloned_from
        return out


@dataclass
class AppRecord:
    id: str
    name: str
    region: str
    tier_slug: str
    created: float
    updated: float
    deployments: list[DeploymentRecord] = field(default_factory=list)  # oldest first
    active_id: str | None = None
    in_progress_id: str | None = None
    pinned_id: str | None = None
    # The deployment that was live when the current rollback started (what revert restores).
    pre_rollback_id: str | None = None
    warnings: list[dict[str, object]] = field(default_factory=list)
    rollback_failure: StepFailure | None = None

    def find(self, deployment_id: str | None) -> DeploymentRecord | None:
        for dep in self.deployments:
            if dep.id == deployment_id:
                return dep
        return None

    @property
    def ingress(self) -> str:
        return f"https://{self.name}-{self.id[:5]}.ondigitalocean.app"

    @property
    def pending_id(self) -> str | None:
        """models/app.yml pending_deployment: "The most recent pending deployment. For
        CreateApp and UpdateApp transactions this is guaranteed to reflect the associated
        deployment." What GET/list answer is in godo PR #601 (which added the field):
        "For GetApp and ListApps it will be set to the most recent non-cancelled
        deployment if one exists." (quoted as of 2023-02)
        """
        for dep in reversed(self.deployments):
            if dep.phase != "CANCELED":
                return dep.id
        return None

    def to_json(self, *, progress: bool = True) -> dict[str, object]:
        """One app as GET /v2/apps/{id} and each item of GET /v2/apps carry it (both
        are models/app.yml; apps_list.yml: "Information about the current active
        deployment as well as any in progress ones will also be included for each
        app"). `progress=False` leaves `progress` out of every deployment in it."""
        active = self.find(self.active_id)
        out: dict[str, object] = {
            "id": self.id,
            "owner_uuid": stable_id("owner"),
            "spec": active.to_json()["spec"] if active else app_spec(self.name, self.region),
            "default_ingress": self.ingress,
            "created_at": iso(self.created),
            "updated_at": iso(self.updated),
            "live_url": self.ingress,
            "live_url_base": self.ingress,
            "live_domain": self.ingress.removeprefix("https://"),
            "region": copy.deepcopy(REGIONS.get(self.region, {"slug": self.region})),
            "tier_slug": self.tier_slug,
        }
        if self.deployments:
            out["last_deployment_created_at"] = iso(self.deployments[-1].created)
        # Absent, not null, when unset: that is how the real API answers.
        for key, dep_id in (
            ("active_deployment", self.active_id),
            ("in_progress_deployment", self.in_progress_id),
            ("pending_deployment", self.pending_id),
            ("pinned_deployment", self.pinned_id),
        ):
            dep = self.find(dep_id)
            if dep is not None:
                out[key] = dep.to_json(progress=progress)
        return out


def history_deployment(
    app: AppRecord,
    *,
    phase: str,
    created: float,
    cause: str | None,
    cause_type: str,
    failure: StepFailure | None,
) -> DeploymentRecord:
    """A deployment that already finished (SUPERSEDED/CANCELED/ERROR/ACTIVE)."""
    if phase not in TERMINAL_PHASES:
        raise ValueError(f"history deployments must be terminal, not {phase}")
    seq = str(len(app.deployments) + 1)
    commit = fake_commit(app.name, seq)
    if cause is None:
        cause = f"commit {commit[:7]} pushed to github/digitalocean/{app.name}"
    script = ProgressScript(failure=(failure or BUILD_FAILURE) if phase == "ERROR" else None)
    dep = DeploymentRecord(
        stable_id(app.name, "deployment", seq), app_spec(app.name, app.region), commit,
        cause, cause_details(cause_type, app.name, commit, seq), created, script,
        app.tier_slug, step_seconds=_HISTORY_STEP_SECONDS,
    )  # fmt: skip
    dep.tick = _CANCELED_AT_TICK if phase == "CANCELED" else script.terminal_tick
    if phase in ("SUPERSEDED", "CANCELED"):
        dep.override_phase = phase
        dep.overridden_at = dep.time_of(dep.tick) + _HISTORY_STEP_SECONDS
    return dep


def new_deployment(
    app: AppRecord,
    source: DeploymentRecord,
    *,
    cause_type: str,
    action: str,
    failure: StepFailure | None,
    now: float,
    step_seconds: float | None,
) -> DeploymentRecord:
    """A deployment started through the API (rollback/revert): cause "manual", tick 0."""
    return DeploymentRecord(
        stable_id(app.name, "deployment", str(len(app.deployments) + 1)), source.spec,
        source.commit, "manual",
        {"type": cause_type, "digitalocean_user_action": user_action(action)},
        now, ProgressScript(failure=failure), app.tier_slug, step_seconds=step_seconds,
    )  # fmt: skip
