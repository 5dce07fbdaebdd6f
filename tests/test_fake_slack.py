"""The Slack stand-in refuses what Slack refuses, over HTTP, as the bot's client meets it.

Each rule is driven through slack_sdk's ``WebClient`` (the Web API) or httpx (the
``response_url``s) against the served stand-in, ``bot.sandbox.slack.fake``; the rules
themselves are ``bot.sandbox.slack.rules``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any, NamedTuple

import httpx
import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from starlette.applications import Starlette

from bot.sandbox.demo.config import SLACK_TOKEN as DEMO_TOKEN
from bot.sandbox.demo.workspace import BOT, Workspace
from bot.sandbox.slack.fake import BOT_USER, FakeSlack, ResponseTarget
from bot.sandbox.slack.rules import ManualClock, Pace
from tests.servers import ServerThread
from tests.slack_calls import refused, section, web_client


@pytest.fixture
def clock(slack: FakeSlack) -> ManualClock:
    slack.clock = ManualClock()
    return slack.clock


@pytest.fixture
def web(slack: FakeSlack) -> WebClient:
    return web_client(slack)


# --- 1. channel membership ---------------------------------------------------------------


def test_a_public_channel_takes_posts_through_chat_write_public(
    slack: FakeSlack, web: WebClient
) -> None:
    assert web.chat_postMessage(channel="CDEPLOY", text="hello")["ok"]
    slack.scopes = ("commands", "chat:write")  # without chat:write.public
    answer = refused(web.chat_postMessage, channel="CDEPLOY", text="hello")
    assert answer["error"] == "not_in_channel"
    slack.add_channel("COPS", members={BOT_USER, "UALICE"})  # the bot was invited
    assert web.chat_postMessage(channel="COPS", text="hello")["ok"]
    assert [m.channel for m in slack.messages] == ["CDEPLOY", "COPS"]


def test_private_channels_and_dms_need_the_bot_as_a_member(
    slack: FakeSlack, web: WebClient
) -> None:
    slack.add_channel("C0PRIV", private=True, members={"UALICE"})
    for channel in ("C0PRIV", "G0OLDPRIV", "D0ALICE", "#deploys"):
        answer = refused(web.chat_postMessage, channel=channel, text="hello")
        assert answer["error"] == "channel_not_found", channel
    slack.add_channel("C0PRIV", private=True, members={"UALICE", BOT_USER})
    assert web.chat_postMessage(channel="C0PRIV", text="hello")["ok"]
    assert [m.channel for m in slack.messages] == ["C0PRIV"]
    assert [c.error for c in slack.refusals] == ["channel_not_found"] * 4


def test_a_private_channel_the_bot_left_hides_its_messages(
    slack: FakeSlack, web: WebClient
) -> None:
    slack.add_channel("C0PRIV", private=True, members={"UALICE", BOT_USER})
    ts = web.chat_postMessage(channel="C0PRIV", text="hello")["ts"]
    slack.add_channel("C0PRIV", private=True, members={"UALICE"})  # the bot was removed
    answer = refused(web.chat_update, channel="C0PRIV", ts=ts, text="edited")
    assert answer["error"] == "channel_not_found"
    assert slack.message(ts).text == "hello"


def test_without_chat_write_nothing_is_posted(slack: FakeSlack, web: WebClient) -> None:
    slack.scopes = ("commands",)
    answer = refused(web.chat_postMessage, channel="CDEPLOY", text="hello")
    assert (answer["error"], answer["needed"], answer["provided"]) == (
        "missing_scope",
        "chat:write",
        "commands",
    )


def test_an_ephemeral_message_goes_to_a_member_only(slack: FakeSlack, web: WebClient) -> None:
    slack.add_channel("COPS", members={"UALICE"})
    answer = refused(web.chat_postEphemeral, channel="COPS", user="UMALLORY", text="psst")
    assert answer["error"] == "user_not_in_channel"
    assert web.chat_postEphemeral(channel="COPS", user="UALICE", text="psst")["ok"]
    assert [(m.visible_to, m.text) for m in slack.ephemerals] == [("UALICE", "psst")]
    assert slack.messages == []


# --- 3. response_url ---------------------------------------------------------------------


def respond(slack: FakeSlack, key: str, body: dict[str, Any]) -> httpx.Response:
    return httpx.post(f"{slack.url}/response/{key}", json=body)


def test_a_response_url_takes_five_posts(slack: FakeSlack, clock: ManualClock) -> None:
    for n in range(5):
        assert respond(slack, "r1", {"text": f"reply {n}"}).text == "ok"
    sixth = respond(slack, "r1", {"text": "one more"})
    assert (sixth.status_code, sixth.text) == (404, "used_url")
    assert slack.response_texts() == [f"reply {n}" for n in range(5)]
    assert respond(slack, "r2", {"text": "another url"}).text == "ok"


def test_a_response_url_lasts_thirty_minutes(slack: FakeSlack, clock: ManualClock) -> None:
    early = slack.response_url("r1")
    late = slack.response_url("r2")
    clock.advance(30 * 60)
    assert httpx.post(early, json={"text": "just in time"}).text == "ok"
    clock.advance(1)
    answer = httpx.post(late, json={"text": "too late"})
    assert (answer.status_code, answer.text) == (404, "expired_url")
    assert slack.response_texts() == ["just in time"]


def test_a_refused_response_records_nothing_and_uses_nothing(
    slack: FakeSlack, clock: ManualClock
) -> None:
    bad = respond(slack, "r1", {"text": "x", "blocks": [section("x" * 3001)]})
    assert (bad.status_code, bad.text) == (400, "invalid_blocks")
    assert respond(slack, "r1", {"response_type": "ephemeral"}).text == "no_text"
    assert httpx.post(f"{slack.url}/response/r1", content=b"[1, 2]").text == "invalid_payload"
    assert slack.responses == []
    assert [c.error for c in slack.refusals] == ["invalid_blocks", "no_text", "invalid_payload"]
    for n in range(5):
        assert respond(slack, "r1", {"text": f"reply {n}"}).text == "ok"
    assert respond(slack, "r1", {"delete_original": True}).text == "used_url"


# --- 4. chat.update ----------------------------------------------------------------------


def test_the_bot_updates_only_its_own_messages(slack: FakeSlack, web: WebClient) -> None:
    theirs = slack.add_user_message("CDEPLOY", "deploying now", user="UALICE")
    answer = refused(web.chat_update, channel="CDEPLOY", ts=theirs.ts, text="hijacked")
    assert answer["error"] == "cant_update_message"
    assert slack.message(theirs.ts).text == "deploying now"
    answer = refused(web.chat_update, channel="CDEPLOY", ts="1700000000.999999", text="x")
    assert answer["error"] == "message_not_found"
    ours = web.chat_postMessage(channel="CDEPLOY", text="card")["ts"]
    other = refused(web.chat_update, channel="COPS", ts=ours, text="x")  # wrong channel
    assert other["error"] == "message_not_found"
    assert web.chat_update(channel="CDEPLOY", ts=ours, text="decided")["ok"]
    assert (slack.message(ours).text, slack.message(ours).edits) == ("decided", 1)


def test_an_ephemeral_message_cannot_be_updated(slack: FakeSlack, web: WebClient) -> None:
    ts = web.chat_postEphemeral(channel="CDEPLOY", user="UALICE", text="psst")["message_ts"]
    answer = refused(web.chat_update, channel="CDEPLOY", ts=ts, text="edited")
    assert answer["error"] == "message_not_found"


# --- 5. pace -----------------------------------------------------------------------------


def test_posts_beyond_the_burst_wait_their_turn(
    slack: FakeSlack, web: WebClient, clock: ManualClock
) -> None:
    first = web.chat_postMessage(channel="CDEPLOY", text="card")["ts"]
    for n in range(4):  # a burst of 5, thread replies included
        web.chat_postMessage(channel="CDEPLOY", text=f"step {n}", thread_ts=first)
    with pytest.raises(SlackApiError) as caught:
        web.chat_postMessage(channel="CDEPLOY", text="too fast", thread_ts=first)
    response = caught.value.response
    assert (response.status_code, response.headers["Retry-After"]) == (429, "1")
    assert response.data == {"ok": False, "error": "ratelimited"}
    assert web.chat_postMessage(channel="COPS", text="another channel")["ok"]
    clock.advance(1)
    assert web.chat_postMessage(channel="CDEPLOY", text="after a second", thread_ts=first)["ok"]
    assert len(slack.thread(first)) == 5
    assert [c.error for c in slack.refusals] == ["ratelimited"]


def test_retry_after_is_whole_seconds_until_the_next_post(
    slack: FakeSlack, web: WebClient, clock: ManualClock
) -> None:
    slack.pace = Pace(rate=0.5, burst=1)  # one post every 2 s
    web.chat_postMessage(channel="CDEPLOY", text="one")
    clock.advance(0.5)
    answer = refused(web.chat_postMessage, channel="CDEPLOY", text="two")
    assert answer.headers["Retry-After"] == "2"  # 1.5 s to wait, rounded up
    clock.advance(1.25)
    again = refused(web.chat_postMessage, channel="CDEPLOY", text="two")
    assert again.headers["Retry-After"] == "1"  # 0.25 s: never less than 1
    clock.advance(0.25)
    assert web.chat_postMessage(channel="CDEPLOY", text="two")["ok"]


def test_without_a_pace_posts_are_never_held_back(
    slack: FakeSlack, web: WebClient, clock: ManualClock
) -> None:
    slack.pace = None
    for n in range(20):
        web.chat_postMessage(channel="CDEPLOY", text=f"post {n}")
    assert len(slack.top_level("CDEPLOY")) == 20


# --- what the fake always did --------------------------------------------------------------


def test_injected_faults_and_the_journal_still_work(slack: FakeSlack, web: WebClient) -> None:
    slack.fail("chat.postMessage", status=429, retry_after=3)
    answer = refused(web.chat_postMessage, channel="CDEPLOY", text="x")
    assert (answer.status_code, answer.headers["Retry-After"]) == (429, "3")
    assert web.chat_postMessage(channel="CDEPLOY", text="x")["ok"]
    assert [c.status for c in slack.calls_to("chat.postMessage")] == [429, 200]
    assert slack.refusals == []  # an injected fault is not a broken rule
    body = json.loads(json.dumps(slack.calls[-1].args))
    assert body["text"] == "x"


def test_a_method_slack_does_not_have_is_refused(slack: FakeSlack, web: WebClient) -> None:
    assert refused(web.api_call, api_method="chat.postMessages")["error"] == "unknown_method"
    assert [c.error for c in slack.refusals] == ["unknown_method"]


# --- the demo's stand-in follows the same rules --------------------------------------------


class Demo(NamedTuple):
    workspace: Workspace
    web: WebClient
    response_base: str
    clock: ManualClock


@pytest.fixture
def demo() -> Iterator[Demo]:
    clock = ManualClock()
    workspace = Workspace(token=DEMO_TOKEN, clock=clock)
    app = Starlette(routes=workspace.slack.routes(prefix="/slack"))
    with ServerThread(app, lifespan="off") as server:
        workspace.slack.url = f"{server.url}/slack"
        web = WebClient(token=DEMO_TOKEN, base_url=f"{server.url}/slack/api/", retry_handlers=[])
        yield Demo(workspace, web, f"{server.url}/slack/response", clock)


def test_the_demo_refuses_what_slack_refuses(demo: Demo) -> None:
    workspace, web = demo.workspace, demo.web
    assert web.chat_postMessage(channel="CDEPLOYS", text="card", blocks=[section("card")])["ok"]
    for channel in ("G0PRIV", "D0ALICE", ""):
        assert refused(web.chat_postMessage, channel=channel, text="x")["error"] == (
            "channel_not_found"
        )
    answer = refused(web.chat_postMessage, channel="CDEPLOYS", text="x", blocks=[section("")])
    assert answer["error"] == "invalid_blocks"
    theirs = workspace.slack.post(channel="CDEPLOYS", user="UALICE", text="deploying now")
    answer = refused(web.chat_update, channel="CDEPLOYS", ts=theirs.ts, text="hijacked")
    assert answer["error"] == "cant_update_message"
    mine = workspace.slack.post(channel="CDEPLOYS", user=BOT.id, text="psst", visible_to="UALICE")
    answer = refused(web.chat_update, channel="CDEPLOYS", ts=mine.ts, text="edited")
    assert answer["error"] == "message_not_found"
    for n in range(3):  # the burst's last 3 posts: the refused one counted too
        web.chat_postMessage(channel="CDEPLOYS", text=f"step {n}")
    too_fast = refused(web.chat_postMessage, channel="CDEPLOYS", text="x")
    assert (too_fast.status_code, too_fast.headers["Retry-After"]) == (429, "1")
    assert [p.text for p in workspace.slack.visible("UBOB")] == [
        "card",
        "deploying now",
        *[f"step {n}" for n in range(3)],
    ]


def test_the_demos_response_urls_take_five_posts_in_thirty_minutes(demo: Demo) -> None:
    workspace = demo.workspace
    url = workspace.slack.response_url(target=ResponseTarget("UALICE", "CDEPLOYS"))
    bad = httpx.post(url, json={"text": "x", "blocks": [{"type": "marquee"}]})
    assert (bad.status_code, bad.text) == (400, "invalid_blocks")
    for n in range(5):
        assert httpx.post(url, json={"text": f"reply {n}"}).text == "ok"
    assert httpx.post(url, json={"text": "one more"}).text == "used_url"
    late = workspace.slack.response_url(target=ResponseTarget("UALICE", "CDEPLOYS"))
    demo.clock.advance(30 * 60 + 1)
    answer = httpx.post(late, json={"text": "too late"})
    assert (answer.status_code, answer.text) == (404, "expired_url")
    assert [p.text for p in workspace.slack.visible("UALICE")] == [f"reply {n}" for n in range(5)]
