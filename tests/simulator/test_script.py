"""The step script: how a deployment's progress tree moves tick by tick."""

from __future__ import annotations

import pytest

from bot.sandbox.digitalocean.progress import (
    BUILD_FAILURE,
    ZERO_TIME,
    ProgressScript,
    StepFailure,
    step_statuses,
)
from tests.simulator.support import LEAVES, steps_by_path, tick_time


def test_script_every_tick_changes_and_tree_is_consistent() -> None:
    script = ProgressScript()
    assert script.leaf_paths == LEAVES
    assert script.terminal_tick == 8
    previous: dict[str, str] | None = None
    phases = []
    for tick in range(script.terminal_tick + 1):
        progress = script.render(tick, tick_time)
        statuses = step_statuses(progress)
        phases.append(script.phase_at(tick))
        if previous is not None:
            assert statuses != previous, f"tick {tick} changed nothing"
        previous = statuses
        leaves = [statuses[p] for p in LEAVES]
        assert leaves.count("RUNNING") <= 1
        counters = {
            "pending_steps": leaves.count("PENDING"),
            "running_steps": leaves.count("RUNNING"),
            "success_steps": leaves.count("SUCCESS"),
            "error_steps": leaves.count("ERROR"),
            "total_steps": 6,
        }
        for key, value in counters.items():
            # zero counters are omitted, like the real API
            assert progress.get(key) == (value or None), (tick, key)
        for path, step in steps_by_path(progress).items():
            children = [str(c["status"]) for c in step.get("steps", [])]
            if children:
                expected = (
                    "SUCCESS" if set(children) == {"SUCCESS"}
                    else "PENDING" if set(children) == {"PENDING"}
                    else "RUNNING"
                )  # fmt: skip
                assert step["status"] == expected, (tick, path)
            if step["status"] == "PENDING":
                assert "started_at" not in step
            else:
                assert step["started_at"] != ZERO_TIME
                assert str(step["started_at"]).endswith("Z")
            if step["status"] == "RUNNING":
                assert step["ended_at"] == ZERO_TIME
            if step["status"] == "SUCCESS":
                assert step["ended_at"] >= step["started_at"]
    assert phases == [
        "PENDING_BUILD", "BUILDING", "BUILDING", "PENDING_DEPLOY",
        "DEPLOYING", "DEPLOYING", "DEPLOYING", "DEPLOYING", "ACTIVE",
    ]  # fmt: skip
    # past the end nothing moves
    assert script.render(99, tick_time) == script.render(8, tick_time)


def test_script_component_metadata_matches_spec_example() -> None:
    steps = steps_by_path(ProgressScript().render(0, tick_time))
    assert steps["build/components/web"]["component_name"] == "web"
    assert steps["build/components/web"]["message_base"] == "Building service"
    assert steps["deploy/components/web/deploy"]["message_base"] == "Deploying service"
    assert steps["deploy/components/web/wait"]["message_base"] == "Waiting for service"
    assert steps["deploy/components/web"]["component_name"] == "web"


def test_failure_script_stops_with_error_and_reason() -> None:
    script = ProgressScript(failure=BUILD_FAILURE)
    assert script.terminal_tick == 3
    assert [script.phase_at(t) for t in range(4)] == [
        "PENDING_BUILD", "BUILDING", "BUILDING", "ERROR",
    ]  # fmt: skip
    progress = script.render(3, tick_time)
    statuses = step_statuses(progress)
    assert statuses["build/components/web"] == "ERROR"
    assert statuses["build/components"] == "ERROR"
    assert statuses["build"] == "ERROR"
    assert statuses["build/initialize"] == "SUCCESS"
    assert {statuses[p] for p in LEAVES[2:]} == {"PENDING"}
    assert statuses["deploy"] == "PENDING"
    assert progress["error_steps"] == 1
    assert progress["success_steps"] == 1
    assert progress["pending_steps"] == 4
    assert "running_steps" not in progress
    web = steps_by_path(progress)["build/components/web"]
    assert web["reason"] == {"code": "BuildJobFailed", "message": BUILD_FAILURE.message}
    # nothing resumes after the failure
    assert script.render(50, tick_time) == progress


def test_failure_path_must_be_a_leaf() -> None:
    with pytest.raises(ValueError, match="not a leaf"):
        ProgressScript(failure=StepFailure("build/components", "X", "y"))
