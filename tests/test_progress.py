"""Flattening and diffing the progress step tree, on DigitalOcean's example deployment."""

from __future__ import annotations

from bot.digitalocean.models import Deployment, Step, StepReason, StepStatus
from bot.domain import progress
from tests.examples import example_deployment, with_statuses


def test_flatten_walks_the_example_tree_parents_first() -> None:
    keys = [flat.key for flat in progress.flatten(example_deployment().progress.steps)]
    assert keys == [
        "build",
        "build/initialize",
        "build/components",
        "build/components/web",
        "deploy",
        "deploy/initialize",
        "deploy/components",
        "deploy/components/web",
        "deploy/components/web/deploy",
        "deploy/components/web/wait",
        "deploy/finalize",
    ]


def test_labels_and_details_come_from_component_and_message_base() -> None:
    flat = {f.key: f for f in progress.flatten(example_deployment().progress.steps)}
    web = flat["build/components/web"]
    assert web.label == "build › components › web"
    assert web.detail == "Building service web"
    assert flat["deploy/components/web/wait"].detail == "Waiting for service web"


def test_the_initial_all_pending_tree_reports_nothing() -> None:
    assert progress.diff({}, example_deployment().progress.steps) == []


def test_diff_reports_only_changed_steps_in_tree_order() -> None:
    before = progress.statuses(example_deployment().progress.steps)
    running = with_statuses({"build": "RUNNING", "build/initialize": "RUNNING"})
    changes = progress.diff(before, running.progress.steps)
    assert [(c.label, c.status) for c in changes] == [
        ("build", StepStatus.RUNNING),
        ("build › initialize", StepStatus.RUNNING),
    ]
    # The same poll seen twice reports nothing the second time.
    assert progress.diff(progress.statuses(running.progress.steps), running.progress.steps) == []


def test_first_sight_of_a_started_step_is_reported() -> None:
    # A restarted watcher with no stored statuses still reports work already under way.
    running = with_statuses({"build": "SUCCESS", "deploy": "RUNNING"})
    labels = [c.label for c in progress.diff({}, running.progress.steps)]
    assert labels == ["build", "deploy"]


def test_failed_steps_carry_the_reason_message() -> None:
    failed = example_deployment().model_dump()
    web = failed["progress"]["steps"][0]["steps"][1]["steps"][0]
    web["status"] = "ERROR"
    web["reason"] = {"code": "BuildJobFailed", "message": "go: module not found"}
    deployment = Deployment.model_validate(failed)
    errors = progress.failed_steps(deployment.progress.steps)
    assert [(e.label, e.reason) for e in errors] == [
        ("build › components › web", "go: module not found")
    ]
    change = progress.diff({"build/components/web": "RUNNING"}, deployment.progress.steps)
    assert change[0].detail == "go: module not found"


def chain(depth: int) -> tuple[Step, ...]:
    """A tree ``depth`` levels below its root, one step per level, the leaf failed."""
    node = Step(name="leaf", status=StepStatus.ERROR, reason=StepReason(message="boom"))
    for level in reversed(range(depth)):
        node = Step(name=f"s{level}", status=StepStatus.RUNNING, steps=(node,))
    return (node,)


def test_a_very_deep_tree_flattens_without_recursion() -> None:
    flat = progress.flatten(chain(2000))
    assert len(flat) == 2001
    assert [f.key for f in flat[:3]] == ["s0", "s0/s1", "s0/s1/s2"]
    assert flat[-1].key == "/".join([*(f"s{i}" for i in range(2000)), "leaf"])
    assert [f.reason for f in progress.failed_steps(chain(2000))] == ["boom"]
    assert len(progress.diff({}, chain(2000))) == 2001


def test_deep_labels_keep_the_top_and_the_leaf() -> None:
    flat = progress.flatten(chain(500))
    assert flat[-1].label == "s0 › s1 › … › s497 › s498 › s499 › leaf"
    assert all(len(f.label) < 100 for f in flat)
    assert flat[5].label == "s0 › s1 › s2 › s3 › s4 › s5"  # shallow labels are unchanged


def test_siblings_and_order_match_the_recursive_walk() -> None:
    tree = (
        Step(name="a", steps=(Step(name="x"), Step(name="x", steps=(Step(name="y"),)))),
        Step(name="", steps=(Step(name="z"),)),
        Step(name="a"),
    )
    keys = [flat.key for flat in progress.flatten(tree)]
    assert keys == ["a", "a/x", "a/x#2", "a/x#2/y", "step", "step/z", "a#2"]
