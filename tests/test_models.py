"""Parsing DigitalOcean's payloads into models."""

from __future__ import annotations

import time
from typing import Any

import pytest
from pydantic import ValidationError

from bot.digitalocean.models import (
    STEP_DEPTH,
    App,
    Deployment,
    Phase,
    RollbackCondition,
    RollbackValidation,
    StepReason,
    StepStatus,
)
from bot.domain import progress
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


def test_null_component_lists_read_as_empty() -> None:
    body = raw("deployment")["deployment"]
    body.update(services=None, workers=None, jobs=None, static_sites=[None])
    deployment = Deployment.model_validate(body)
    assert (deployment.services, deployment.workers, deployment.jobs) == ((), (), ())
    assert deployment.static_sites == ()
    assert deployment.commit == ""


def test_empty_deployment_objects_on_an_app_read_as_none() -> None:
    body = raw("app")["app"]
    for field in ("active", "in_progress", "pending", "pinned"):
        body[f"{field}_deployment"] = {}
    app = App.model_validate(body)
    assert app.active_deployment is None and app.in_progress_deployment is None
    assert app.pending_deployment is None and app.pinned_deployment is None


def test_an_app_deployment_without_an_id_reads_as_none() -> None:
    # Without an id the bot can neither follow nor roll back to it.
    body = raw("app")["app"]
    body["pinned_deployment"] = {"phase": "ACTIVE", "cause": "pinned by someone"}
    body["in_progress_deployment"] = {"id": None, "phase": "BUILDING"}
    body["pending_deployment"] = {"id": "", "phase": "PENDING_BUILD"}
    app = App.model_validate(body)
    assert app.pinned_deployment is None
    assert app.in_progress_deployment is None and app.pending_deployment is None
    assert app.active_deployment is not None  # the example's own, untouched


def test_null_strings_read_as_empty() -> None:
    deployment = Deployment.model_validate(
        {
            "id": "d",
            "cause": None,
            "cloned_from": None,
            "services": [{"name": None, "source_commit_hash": None}],
            "progress": {
                "total_steps": None,
                "success_steps": None,
                "steps": [
                    {
                        "name": None,
                        "status": None,
                        "message_base": None,
                        "component_name": None,
                        "reason": None,
                        "steps": [{"name": "x", "reason": {"code": None, "message": None}}],
                    }
                ],
            },
        }
    )
    assert deployment.cause == "" and deployment.cloned_from == ""
    assert deployment.commit == ""
    assert deployment.progress.total_steps == 0 and deployment.progress.success_steps == 0
    step = deployment.progress.steps[0]
    assert (step.name, step.message_base, step.component_name) == ("", "", "")
    assert step.status == StepStatus.UNKNOWN and step.reason is None
    assert step.steps[0].reason == StepReason()


def test_null_spec_and_name_fall_back_to_the_id() -> None:
    assert App.model_validate({"id": "a1", "spec": None}).name == "a1"
    assert App.model_validate({"id": "a1", "spec": {"name": None}}).name == "a1"
    assert App.model_validate({"id": "a1", "live_url": None}).live_url == ""
    validation = RollbackValidation.model_validate({"valid": None, "error": {"message": None}})
    assert not validation.valid and validation.error == RollbackCondition()


def test_a_top_level_deployment_or_app_without_an_id_is_refused() -> None:
    # The client turns this into its own typed error; a nested one reads as None instead.
    with pytest.raises(ValidationError):
        Deployment.model_validate({"phase": "ACTIVE"})
    with pytest.raises(ValidationError):
        App.model_validate({"id": None})


def nested(depth: int) -> dict[str, Any]:
    """A step tree ``depth`` levels below its root, as DigitalOcean would send it."""
    node: dict[str, Any] = {"name": "leaf", "status": "ERROR", "reason": {"message": "boom"}}
    for level in reversed(range(depth)):
        node = {"name": f"s{level}", "status": "RUNNING", "steps": [node]}
    return {"id": "d", "phase": "BUILDING", "progress": {"steps": [node]}}


@pytest.mark.parametrize("depth", [300, 500, 1000, 5000])
def test_a_very_deep_step_tree_parses_and_keeps_every_step(depth: int) -> None:
    started = time.perf_counter()
    deployment = Deployment.model_validate(nested(depth))
    flat = progress.flatten(deployment.progress.steps)
    assert time.perf_counter() - started < 5
    assert len(flat) == depth + 1
    assert len({f.key for f in flat}) == depth + 1  # distinct keys: a diff can tell them apart
    failed = progress.failed_steps(deployment.progress.steps)
    assert [(f.label.endswith("leaf"), f.reason) for f in failed] == [(True, "boom")]
    # The levels DigitalOcean really uses keep their keys, and so do the first three
    # folded up from below STEP_DEPTH; deeper ones are named by their last three names.
    assert flat[3].key == "s0/s1/s2/s3"
    assert flat[STEP_DEPTH + 2].key == "/".join(f"s{i}" for i in range(STEP_DEPTH + 3))
    assert flat[STEP_DEPTH + 3].key.endswith(
        f"/…/s{STEP_DEPTH + 1}/s{STEP_DEPTH + 2}/s{STEP_DEPTH + 3}"
    )
    # Stable from one poll to the next, so the diff reports nothing new.
    again = Deployment.model_validate(nested(depth)).progress.steps
    assert progress.diff(progress.statuses(deployment.progress.steps), again) == []


def test_models_stay_frozen() -> None:
    deployment = example_deployment()
    with pytest.raises(ValidationError):
        deployment.cause = "changed"  # type: ignore[misc]
