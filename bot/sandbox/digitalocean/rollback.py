"""Rollbacks: the API's validate, create, commit and revert, and the rules they share,
request parsing and the validation conditions
(models/app_rollback_validation_condition.yml). Validate and create share the rules, so
a rollback is refused for exactly the reasons validate reports."""

from __future__ import annotations

from .errors import ApiError, invalid_argument, not_found
from .records import AppRecord
from .world import World

Condition = dict[str, object]


class Rollbacks(World):
    """The rollback endpoints (server.py maps the POST routes onto these)."""

    def validate_rollback(self, app_id: str, body: object) -> dict[str, object]:
        with self._settled(app_id) as app:
            target_id, _ = parse_rollback_request(body)
            error, warnings = check_rollback(app, target_id)
            out: dict[str, object] = {"valid": error is None}
            if error is not None:
                out["error"] = error
            if warnings:
                out["warnings"] = warnings
            return out

    def create_rollback(self, app_id: str, body: object) -> dict[str, object]:
        with self._settled(app_id) as app:
            target_id, skip_pin = parse_rollback_request(body)
            error, _ = check_rollback(app, target_id)
            if error is not None:
                raise invalid_argument(str(error["message"]))
            target = app.find(target_id)
            assert target is not None  # check_rollback raised 404 otherwise
            # A rollback's deployment type, as the deployments list filters it
            # (apps_list_deployments.yml deployment_types: "MANUAL_ROLLBACK: manual revert
            # to a previous deployment"); cause_details.type carries it (godo's
            # DeploymentCauseDetails), and a rollback made with or without the bot is alike.
            dep = self._start_deployment(
                app, target, "MANUAL_ROLLBACK", "ROLLBACK_APP", app.rollback_failure
            )
            dep.cloned_from = target.id
            app.pre_rollback_id = app.active_id
            # skip_pin: "the rollback will be immediately committed and the app will remain
            # unpinned" (apps_rollback_app_request.yml).
            app.pinned_id = None if skip_pin else dep.id
            return dep.to_json()

    def commit_rollback(self, app_id: str) -> None:
        with self._settled(app_id) as app:
            if app.pinned_id is None:
                raise invalid_argument("the app is not pinned to a rollback deployment")
            app.pinned_id = app.pre_rollback_id = None
            app.updated = self.clock()

    def revert_rollback(self, app_id: str) -> dict[str, object]:
        with self._settled(app_id) as app:
            rollback = app.find(app.pinned_id)
            previous = app.find(app.pre_rollback_id)
            if rollback is None:
                raise invalid_argument("the app is not pinned to a rollback deployment")
            if previous is None:
                raise invalid_argument("there is no deployment to revert to")
            if rollback.in_progress:
                rollback.override_phase, rollback.overridden_at = "CANCELED", self.clock()
            app.pinned_id = app.pre_rollback_id = None
            dep = self._start_deployment(app, previous, "MANUAL", "REVERT_APP_ROLLBACK", None)
            return dep.to_json()


def parse_rollback_request(body: object) -> tuple[str, bool]:
    """Parse models/apps_rollback_app_request.yml: {deployment_id, skip_pin}."""
    if not isinstance(body, dict):
        raise ApiError(400, "request body must be a JSON object", "bad_request")
    target = body.get("deployment_id")
    skip_pin = body.get("skip_pin", False)
    if not isinstance(target, str) or not target:
        raise invalid_argument("deployment_id is required")
    if not isinstance(skip_pin, bool):
        raise invalid_argument("skip_pin must be a boolean")
    return target, skip_pin


def check_rollback(app: AppRecord, target_id: str) -> tuple[Condition | None, list[Condition]]:
    """(failing condition or None, warnings). Raises 404 for an unknown target."""
    target = app.find(target_id)
    if target is None:
        raise not_found()
    warnings = [dict(w) for w in app.warnings]
    # Pinned is checked first: while a rollback awaits commit/revert nothing else may start.
    if app.pinned_id is not None:
        return _condition(
            "app_pinned",
            f'the app is pinned to rollback deployment "{app.pinned_id}"; '
            "commit or revert it first",
        ), warnings
    if target.phase in ("ERROR", "CANCELED"):
        # Wording from the spec's example: results are "failed"/"canceled", not phases.
        result = "failed" if target.phase == "ERROR" else "canceled"
        return _condition(
            "incompatible_result", f'deployment result "{result}" is unsuitable for rollback'
        ), warnings
    if target.id == app.active_id or target.in_progress:
        return _condition(
            "incompatible_phase", f'deployment phase "{target.phase}" is unsuitable for rollback'
        ), warnings
    if app.in_progress_id is not None:
        # Assumption (unverified): a rollback while another deployment is still running
        # is refused rather than queued as pending_deployment.
        return _condition("incompatible_phase", "the app has a deployment in progress"), warnings
    return None, warnings


def _condition(code: str, message: str) -> Condition:
    return {"code": code, "message": message}
