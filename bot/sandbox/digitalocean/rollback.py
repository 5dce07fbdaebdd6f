"""The rollback rules: request parsing and the validation conditions
(models/app_rollback_validation_condition.yml). Shared by validate and create, so a
rollback is refused for exactly the reasons validate reports."""

from __future__ import annotations

from .errors import ApiError, invalid_argument, not_found
from .records import AppRecord

Condition = dict[str, object]


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
