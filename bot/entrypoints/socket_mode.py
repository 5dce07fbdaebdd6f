"""Socket Mode: the same Bolt app and listeners as HTTP mode, over Slack's WebSocket.

For a laptop or a cluster without a public URL. Slack's requests arrive as envelopes on
a WebSocket the bot opens with the app-level token (``SLACK_APP_TOKEN``, ``xapp-…``),
so no signing secret is needed: Bolt skips request verification in socket mode. The
bot still serves ``/healthz`` and ``/readyz`` over HTTP for container probes.

One event loop runs the runtime (watcher, sweeper), Bolt's aiohttp Socket Mode client
and the probe server; SIGTERM or SIGINT closes the socket first (no new envelopes), then
lets in-flight work finish and gives the watch leases back (``Runtime.aclose``).
"""

from __future__ import annotations

import asyncio
import logging
import signal
import socket
import time
from typing import Any

import aiohttp
import uvicorn
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.socket_mode.aiohttp import SocketModeClient
from starlette.applications import Starlette

from bot.entrypoints.probes import probe_routes
from bot.entrypoints.tcp import SignalFreeServer, listen
from bot.errors import SocketModeError
from bot.runtime.wiring import Runtime
from bot.settings import Settings

log = logging.getLogger(__name__)

PING_INTERVAL = 10.0  # seconds; Bolt's AsyncSocketModeHandler default
FIRST_RETRY = 1.0  # seconds before the first new attempt; doubling up to PING_INTERVAL

# apps.connections.open errors that retrying cannot fix: the token itself is wrong.
_TOKEN_ERRORS = frozenset(
    {
        "invalid_auth",
        "not_authed",
        "token_revoked",
        "token_expired",
        "account_inactive",
        "not_allowed_token_type",
        "missing_scope",
    }
)


def run(settings: Settings, *, token: str, host: str, port: int) -> None:
    """Serve Socket Mode until SIGTERM/SIGINT; ``SocketModeError`` when it cannot, and
    ``ListenError`` when the probes' port cannot be taken (bound up front, so a taken
    port is one clear sentence)."""
    sock = listen(host, port)
    try:
        asyncio.run(serve(settings, token=token, sock=sock))
    finally:
        sock.close()


def probes(runtime: Runtime, client: SocketModeClient) -> Starlette:
    """``/healthz`` and ``/readyz`` (Redis answers, and the socket is connected)."""

    async def disconnected() -> str | None:
        return None if await client.is_connected() else "not connected to slack"

    return Starlette(routes=probe_routes(runtime, disconnected))


class FreshUrlClient(SocketModeClient):
    """slack_sdk's aiohttp Socket Mode client, trying each WebSocket URL once.

    Slack's URL is "a temporary Socket Mode WebSocket URL" (apps.connections.open) that
    "refreshes regularly" (https://api.slack.com/socket-mode). slack_sdk reconnects
    through ``connect_to_new_endpoint``, which asks apps.connections.open first (for a
    ``disconnect`` envelope, a closed socket, a failed ping); but ``connect`` itself asks
    only when it has no URL, and when the connection fails it retries the same URL every
    ``ping_interval`` forever (socket_mode/aiohttp/__init__.py ``connect``: ``if
    self.wss_uri is None: self.wss_uri = await self.issue_new_wss_url()`` inside its retry
    loop). A URL that expired or is refused then keeps the bot unready for good. Here a URL
    is used for one attempt, and the next attempt asks Slack for a new one.
    """

    async def connect(self) -> None:
        failures = 0
        while not self.closed:
            # Set by connect_to_new_endpoint (or _first_url) just before; never reused.
            url, self.wss_uri = self.wss_uri, None
            try:
                await self._open(url or await self.issue_new_wss_url())
                return
            except Exception as exc:  # any failure: slack_sdk's loop retries them all too
                if self.closed:
                    return
                delay = min(self.ping_interval, FIRST_RETRY * 2**failures)
                failures += 1
                log.warning(
                    "socket mode: could not connect to Slack (%s); asking for a new URL in %.0f s",
                    type(exc).__name__,
                    delay,
                )
                await asyncio.sleep(delay)

    async def _open(self, url: str) -> None:
        """One connection attempt: the body of slack_sdk's ``connect`` loop, its
        handshake bounded."""
        # No reconnecting from the old session's monitor while this one connects.
        self.auto_reconnect_enabled = False
        old = self.current_session
        if old is not None:
            try:
                await old.close()
            except Exception as exc:  # a broken old socket may not close cleanly
                log.debug("socket mode: the old connection did not close: %r", exc)
        if self.aiohttp_client_session.closed:
            self.aiohttp_client_session = aiohttp.ClientSession()
        # The handshake within the Web API's timeout: the session's default is 5 minutes.
        async with asyncio.timeout(self.web_client.timeout):
            session = await self.aiohttp_client_session.ws_connect(
                url,
                autoping=False,
                heartbeat=self.ping_interval,
                proxy=self.proxy,
                ssl=self.web_client.ssl if self.web_client.ssl is not None else True,
            )
        self.current_session = session
        self.auto_reconnect_enabled = self.default_auto_reconnect_enabled
        self.stale = False
        await session.ping(f"sdk-ping-pong:{time.time()}".encode())
        # A new monitor and receiver for the new session (the old ones stop themselves
        # once current_session changes; cancelled here as slack_sdk does).
        for task in (self.current_session_monitor, self.message_receiver):
            if task is not None:
                task.cancel()
        self.current_session_monitor = asyncio.ensure_future(self.monitor_current_session())
        self.message_receiver = asyncio.ensure_future(self.receive_messages())
        log.info("socket mode: connected to Slack")


class _Handler(AsyncSocketModeHandler):
    """Bolt's aiohttp Socket Mode handler on ``FreshUrlClient``.

    Bolt's ``__init__`` builds a plain ``SocketModeClient`` (which at once opens an aiohttp
    session and starts a task) and takes no client class, so this repeats its four lines
    (slack_bolt/adapter/socket_mode/aiohttp/__init__.py) instead of calling it.
    """

    def __init__(self, app: AsyncApp, app_token: str) -> None:
        self.app = app
        self.app_token = app_token
        self.client = FreshUrlClient(
            app_token=app_token,
            logger=app.logger,
            web_client=app.client,
            ping_interval=PING_INTERVAL,
        )
        self.client.socket_mode_request_listeners.append(self.handle)  # type: ignore[arg-type]


async def serve(settings: Settings, *, token: str, sock: socket.socket) -> None:
    runtime = Runtime.build(settings)
    # Built inside the loop: the client starts its message-processing task at once.
    handler = _Handler(runtime.bolt, token)
    # uvicorn would take SIGTERM for itself and re-raise it once it stopped, ending the
    # process before the socket and the runtime are closed; ``serve`` owns signals.
    server = SignalFreeServer(
        uvicorn.Config(
            probes(runtime, handler.client),
            lifespan="off",
            log_config=None,  # uvicorn logs through bot.logs, at the root's level
            access_log=False,  # probes every few seconds would drown the log
        )
    )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    stopping = asyncio.create_task(stop.wait())
    # Probes first: /healthz answers (and /readyz says unready) while Slack is reached.
    serving = asyncio.create_task(server.serve(sockets=[sock]))
    helpers: list[asyncio.Task[Any]] = [stopping]
    try:
        host, port = sock.getsockname()[:2]
        log.info("socket mode: /healthz and /readyz on http://%s:%s", host, port)
        # The token before the runtime: a replica that cannot connect must not take
        # watches over. Raced with the signals, as Slack may be slow to answer.
        first = asyncio.create_task(_first_url(handler.client))
        helpers.append(first)
        await asyncio.wait({first, stopping, serving}, return_when=asyncio.FIRST_COMPLETED)
        if first.done():
            first.result()  # a rejected token ends start-up here
            await runtime.start()
            helpers.append(asyncio.create_task(_connect(handler)))
            # The probe server ends on its own only when it fails (it logs why).
            await asyncio.wait({serving, stopping}, return_when=asyncio.FIRST_COMPLETED)
        log.info("socket mode: stopping")
    finally:
        # The socket first, so no envelope arrives while the work in flight finishes.
        await handler.close_async()  # type: ignore[no-untyped-call]  # Bolt is untyped here
        for task in helpers:
            task.cancel()
        server.should_exit = True
        await asyncio.gather(*helpers, serving, return_exceptions=True)
        await runtime.aclose()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(sig)
    log.info("socket mode: stopped")


async def _first_url(client: SocketModeClient) -> None:
    """Ask for the WebSocket URL once up front, so a wrong token stops start-up.

    The URL is kept for the first connection attempt (apps.connections.open is Tier 1 in
    Slack's method reference: not to be wasted); should it be dead by then,
    ``FreshUrlClient`` asks for another.
    Left to itself the client retries a rejected token forever, logging a traceback
    every few seconds; a network failure is still retried (readyz says unready).
    """
    try:
        client.wss_uri = await client.issue_new_wss_url()
    except SlackApiError as exc:
        code = str(exc.response.get("error") or "unknown_error")
        if code in _TOKEN_ERRORS:
            raise SocketModeError(
                f"Slack rejected SLACK_APP_TOKEN ({code}): an operator should check that it "
                "is the app's app-level token with the connections:write scope and that "
                "Socket Mode is enabled for the app."
            ) from None
        log.warning("socket mode: Slack refused apps.connections.open (%s); retrying", code)
    except (SlackClientError, aiohttp.ClientError, OSError, TimeoutError) as exc:
        log.warning("socket mode: could not reach Slack (%s); retrying", type(exc).__name__)


async def _connect(handler: AsyncSocketModeHandler) -> None:
    # connect() retries (a new URL each time) until it succeeds or the client is closed.
    await handler.connect_async()  # type: ignore[no-untyped-call]  # Bolt is untyped here
