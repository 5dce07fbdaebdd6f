"""The Slack stand-in's views (modals, Home tabs): ``views.open``, ``views.update`` and
``views.publish`` refuse what Slack refuses, through slack_sdk's ``WebClient`` against the
served stand-in. The driver's payloads around views: ``test_fake_slack_view_payloads``.
"""

from __future__ import annotations

from typing import Any

import pytest
from slack_sdk import WebClient

from bot.sandbox.slack.fake import FakeSlack
from bot.sandbox.slack.inputs import suggestion_problems
from tests.slack_calls import refused, section, web_client
from tests.view_examples import SHOP, modal, plain


@pytest.fixture
def web(slack: FakeSlack) -> WebClient:
    return web_client(slack)


# --- 1. the Web API ---------------------------------------------------------------------


def test_a_trigger_opens_one_modal_once_within_three_seconds(
    slack: FakeSlack, web: WebClient
) -> None:
    trigger = slack.trigger("UALICE")
    opened = web.views_open(trigger_id=trigger, view=modal())["view"]
    assert opened["id"].startswith("V") and opened["hash"] and opened["state"] == {"values": {}}
    assert slack.open_view("UALICE") == opened and slack.open_view("UBOB") is None
    stale = slack.trigger("UALICE", issued=slack.wall() - 5)
    for used, error in ((trigger, "exchanged"), (stale, "expired"), ("1.2", "invalid")):
        answer = refused(web.views_open, trigger_id=used, view=modal())
        assert answer["error"] == f"{error}_trigger_id"
    assert list(slack.views) == [opened["id"]]
    assert [c.error for c in slack.calls_to("views.open")] == [
        "",
        "exchanged_trigger_id",
        "expired_trigger_id",
        "invalid_trigger_id",
    ]


TOO_MUCH: dict[str, tuple[dict[str, Any], str]] = {
    "title": (modal(title=plain("x" * 25)), "/view/title/text"),
    "blocks": (modal(blocks=[section("x")] * 101), "/view/blocks"),
    "private_metadata": (modal(private_metadata="x" * 3001), "/view/private_metadata"),
    "callback_id": (modal(callback_id="x" * 256), "/view/callback_id"),
    "no submit": (modal(submit=None), "/view/blocks/0/input"),
    "a home": (modal(type="home"), "/view/type"),
    "label": (
        modal(blocks=[{**modal()["blocks"][1], "label": plain("x" * 2001)}]),
        "/view/blocks/0/label/text",
    ),
    "max_length": (
        modal(
            blocks=[
                {
                    **modal()["blocks"][1],
                    "element": {"type": "plain_text_input", "max_length": 3001},
                }
            ]
        ),
        "/view/blocks/0/element/max_length",
    ),
    "option text": (
        modal(
            blocks=[
                {
                    **modal()["blocks"][0],
                    "element": {
                        "type": "external_select",
                        "initial_option": {**SHOP, "text": plain("x" * 76)},
                    },
                }
            ]
        ),
        "/view/blocks/0/element/initial_option/text/text",
    ),
}


@pytest.mark.parametrize("case", TOO_MUCH)
def test_a_view_slack_would_not_show_is_refused(
    slack: FakeSlack, web: WebClient, case: str
) -> None:
    view, pointer = TOO_MUCH[case]
    answer = refused(web.views_open, trigger_id=slack.trigger("UALICE"), view=view)
    assert answer["error"] == "invalid_arguments"
    messages = answer["response_metadata"]["messages"]
    assert any(f"[json-pointer:{pointer}]" in m for m in messages), messages
    assert slack.views == {}


def test_views_update_needs_the_current_hash(slack: FakeSlack, web: WebClient) -> None:
    first = web.views_open(trigger_id=slack.trigger("UALICE"), view=modal(external_id="r-1"))
    view_id, old_hash = first["view"]["id"], first["view"]["hash"]
    second = web.views_update(view_id=view_id, hash=old_hash, view=modal(title=plain("Two")))
    assert second["view"]["id"] == view_id and second["view"]["hash"] != old_hash
    answer = refused(web.views_update, view_id=view_id, hash=old_hash, view=modal())
    assert answer["error"] == "hash_conflict"
    assert slack.views[view_id]["title"] == plain("Two")
    assert web.views_update(external_id="r-1", view=modal(title=plain("Three")))["ok"]
    slack.close_view(view_id)
    for where in ({"view_id": view_id}, {"view_id": "VNOPE"}, {"external_id": "r-1"}):
        assert refused(web.views_update, view=modal(), **where)["error"] == "not_found"


def test_views_publish_keeps_each_persons_home(slack: FakeSlack, web: WebClient) -> None:
    for user in ("UALICE", "UBOB"):
        home = {"type": "home", "blocks": [section(f"hello {user}")]}
        assert web.views_publish(user_id=user, view=home)["view"]["type"] == "home"
    alice = slack.home("UALICE")
    assert alice is not None and alice["blocks"][0]["text"]["text"] == "hello UALICE"
    bob = slack.home("UBOB")
    assert bob is not None and bob["blocks"][0]["text"]["text"] == "hello UBOB"
    again = web.views_publish(
        user_id="UALICE", view={"type": "home", "blocks": []}, hash=alice["hash"]
    )
    assert again["view"]["id"] == alice["id"]
    stale = refused(
        web.views_publish, user_id="UALICE", view={"type": "home", "blocks": []}, hash=alice["hash"]
    )
    assert stale["error"] == "hash_conflict"
    assert (
        refused(web.views_publish, user_id="UALICE", view=modal())["error"] == "invalid_arguments"
    )
    slack.people = frozenset({"UALICE"})
    answer = refused(web.views_publish, user_id="UBOB", view={"type": "home", "blocks": []})
    assert answer["response_metadata"]["messages"] == ["invalid `user_id`"]
    assert slack.home("UCAROL") is None


def test_an_answer_to_a_suggestion_is_held_to_slacks_limits() -> None:
    assert suggestion_problems({"options": [SHOP]}) == []
    long = {**SHOP, "text": plain("x" * 76)}
    assert suggestion_problems({"options": [long]}) == [
        "[ERROR] must be less than 76 characters [json-pointer:/options/0/text/text]"
    ]
    assert suggestion_problems({"options": [SHOP] * 101})
    group = {"label": plain("apps"), "options": [{**SHOP, "value": "v" * 151}]}
    assert suggestion_problems({"option_groups": [group]}) == [
        "[ERROR] must be less than 151 characters [json-pointer:/option_groups/0/options/0/value]"
    ]
    assert suggestion_problems({"options": [], "option_groups": []})
