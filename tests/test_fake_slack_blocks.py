"""The Slack stand-in refuses blocks Slack would not render, and takes the bot's own.

Through slack_sdk's ``WebClient`` against the served stand-in (``bot.sandbox.slack.fake``);
the rules are ``bot.sandbox.slack.blocks`` (``invalid_blocks`` with ``response_metadata.messages``
in Slack's ``[ERROR] … [json-pointer:…]`` form, ``no_text``, ``msg_too_long``).
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from slack_sdk import WebClient

from bot.digitalocean.models import Phase, StepStatus
from bot.domain.grammar import Help
from bot.domain.progress import FlatStep, StepChange
from bot.domain.records import Decision, DecisionKind
from bot.sandbox.slack.fake import FakeSlack
from bot.slack.blockkit import answers, blocks, cards, thread_replies
from tests.constants import SLACK_TOKEN
from tests.factories import NOW, make_card, make_watch
from tests.slack_calls import refused, section, web_client

HEADER: dict[str, Any] = {
    "type": "header",
    "text": {"type": "plain_text", "text": "Rollback shop?"},
}


@pytest.fixture
def web(slack: FakeSlack) -> WebClient:
    return web_client(slack)


def button(**changes: Any) -> dict[str, Any]:
    element = {
        "type": "button",
        "text": {"type": "plain_text", "text": "Approve"},
        "action_id": "rollback_approve",
        "value": "card-1",
    }
    return {**element, **changes}


def actions(*elements: dict[str, Any]) -> dict[str, Any]:
    return {"type": "actions", "elements": list(elements)}


def bot_messages() -> list[blocks.Message]:
    """What the bot's own renderers make, in every state a test can name."""
    card = make_card(channel="CDEPLOY", ts="", warnings=("a warning",))
    watch = make_watch(
        deployment_id="33333333-cccc-4ddd-8eee-ffffffffffff",
        channel="CDEPLOY",
        approver="UBOB",
        phase=Phase.ACTIVE,
        success_steps=6,
        total_steps=6,
    )
    approved = Decision(kind=DecisionKind.APPROVED, user="UBOB", at=NOW)
    step = FlatStep(key="build", label="build", status=StepStatus.ERROR, detail="", reason="exit 1")
    succeeded = thread_replies.succeeded(watch)
    return [
        cards.card(card, now=NOW),
        cards.card(card, now=NOW, decision=approved, watch=watch),
        cards.card(card.model_copy(update={"error": "app is pinned"}), now=NOW),
        thread_replies.started(watch),
        thread_replies.step_changes([StepChange("build", StepStatus.SUCCESS, "")], Phase.BUILDING),
        succeeded,
        thread_replies.failed(watch.model_copy(update={"phase": Phase.ERROR}), [step]),
        thread_replies.without_buttons(succeeded.blocks, "Committed by <@UBOB>"),
        thread_replies.committed("UBOB", "sample-golang"),
        answers.usage(Help()),
        answers.overview([watch], [card], NOW),
        answers.problem("DigitalOcean did not answer."),
    ]


def test_the_bots_own_messages_pass(slack: FakeSlack, web: WebClient) -> None:
    slack.pace = None  # twelve posts at once: the pace is not what this test is about
    made = bot_messages()
    for message in made:
        web.chat_postMessage(channel="CDEPLOY", text=message.text, blocks=message.blocks)
    assert [m.blocks for m in slack.messages] == [m.blocks for m in made]


HOSTILE: list[tuple[str, list[Any], str]] = [
    ("51 blocks", [section("x")] * 51, "no more than 50 items allowed [json-pointer:/blocks]"),
    ("long section", [section("x" * 3001)], "[json-pointer:/blocks/0/text/text]"),
    ("emoji count twice", [section("🔄" * 1501)], "less than 3001 characters"),
    ("empty section", [section("")], "more than 0 characters"),
    ("bare text", [{"type": "section", "text": "hello"}], "must be a text object"),
    ("long header", [{**HEADER, "text": {"type": "plain_text", "text": "h" * 151}}], "151"),
    ("mrkdwn header", [{**HEADER, "text": {"type": "mrkdwn", "text": "*h*"}}], "plain_text"),
    ("11 context items", [{"type": "context", "elements": [HEADER["text"]] * 11}], "10 items"),
    ("26 buttons", [actions(*[button(action_id=f"a{n}") for n in range(26)])], "25 items"),
    ("long value", [actions(button(value="v" * 2001))], "/blocks/0/elements/0/value"),
    ("long action_id", [actions(button(action_id="a" * 256))], "elements/0/action_id"),
    ("long block_id", [{**section("x"), "block_id": "b" * 256}], "/blocks/0/block_id"),
    ("twice one block_id", [{**section("x"), "block_id": "b"}] * 2, "duplicate block_id"),
    ("unknown block", [{"type": "marquee", "text": "hi"}], "unsupported block type 'marquee'"),
    ("unknown element", [actions({"type": "slider", "action_id": "s"})], "unsupported element"),
    ("text in actions", [actions(HEADER["text"])], "must be an interactive element"),
    ("no elements", [{"type": "actions", "elements": []}], "at least 1 item"),
    ("block not an object", ["section"], "must be an object [json-pointer:/blocks/0]"),
    ("button text mrkdwn", [actions(button(text={"type": "mrkdwn", "text": "*Go*"}))], "/text"),
]
CONFIRM = {
    "title": {"type": "plain_text", "text": "Roll back now?"},
    "text": {"type": "plain_text", "text": "sure?"},
    "confirm": {"type": "plain_text", "text": "Roll back"},
    "deny": {"type": "plain_text", "text": "Not now"},
}
for _key, _limit in (("title", 100), ("text", 300), ("confirm", 30), ("deny", 30)):
    _dialog = {**CONFIRM, _key: {"type": "plain_text", "text": "c" * (_limit + 1)}}
    HOSTILE.append(
        (f"long confirm {_key}", [actions(button(confirm=_dialog))], f"confirm/{_key}/text")
    )


@pytest.mark.parametrize(("name", "bad", "told"), HOSTILE, ids=[h[0] for h in HOSTILE])
def test_blocks_slack_would_not_render_are_refused(
    slack: FakeSlack, web: WebClient, name: str, bad: list[Any], told: str
) -> None:
    answer = refused(web.chat_postMessage, channel="CDEPLOY", text="fallback", blocks=bad)
    assert answer["error"] == "invalid_blocks"
    messages = answer["response_metadata"]["messages"]
    assert any(told in m and m.startswith("[ERROR]") for m in messages), messages
    assert slack.messages == []


@pytest.mark.filterwarnings("ignore:The top-level `text` argument is missing")
def test_a_message_needs_content_and_at_most_40000_characters(
    slack: FakeSlack, web: WebClient
) -> None:
    assert refused(web.chat_postMessage, channel="CDEPLOY", text="")["error"] == "no_text"
    answer = refused(web.chat_postMessage, channel="CDEPLOY", text="x" * 40_001)
    assert answer["error"] == "msg_too_long"
    assert web.chat_postMessage(channel="CDEPLOY", text="x" * 40_000)["ok"]
    assert web.chat_postMessage(channel="CDEPLOY", text="", blocks=[section("x")])["ok"]


def test_blocks_that_are_not_a_json_array_are_refused(slack: FakeSlack) -> None:
    form = {"channel": "CDEPLOY", "text": "x", "blocks": "[{not json"}
    answer = httpx.post(
        f"{slack.url}/api/chat.postMessage",
        data=form,
        headers={"authorization": f"Bearer {SLACK_TOKEN}"},
    ).json()
    assert answer["error"] == "invalid_blocks_format"
    assert slack.messages == []


@pytest.mark.filterwarnings("ignore:The top-level `text` argument is missing")
def test_an_update_with_invalid_blocks_changes_nothing(slack: FakeSlack, web: WebClient) -> None:
    ts = web.chat_postMessage(channel="CDEPLOY", text="card", blocks=[section("card")])["ts"]
    answer = refused(web.chat_update, channel="CDEPLOY", ts=ts, blocks=[section("x" * 3001)])
    assert answer["error"] == "invalid_blocks"
    assert refused(web.chat_update, channel="CDEPLOY", ts=ts, text="", blocks=[])["error"] == (
        "no_text"
    )
    kept = slack.message(ts)
    assert (kept.text, kept.blocks, kept.edits) == ("card", [section("card")], 0)
