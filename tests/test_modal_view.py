"""The rollback modal's pure parts: the form, its options, reading a submission, errors."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from bot.digitalocean.models import Deployment
from bot.domain.channels import ChannelRules, allowed, allowed_anywhere
from bot.domain.mrkdwn import slack_len
from bot.domain.rollback_form import (
    REASON_MOST,
    FormField,
    RollbackForm,
    form_problems,
    incident_problem,
)
from bot.slack.blockkit import cards, form_state, limits, modal, thread_replies
from bot.slack.blockkit.modal import AppChoice, ModalContext
from tests.block_kit import check
from tests.factories import NOW, make_card, make_watch

INCIDENT = "https://status.example.com/incidents/42"


def deployment(
    id_: str, phase: str, *, hours_ago: float, commit: str = "", cause: str = ""
) -> Deployment:
    """A deployment as DigitalOcean lists it (``apps_deployment.yml``)."""
    created = datetime.fromtimestamp(NOW - hours_ago * 3600, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return Deployment.model_validate(
        {
            "id": id_,
            "phase": phase,
            "cause": cause,
            "created_at": created,
            "services": [{"name": "web", "source_commit_hash": commit}] if commit else [],
        }
    )


def submitted(view: dict[str, Any], values: dict[str, Any]) -> dict[str, Any]:
    """``view`` as a view_submission carries it: Slack's ``state.values`` shape
    (block_id → action_id → the element's value)."""
    return {**view, "id": "V0123", "hash": "1.abc", "state": {"values": values}}


def test_the_form_opened_in_a_channel_asks_app_target_reason_and_link() -> None:
    view = modal.request_view(ModalContext(channel="CDEPLOY"), require_reason=True)
    ids = [b.get("block_id") for b in view["blocks"]]
    assert ids[:4] == ["app", "target:", "reason", "incident"]
    assert view["callback_id"] == "rollback_request"
    assert slack_len(view["title"]["text"]) <= limits.VIEW_TITLE
    reason = view["blocks"][2]
    assert reason["optional"] is False and reason["element"]["max_length"] == REASON_MOST
    assert view["blocks"][0]["dispatch_action"] is True  # picking an app refreshes the target
    assert ModalContext.loads(view["private_metadata"]) == ModalContext(channel="CDEPLOY")


def test_the_shortcuts_form_asks_for_a_channel_and_a_reason_may_be_optional() -> None:
    view = modal.request_view(ModalContext(), require_reason=False)
    assert view["blocks"][0]["block_id"] == "channel"
    assert view["blocks"][0]["element"]["type"] == "conversations_select"
    assert next(b for b in view["blocks"] if b.get("block_id") == "reason")["optional"] is True


def test_an_app_named_with_the_command_comes_chosen_with_its_target() -> None:
    context = ModalContext(channel="C1", app_ref="sample-golang", target_id="3aa4d20e-5527")
    view = modal.request_view(context, require_reason=True)
    app, target = view["blocks"][0], view["blocks"][1]
    assert app["element"]["initial_option"]["value"] == "sample-golang"
    assert target["block_id"] == "target:sample-golang"
    assert target["element"]["initial_option"]["value"] == "3aa4d20e-5527"


def test_app_options_match_what_is_typed_names_starting_with_it_first() -> None:
    choices = [
        AppChoice("1", "api-golang"),
        AppChoice("2", "sample-golang", note="pinned to a rollback"),
        AppChoice("3", "golang-worker"),
        AppChoice("4", "sample-php"),
    ]
    options = modal.app_options(choices, "GOL")
    assert [o["value"] for o in options] == ["3", "1", "2"]
    assert options[2]["text"]["text"] == "sample-golang · pinned to a rollback"
    many = [AppChoice(str(i), f"app-{i:03}") for i in range(300)]
    assert len(modal.app_options(many, "")) == limits.OPTIONS


def test_target_options_put_the_last_good_one_first_and_fit_slacks_option_limits() -> None:
    older = deployment("older-0000", "SUPERSEDED", hours_ago=30, commit="1111111aaaa")
    good = deployment(
        "good-00000", "SUPERSEDED", hours_ago=3, commit="2222222bbbb", cause="x" * 200
    )
    options = modal.target_options([older, good], default=good, now=NOW, query="")
    assert [o["value"] for o in options] == ["good-00000", "older-0000"]
    assert options[0]["text"]["text"].startswith("good-000 (last good) · 2222222 · xxx")
    assert all(slack_len(o["text"]["text"]) <= limits.OPTION_TEXT for o in options)
    assert "30 h ago" in options[1]["text"]["text"] or "1 d ago" in options[1]["text"]["text"]
    assert [
        o["value"] for o in modal.target_options([older, good], default=good, now=NOW, query="1111")
    ] == ["older-0000"]


def test_a_submission_is_read_from_slacks_state_values() -> None:
    view = modal.request_view(ModalContext(), require_reason=True)
    values = {
        "channel": {
            "modal_channel": {"type": "conversations_select", "selected_conversation": "COPS"}
        },
        "app": {
            "modal_app": {
                "type": "external_select",
                "selected_option": {
                    "text": {"type": "plain_text", "text": "sample-golang"},
                    "value": "app-id-1",
                },
            }
        },
        "target:": {"modal_target": {"type": "external_select", "selected_option": None}},
        "reason": {"modal_reason": {"type": "plain_text_input", "value": "500s on /checkout"}},
        "incident": {"modal_incident": {"type": "plain_text_input", "value": f" {INCIDENT} "}},
    }
    form = form_state.form_of(submitted(view, values), ModalContext())
    assert form == RollbackForm(
        channel="COPS",
        app_ref="app-id-1",
        target_id=None,
        reason="500s on /checkout",
        incident_url=INCIDENT,
    )


def test_a_hostile_or_broken_submission_reads_as_empty_fields() -> None:
    states: list[dict[str, Any]] = [
        {},
        {"values": []},
        {"values": {"app": {"modal_app": {"selected_option": "x"}}}},
    ]
    for state in states:
        form = form_state.form_of({"state": state}, ModalContext.loads("{not json"))
        assert form == RollbackForm(channel="", app_ref="", target_id=None)
    assert ModalContext.loads(
        json.dumps({"channel": 5, "app_ref": "a", "evil": "x"})
    ) == ModalContext(app_ref="a")


def test_form_problems_name_their_fields() -> None:
    form = RollbackForm(
        channel="", app_ref="", target_id=None, reason=" ", incident_url="http://x.example"
    )
    problems = form_problems(form, require_reason=True)
    # No channel is not a problem of the form: the app's own channel is then used.
    assert set(problems) == {FormField.APP, FormField.REASON, FormField.INCIDENT}
    long = RollbackForm(channel="C", app_ref="a", target_id=None, reason="r" * (REASON_MOST + 1))
    assert "under 500 characters" in form_problems(long, require_reason=False)[FormField.REASON]
    fine = RollbackForm(channel="C", app_ref="a", target_id=None)
    assert form_problems(fine, require_reason=False) == {}


@pytest.mark.parametrize(
    "url",
    [
        "http://status.example.com",
        "javascript:alert(1)",
        "https://",
        "https://a.example/x|y",
        "https://a b",
        "ftp://x",
    ],
)
def test_an_incident_link_must_be_a_plain_https_address(url: str) -> None:
    assert incident_problem(url)


def test_errors_go_under_the_fields_the_view_has() -> None:
    view = modal.request_view(ModalContext(channel="C1", app_ref="a1"), require_reason=True)
    problems = {FormField.TARGET: "no such deployment", FormField.CHANNEL: "not a member"}
    # The form opened in a channel has no channel field: that problem goes under the app.
    assert form_state.errors_for(view, problems) == {
        "target:a1": "no such deployment",
        "app": "not a member",
    }


def test_the_card_and_the_first_reply_show_the_reason_and_the_incident_link() -> None:
    card = make_card(reason="500s <!channel> on /checkout & /cart", incident_url=INCIDENT)
    message = cards.card(card, now=NOW)
    check(message, links=(INCIDENT,))
    shown = json.dumps(message.blocks)
    assert "*Reason:* 500s &lt;!channel&gt; on /checkout &amp; /cart" in shown
    assert f"*Incident:* <{INCIDENT}|{INCIDENT}>" in shown
    first = thread_replies.started(
        make_watch(approver="UBOB", reason=card.reason, incident_url=INCIDENT)
    )
    check(first, links=(INCIDENT,))
    assert "*Reason:* 500s &lt;!channel&gt;" in first.text and INCIDENT in first.text


def test_a_stored_link_that_fails_the_check_is_shown_as_text() -> None:
    message = cards.card(make_card(incident_url="https://x.example/a|<!channel>"), now=NOW)
    check(message)
    assert "*Incident:* https://x.example/a|&lt;!channel&gt;" in json.dumps(message.blocks)


def test_the_menus_channel_filter_agrees_with_the_channel_rules() -> None:
    rules = ChannelRules(listed={"C1": ("sample-golang", "app-9"), "C2": ("*",), "C3": ()})
    apps = [("sample-golang", "app-1"), ("other", "app-9"), ("third", "app-3")]
    for channels in (["C1"], ["C3"], ["C2"], ["C1", "C3"], ["CNONE"], rules.named()):
        here = allowed_anywhere(rules, channels)
        for name, app_id in apps:
            each = [allowed(rules, channel=c, app_name=name, app_id=app_id) for c in channels]
            assert here(name, app_id) == any(each), (channels, name)
    assert allowed_anywhere(ChannelRules(), [])("anything", "x")
