"""Parsing DigitalOcean's payloads into models."""

from __future__ import annotations

from bot.models import Deployment, Phase, RollbackValidation, StepStatus
from tests.examples import example_app, example_deployment, raw


def test_example_deployment_parses_with_absent_counters_as_zero() -> None:
    deployment = example_deployment()
    assert deployment.phase == Phase.PENDING_BUILD
    assert deployment.progress.total_steps == 6
    assert deployment.progress.pending_steps == 6
    assert deployment.progress.success_steps == 0  # absent in the payload
    assert deployment.commit == "9a4df0b"
    assert deployment.phase_last_updated_at is None  # year 1 means unset


def test_example_app_exposes_live_and_pending_deployments() -> None:
    app = example_app()
    assert app.name == "sample-golang"
    assert app.active_deployment is not None
    assert app.active_deployment.phase == Phase.ACTIVE
    assert app.active_deployment.progress.success_steps == 6
    assert app.pinned_deployment is None


def test_unknown_fields_and_enum_values_do_not_break_parsing() -> None:
    body = raw("deployment")["deployment"]
    body["phase"] = "SOMETHING_NEW"
    body["brand_new_field"] = {"x": 1}
    body["progress"]["steps"][0]["status"] = "PAUSED"
    deployment = Deployment.model_validate(body)
    assert deployment.phase == Phase.UNKNOWN
    assert deployment.progress.steps[0].status == StepStatus.UNKNOWN


def test_missing_progress_and_steps_read_as_empty() -> None:
    deployment = Deployment.model_validate({"id": "d1", "progress": None})
    assert deployment.progress.steps == ()
    assert deployment.progress.total_steps == 0


def test_terminal_phases_follow_digitalocean() -> None:
    terminal = {p for p in Phase if p.is_terminal}
    assert terminal == {Phase.ACTIVE, Phase.SUPERSEDED, Phase.ERROR, Phase.CANCELED}


def test_validation_with_warnings_and_error() -> None:
    invalid = RollbackValidation.model_validate(
        {
            "valid": False,
            "error": {
                "code": "incompatible_result",
                "message": 'deployment result "failed" is unsuitable for rollback',
            },
        }
    )
    assert not invalid.valid
    assert invalid.error is not None and invalid.error.code == "incompatible_result"
    warned = RollbackValidation.model_validate(
        {
            "valid": True,
            "warnings": [
                {"code": "image_source_missing_digest", "components": ["w"], "message": "m"}
            ],
        }
    )
    assert warned.valid and warned.warnings[0].components == ("w",)


def test_null_lists_read_as_empty() -> None:
    validation = RollbackValidation.model_validate(
        {"valid": True, "warnings": None, "error": {"code": "x", "components": None}}
    )
    assert validation.warnings == ()
    assert validation.error is not None and validation.error.components == ()
    deployment = Deployment.model_validate({"id": "d", "progress": {"steps": None}})
    assert deployment.progress.steps == ()
