"""The floors: a Bolt ``AsyncApp`` that only acks ``/rollback`` (and answers any menu's
options with a fixed list), served like the bot.

``python -m bench.floor {default|fast} <slack api url> --port N``. ``default`` is Bolt as
it ships (``process_before_response=False``: the ack is awaited by polling every 10 ms);
``fast`` is the same app with ``process_before_response=True``. Both run under
``uvicorn.run`` on 127.0.0.1 with the bot's log level and Starlette adapter.
"""

from __future__ import annotations

import argparse
import logging
import re

import uvicorn
from slack_bolt.adapter.starlette.async_handler import AsyncSlackRequestHandler
from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.web.async_client import AsyncWebClient
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tests.constants import SIGNING_SECRET, SLACK_TOKEN


def build(*, process_before_response: bool, slack_api_url: str) -> Starlette:
    bolt = AsyncApp(
        # Bolt's own token authorization (one auth.test, then cached) against the stand-in.
        client=AsyncWebClient(token=SLACK_TOKEN, base_url=slack_api_url),
        signing_secret=SIGNING_SECRET,
        process_before_response=process_before_response,
    )

    @bolt.command("/rollback")
    async def ack_only(ack: AsyncAck) -> None:
        await ack()

    # The menus' floor (section 6): any external_select's options, a fixed list of 100
    # (Slack's most, and the size of the bot's longest answer), made once.
    menu = [
        {"text": {"type": "plain_text", "text": f"floor-app-{i:03d}"}, "value": f"id-{i:03d}"}
        for i in range(100)
    ]

    @bolt.options(re.compile(".*"))
    async def options_only(ack: AsyncAck) -> None:
        await ack(options=menu)

    handler = AsyncSlackRequestHandler(bolt)

    async def events(request: Request) -> Response:
        return await handler.handle(request)

    async def healthz(_: Request) -> Response:
        return JSONResponse({"status": "ok"})

    return Starlette(
        routes=[
            Route("/slack/events", events, methods=["POST"]),
            Route("/healthz", healthz, methods=["GET"]),
        ]
    )


def main() -> None:
    parser = argparse.ArgumentParser(prog="bench.floor")
    parser.add_argument("mode", choices=["default", "fast"])
    parser.add_argument("slack_api_url")
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    logging.basicConfig(level="INFO", format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    app = build(process_before_response=args.mode == "fast", slack_api_url=args.slack_api_url)
    uvicorn.run(app, host="127.0.0.1", port=args.port, log_level="info", lifespan="on")


if __name__ == "__main__":
    main()
