"""The driver's payloads around views (shortcut, block_suggestion, block_actions from a
view, view_submission, app_home_opened, url_verification), as a Bolt app receives them:
Bolt's own signature check and routing, not ours, and the views it opens, updates and
publishes on the stand-in, as the bot will.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from slack_bolt.adapter.starlette.async_handler import AsyncSlackRequestHandler
from slack_bolt.async_app import AsyncApp
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
from tests.slack_driver import SlackDriver
from tests.view_examples import APP, REASON, SHOP, WHERE, modal, plain

BUTTON = {"type": "button", "action_id": "home_open", "text": plain("Go")}
HOME = {
    "type": "home",
    "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "hi"}, "accessory": BUTTON}],
}


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
        await client.views_publish(user_id=event["user"], view=HOME)

    @app.action("home_open")
    async def from_home(ack: Any, body: dict[str, Any], client: AsyncWebClient) -> None:
        await ack()
        await client.views_open(trigger_id=body["trigger_id"], view=modal())

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
    assert client.press_in_view(home, "home_open", user="UBOB").status_code == 200
    opened = slack.wait_for(lambda: slack.open_view("UBOB"))
    assert opened["callback_id"] == "rollback_request"
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
