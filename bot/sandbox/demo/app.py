"""One Starlette app on one port holding the whole sandbox.

| path | what |
| --- | --- |
| ``/`` and ``/static/…`` | the page that looks like a Slack channel |
| ``/demo/…`` | the page's API (``page.py``) and the control panel's (``panel_api.py``) |
| ``/slack/api/{method}``, ``/slack/response/{key}`` | the Slack stand-in (``bot.sandbox.slack``) |
| ``/do/v2/…`` | the DigitalOcean simulator |
| ``/logs/{key}`` | its archived deployment logs, under pre-signed URLs |
| ``/slack/events``, ``/healthz``, ``/readyz`` | the bot, built by
``bot.entrypoints.http_server.create_app`` |

The bot is the production ASGI app, unchanged; it reaches the stand-ins through
``SLACK_API_URL`` and ``DIGITALOCEAN_API_URL`` over loopback HTTP, as it would reach
slack.com and api.digitalocean.com.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from importlib import resources

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Receive, Scope, Send

from bot.entrypoints.http_server import create_app as create_bot_app
from bot.sandbox import digitalocean as simulator
from bot.sandbox.demo.config import DIGITALOCEAN_TOKEN, SLACK_TOKEN, DemoOptions, demo_settings
from bot.sandbox.demo.control_panel import ControlPanel
from bot.sandbox.demo.page import create_page_api
from bot.sandbox.demo.relay import Relay
from bot.sandbox.demo.workspace import Workspace
from bot.sandbox.digitalocean.logs import LOG_PATH


@dataclass
class Sandbox:
    app: Starlette
    workspace: Workspace
    sim: simulator.Simulator


def create_sandbox(options: DemoOptions, *, base_url: str, redis_url: str) -> Sandbox:
    """The sandbox served at ``base_url`` (it must be where this app will listen)."""
    workspace = Workspace(token=SLACK_TOKEN, base_url=base_url)
    settings = demo_settings(
        options, base_url=base_url, redis_url=redis_url, channel_id=workspace.channel_id
    )
    bot = create_bot_app(settings)
    sim = simulator.Simulator.with_sample_apps(
        token=DIGITALOCEAN_TOKEN, step_seconds=options.step_seconds
    )
    # The relay's client is opened in the lifespan, on the loop that serves the app.
    http = httpx.AsyncClient(timeout=30)
    secret = settings.slack_signing_secret
    assert secret is not None
    relay = Relay(
        workspace=workspace,
        events_url=f"{base_url}/slack/events",
        signing_secret=secret.get_secret_value(),
        http=http,
    )

    @asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        # Starlette runs only the outer app's lifespan; the bot's (resume watches on start,
        # drain its tasks on stop) is entered here.
        async with http, bot.router.lifespan_context(bot):
            yield

    do = simulator.create_app(sim)
    app = Starlette(
        routes=[
            Route("/", _index, methods=["GET"]),
            Mount("/static", StaticFiles(packages=[("bot.sandbox.demo", "static")])),
            Mount("/demo", create_page_api(workspace, relay, ControlPanel(sim))),
            *workspace.slack.routes(prefix="/slack"),
            Mount("/do", do),
            # The simulator signs its log URLs at the host's root (request.base_url leaves
            # the mount out), as the files of a separate storage host would be.
            Mount(LOG_PATH.rstrip("/"), _at_root(do)),
            Mount("/", bot),
        ],
        lifespan=lifespan,
    )
    return Sandbox(app=app, workspace=workspace, sim=sim)


def _at_root(app: ASGIApp) -> ASGIApp:
    """``app`` as if it were served at the host's root, not under a mount."""

    async def served(scope: Scope, receive: Receive, send: Send) -> None:
        await app({**scope, "root_path": ""}, receive, send)

    return served


async def _index(_: Request) -> Response:
    page = resources.files("bot.sandbox.demo").joinpath("static", "index.html").read_text("utf-8")
    return HTMLResponse(page, headers={"cache-control": "no-store"})
