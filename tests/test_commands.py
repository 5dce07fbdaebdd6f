"""The slash-command grammar."""

from __future__ import annotations

import pytest

from bot.domain.grammar import (
    Commit,
    Form,
    Help,
    History,
    Policy,
    Propose,
    Revert,
    Status,
    parse,
)

DEP = "3aa4d20e-5527-4c00-b496-601fbd22520a"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("sample-golang", Propose("sample-golang")),
        (f"  sample-golang   {DEP} ", Propose("sample-golang", DEP)),
        (f"sample-golang {DEP.upper()}", Propose("sample-golang", DEP)),
        ("status", Status()),
        ("STATUS sample-golang", Status("sample-golang")),
        ("history sample-golang", History("sample-golang")),
        ("commit sample-golang", Commit("sample-golang")),
        ("revert sample-golang", Revert("sample-golang")),
        ("policy checkout-api", Policy("checkout-api")),
        ("", Form()),
        ("   ", Form()),
        ("help", Help()),
    ],
)
def test_grammar(text: str, expected: object) -> None:
    assert parse(text) == expected


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("sample-golang not-an-id", "is not a deployment id"),
        ("sample-golang a b", "Too many words"),
        ("history", "takes exactly one app name"),
        ("commit a b", "takes exactly one app name"),
        ("policy", "takes exactly one app name"),
        ("status a b", "at most one app name"),
        ("<@U123>", "is not an app name"),
        ("help me", "takes no arguments"),
        ("`rm -rf`", "is not an app name"),
    ],
)
def test_bad_input_is_help_with_a_problem_sentence(text: str, says: str) -> None:
    parsed = parse(text)
    assert isinstance(parsed, Help)
    assert says in parsed.problem


def test_echoed_input_is_bounded_and_cannot_break_formatting() -> None:
    parsed = parse("sample-golang " + "`" * 500)
    assert isinstance(parsed, Help)
    assert "`" * 2 not in parsed.problem.replace("``", "")
    assert len(parsed.problem) < 300
