"""``ROLLBACK_POLICY_FILE`` as an operator writes it: good files read, bad ones refused in one
sentence that names the key path and the line."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bot.domain.policy import BreakGlass, Policy, Rule
from bot.domain.policy_file import every_id, parse_policy
from bot.errors import SettingsError
from bot.policy_source import policy_of
from bot.settings import load_settings

ROOT = Path(__file__).resolve().parent.parent
FALLBACK = Rule(approvers=("U0SETTING",), self_approval=True)

DESIGN = """\
defaults: {approvals: 1, approvers: [S0SRE], self_approval: false}
apps:
  checkout-api: {approvals: 2, approvers: [S0SRE, U0LEAD], channels: [C0PAY]}
breakglass: {approvers: [S0ONCALL], review_within: 24h}
"""


def parse(text: str) -> Policy:
    return parse_policy(text, source="policy.yaml", fallback=FALLBACK)


def refusal(text: str) -> str:
    with pytest.raises(SettingsError) as caught:
        parse(text)
    return caught.value.user_message


def test_the_design_file_reads_as_written() -> None:
    policy = parse(DESIGN)
    assert policy.defaults == Rule(approvers=("S0SRE",))
    assert policy.apps == (
        ("checkout-api", Rule(approvals=2, approvers=("S0SRE", "U0LEAD"), channels=("C0PAY",))),
    )
    assert policy.breakglass == BreakGlass(approvers=("S0ONCALL",), review_within=86_400.0)
    assert policy.source == "policy.yaml"
    assert every_id(policy) == ("S0SRE", "S0SRE", "U0LEAD", "S0ONCALL")


def test_what_the_file_leaves_out_falls_back_to_the_settings_then_the_defaults() -> None:
    policy = parse(
        "defaults: {approvals: 1}\n"
        "apps:\n"
        "  billing: {self_approval: false, channels: [G0BILL]}\n"
        "  3AA4D20E-5527-4C00-B496-601FBD22520A:\n"
    )
    assert policy.defaults == FALLBACK
    billing = Rule(approvers=("U0SETTING",), self_approval=False, channels=("G0BILL",))
    assert policy.rule_for(app_name="billing") == billing
    by_id = policy.rule_for(app_name="x", app_id="3aa4d20e-5527-4c00-b496-601fbd22520a")
    assert by_id == FALLBACK
    assert not policy.breakglass.enabled
    assert parse("") == Policy(defaults=FALLBACK, source="policy.yaml")
    assert parse("breakglass: {approvers: [W0ONE], review_within: 90m}").breakglass == (
        BreakGlass(approvers=("W0ONE",), review_within=5400.0)
    )


def test_an_app_listing_a_group_may_need_more_approvals_than_people_listed() -> None:
    policy = parse("apps:\n  pay: {approvals: 3, approvers: [S0SRE, U0LEAD]}\n")
    assert policy.rule_for(app_name="pay").approvals == 3


@pytest.mark.parametrize(
    ("text", "sentence"),
    [
        (
            "apps:\n  checkout-api:\n    approvers: [S0SRE]\n    approvals: 11\n",
            "line 4: apps.checkout-api.approvals must be a whole number from 1 to 10.",
        ),
        ("defaults:\n  approvals: 0\n", "line 2: defaults.approvals must be a whole number"),
        ("defaults: {approvals: '2'}", "line 1: defaults.approvals must be a whole number"),
        ("defaults: {approvals: 1.5}", "line 1: defaults.approvals must be a whole number"),
        ("defaults: {approvals: 0x2}", "line 1: defaults.approvals must be a whole number"),
        ("\n\ndefault: {}\n", "line 3: default is not a known key (known: defaults, apps,"),
        ("apps:\n  pay: {approval: 2}\n", "line 2: apps.pay.approval is not a known key"),
        ("defaults: {channels: [C0PAY]}", "line 1: defaults.channels is not a known key"),
        ("breakglass: {approvers: [S0X], within: 1h}", "line 1: breakglass.within is not a"),
        ("apps:\n  Checkout_API: {}\n", "line 2: apps.Checkout_API is not an app name"),
        ("apps:\n  pay: {}\n  pay: {}\n", "line 3: apps.pay is given twice"),
        (
            "apps:\n  pay:\n    approvers:\n      - S0SRE\n      - s0ops\n",
            "line 5: apps.pay.approvers has `s0ops`, which is not a Slack user (U…, W…) or",
        ),
        ("apps:\n  pay: {approvers: [C0PAY]}\n", "line 2: apps.pay.approvers has `C0PAY`"),
        ("apps:\n  pay: {approvers: [U0A, U0A]}\n", "line 2: apps.pay.approvers lists U0A twice"),
        ("apps:\n  pay: {approvers: S0SRE}\n", "line 2: apps.pay.approvers must be a list, like"),
        ("apps:\n  pay: {approvers: }\n", "line 2: apps.pay.approvers must be a list"),
        ("apps:\n  pay: {channels: [U0LEAD]}\n", "line 2: apps.pay.channels has `U0LEAD`, which"),
        (
            "apps:\n  pay:\n    approvals: 2\n    approvers: [U0LEAD]\n",
            "line 3: apps.pay.approvals is 2, but its approvers name only 1 person and no user "
            "group, so it could never be met.",
        ),
        (
            "defaults: {approvals: 2}\napps:\n  pay:\n    approvers: [U0A]\n",
            "line 1: defaults.approvals is 2, but its approvers name only 1 person",
        ),
        ("defaults:\n  self_approval: yes\n", "line 2: defaults.self_approval must be true or"),
        ("apps: {pay: {self_approval: off}}", "line 1: apps.pay.self_approval must be true or"),
        ("apps: {pay: {self_approval: 'true'}}", "line 1: apps.pay.self_approval must be true"),
        ("breakglass:\n  review_within: 1:30\n", "line 2: breakglass.review_within must be one"),
        ("breakglass: {review_within: 24}", "line 1: breakglass.review_within must be one age"),
        ("breakglass:\n  review_within: 2h,4h\n", "line 2: breakglass.review_within must be"),
        ("breakglass: {review_within: 0h}", "line 1: breakglass.review_within must be one age"),
        ("apps: [pay]", "line 1: apps must be a mapping of keys to values."),
        ("- defaults", "line 1: the file must be a mapping of keys to values."),
        ("defaults: {approvals: 1\n", "line 2: the file is not valid YAML ("),
        ("a: 1\n---\nb: 2\n", "line 2: the file is not valid YAML ("),
    ],
)
def test_a_bad_file_is_one_sentence_with_its_line(text: str, sentence: str) -> None:
    said = refusal(text)
    assert said.startswith(f"ROLLBACK_POLICY_FILE policy.yaml {sentence}")
    assert said.endswith(".") and "\n" not in said and "Traceback" not in said


def test_a_missing_or_unreadable_file_is_one_sentence(tmp_path: Path) -> None:
    missing = str(tmp_path / "nope.yaml")
    with pytest.raises(SettingsError, match=r"^ROLLBACK_POLICY_FILE .*nope\.yaml cannot be read: "):
        policy_of(load_settings(**_base(), rollback_policy_file=missing))
    with pytest.raises(SettingsError, match=r"cannot be read: it is not a file\.$"):
        policy_of(load_settings(**_base(), rollback_policy_file=str(tmp_path)))
    binary = tmp_path / "policy.yaml"
    binary.write_bytes(b"\xff\xfe\x00")
    with pytest.raises(SettingsError, match=r"policy\.yaml is not UTF-8 text\.$"):
        policy_of(load_settings(**_base(), rollback_policy_file=str(binary)))


def test_without_a_file_the_settings_make_the_one_rule() -> None:
    policy = policy_of(load_settings(**_base(), rollback_allow_self_approval="true"))
    assert policy == Policy(defaults=Rule(approvers=("U1", "U2"), self_approval=True))


def test_the_shipped_example_files_parse() -> None:
    for path in (ROOT / "deploy" / "policy.example.yaml", ROOT / "bot/sandbox/demo/policy.yaml"):
        policy = parse(path.read_text())
        assert policy.breakglass.enabled
        assert any(rule.approvals == 2 for _, rule in policy.apps), path


def _base() -> dict[str, Any]:
    return {
        "slack_bot_token": "xoxb-1",
        "digitalocean_token": "dop_v1_x",
        "rollback_approvers": "U1,U2",
    }
