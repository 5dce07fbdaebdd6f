"""The Slack stand-in's views (modals, Home tabs) and the driver's payloads around them.

The Web API through slack_sdk's ``WebClient`` against the served stand-in; the driver's
payloads through a Bolt app (its own signature check and routing, not ours) that opens,
updates and publishes views on the stand-in as the bot will.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from slack_bolt.adapter.starlette.async_handler import AsyncSlackRequestHandler
from slack_bolt.async_app import AsyncApp
from slack_sdk import WebClient
from slack_sdk.signature import SignatureVerifier
from slack_sdk.web.async_client import AsyncWebClient
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bot.sandbox.slack.fake import FakeSlack
from bot.sandbox.slack.inputs import suggestion_problems
from bot.sandbox.slack.requests import signed_headers
from tests.constants import SIGNING_SECRET, SLACK_TOKEN
from tests.servers import ServerThread
from tests.slack_calls import refused, section, web_client
from tests.slack_driver import SlackDriver

APP, REASON, WHERE = "rollback_app", "rollback_reason", "rollback_channel"
SHOP = {"text": {"type": "plain_text", "text": "shop"}, "value": "app-shop"}


def plain(text: str) -> dict[str, str]:
    return {"type": "plain_text", "text": text}


def modal(**changes: Any) -> dict[str, Any]:
    """The rollback modal's shape: an external_select, a text input, a conversations_select."""
    blocks = [
        {
            "type": "input",
            "block_id": "app",
            "dispatch_action": True,
            "label": plain("App"),
            "element": {"type": "external_select", "action_id": APP, "min_query_length": 0},
        },
        {
            "type": "input",
            "block_id": "reason",
            "label": plain("Reason"),
            "element": {"type": "plain_text_input", "action_id": REASON, "max_length": 500},
        },
        {
            "type": "input",
            "block_id": "where",
            "label": plain("Channel"),
            "element": {
                "type": "conversations_select",
                "action_id": WHERE,
                "response_url_enabled": True,
            },
        },
    ]
    view = {
        "type": "modal",
        "callback_id": "rollback_request",
        "title": plain("Roll back an app"),
        "submit": plain("Roll back"),
        "blocks": blocks,
    }
    return {**view, **changes}


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


# --- 2. the driver's payloads, through Bolt ---------------------------------------------


class Seen:
    """What the Bolt app received, by kind."""

    def __init__(self) -> None:
        self.bodies: dict[str, list[dict[str, Any]]] = {}

    def add(self, kind: str, body: dict[str, Any]) -> None:
        self.bodies.setdefault(kind, []).append(body)


def bolt_app(slack: FakeSlack, seen: Seen) -> AsyncApp:
    client = AsyncWebClient(token=SLACK_TOKEN, base_url=f"{slack.url}/api/")
    app = AsyncApp(client=client, signing_secret=SIGNING_SECRET)

    @app.shortcut("rollback_open")
    async def opened(ack: Any, body: dict[str, Any], client: AsyncWebClient) -> None:
        await ack()
        seen.add("shortcut", body)
        await client.views_open(trigger_id=body["trigger_id"], view=modal())

    @app.options(APP)
    async def options(ack: Any, body: dict[str, Any]) -> None:
        seen.add("suggestion", body)
        await ack(options=[SHOP])

    @app.action(APP)
    async def chosen(ack: Any, body: dict[str, Any], client: AsyncWebClient) -> None:
        await ack()
        seen.add("action", body)
        view = body["view"]
        await client.views_update(
            view_id=view["id"], hash=view["hash"], view=modal(title=plain("Roll back shop"))
        )

    @app.view("rollback_request")
    async def submitted(ack: Any, body: dict[str, Any]) -> None:
        seen.add("submission", body)
        reason = body["view"]["state"]["values"]["reason"][REASON]["value"]
        if not reason:
            await ack(response_action="errors", errors={"reason": "Say why"})
        elif reason == "misplaced":
            await ack(response_action="errors", errors={"app-typo": "Pick one"})
        else:
            await ack()

    @app.event("app_home_opened")
    async def home(event: dict[str, Any], client: AsyncWebClient) -> None:
        await client.views_publish(
            user_id=event["user"], view={"type": "home", "blocks": [section("hi")]}
        )

    return app


@pytest.fixture
def driver(slack: FakeSlack) -> Iterator[tuple[SlackDriver, Seen]]:
    seen = Seen()
    handler = AsyncSlackRequestHandler(bolt_app(slack, seen))

    async def events(request: Request) -> Response:
        return await handler.handle(request)

    app = Starlette(routes=[Route("/slack/events", events, methods=["POST"])])
    with ServerThread(app, lifespan="off") as server:
        client = SlackDriver(
            bot_url=server.url, slack_url=slack.url, signing_secret=SIGNING_SECRET, slack=slack
        )
        yield client, seen
        client.close()


def test_bolt_takes_the_drivers_modal_payloads_and_the_state_carries_over(
    slack: FakeSlack, driver: tuple[SlackDriver, Seen]
) -> None:
    client, seen = driver
    assert client.shortcut().status_code == 200
    view = slack.wait_view(lambda v: v["callback_id"] == "rollback_request")
    assert "channel" not in seen.bodies["shortcut"][0]
    assert slack.open_view("UALICE") == view and slack.open_view("UBOB") is None

    suggested = client.suggest(view, APP, "sh")
    assert suggested.json() == {"options": [SHOP]}
    assert suggestion_problems(suggested.json()) == []
    asked = seen.bodies["suggestion"][0]
    assert (asked["block_id"], asked["value"], asked["view"]["id"]) == ("app", "sh", view["id"])

    assert client.select(view, APP, SHOP).status_code == 200
    view = slack.wait_view(lambda v: v["title"] == plain("Roll back shop"))
    assert seen.bodies["action"][0]["container"] == {"type": "view", "view_id": view["id"]}

    answer = client.submit(view, {REASON: "", WHERE: "CDEPLOY"})
    assert answer.json() == {"response_action": "errors", "errors": {"reason": "Say why"}}
    sent = seen.bodies["submission"][0]
    values = sent["view"]["state"]["values"]
    assert values["app"][APP] == {"type": "external_select", "selected_option": SHOP}
    assert values["reason"][REASON] == {"type": "plain_text_input", "value": ""}
    assert values["where"][WHERE]["selected_conversation"] == "CDEPLOY"
    urls = sent["response_urls"]
    assert [(u["block_id"], u["channel_id"]) for u in urls] == [("where", "CDEPLOY")]
    assert slack.views[view["id"]]["title"] == plain("Roll back shop")  # errors: still open


def test_the_bots_answer_to_a_submission_changes_the_modal_as_slacks_would(
    slack: FakeSlack, driver: tuple[SlackDriver, Seen]
) -> None:
    client, _ = driver
    client.shortcut()
    view = slack.wait_view(lambda v: v["callback_id"] == "rollback_request")
    assert client.submit(view, {REASON: "misplaced"}).status_code == 200
    assert [(c.method, c.error) for c in slack.refusals] == [
        ("view_submission", "errors_not_on_input_blocks")
    ]
    assert view["id"] in slack.views
    assert client.submit(view, {REASON: "bad deploy"}).content == b""
    assert slack.views == {} and slack.open_view() is None
    assert len(slack.refusals) == 1


def test_bolt_takes_the_drivers_events(slack: FakeSlack, driver: tuple[SlackDriver, Seen]) -> None:
    client, _ = driver
    assert client.home_opened("UALICE").status_code == 200
    home = slack.wait_for(lambda: slack.home("UALICE"))
    assert home["blocks"][0]["text"]["text"] == "hi"
    assert client.url_verification("c-123").json() == {"challenge": "c-123"}


def test_the_drivers_signature_is_slacks(
    slack: FakeSlack, driver: tuple[SlackDriver, Seen]
) -> None:
    client, _ = driver
    body = json.dumps({"type": "url_verification", "challenge": "x"})
    verifier = SignatureVerifier(SIGNING_SECRET)
    assert verifier.is_valid_request(body, signed_headers(SIGNING_SECRET, body))
    assert not verifier.is_valid_request(body, signed_headers("another secret", body))
    other = SlackDriver(bot_url=client.bot_url, slack_url=slack.url, signing_secret="wrong")
    try:
        assert other.shortcut().status_code == 401
        assert other.home_opened().status_code == 401
    finally:
        other.close()
    assert slack.views == {}
