"""The HTTP face of the bot: a Starlette app for uvicorn.

``POST /slack/events`` (slash commands and interactivity, through Bolt's Starlette
adapter), ``GET /healthz`` (the process answers) and ``GET /readyz`` (Redis answers).
"""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from urllib.parse import parse_qsl

from slack_bolt.adapter.starlette.async_handler import AsyncSlackRequestHandler
from slack_sdk.signature import SignatureVerifier
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from bot.metrics import CONTENT_TYPE
from bot.runtime import Runtime
from bot.settings import Settings

log = logging.getLogger(__name__)


def create_app(settings: Settings) -> Starlette:
    runtime = Runtime.build(settings)
    handler = AsyncSlackRequestHandler(runtime.bolt)
    secret = settings.slack_signing_secret
    verifier = SignatureVerifier(secret.get_secret_value()) if secret else None

    async def slack_events(request: Request) -> Response:
        started = time.perf_counter()
        try:
            with runtime.lull.request():
                return await answer_slack(request)
        finally:
            runtime.deps.metrics.ack_latency.observe(time.perf_counter() - started)

    async def answer_slack(request: Request) -> Response:
        body = await request.body()
        if is_ssl_check(body):
            return Response(status_code=200)  # an empty body, as Bolt answers
        if verifier is not None and not verifier.is_valid_request(body, dict(request.headers)):
            return JSONResponse({"error": "invalid request"}, status_code=401)
        try:
            response = await handler.handle(request)
        except Exception:
            # Bolt cannot parse some bodies (e.g. a payload that is not JSON).
            log.exception("request could not be handled")
            return _not_understood()
        if response.status_code == 404 or response.status_code >= 500:
            log.warning("request not handled (Bolt answered %s)", response.status_code)
            return _not_understood()
        return response

    async def metrics(_: Request) -> Response:
        return Response(await runtime.scrape(), media_type=CONTENT_TYPE)

    async def healthz(_: Request) -> Response:
        return JSONResponse({"status": "ok"})

    async def readyz(_: Request) -> Response:
        if await runtime.deps.store.ping():
            return JSONResponse({"status": "ready"})
        return JSONResponse({"status": "unready", "reason": "redis unavailable"}, status_code=503)

    @asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        await runtime.start()
        try:
            yield
        finally:
            await runtime.aclose()

    app = Starlette(
        routes=[
            Route("/slack/events", slack_events, methods=["POST"]),
            Route("/healthz", healthz, methods=["GET"]),
            Route("/readyz", readyz, methods=["GET"]),
            Route("/metrics", metrics, methods=["GET"]),
        ],
        lifespan=lifespan,
    )
    app.state.runtime = runtime
    return app


def is_ssl_check(body: bytes) -> bool:
    """Is this Slack checking the certificate of a slash command's URL (``ssl_check=1``)?

    Bolt answers them before any signature check: its
    ``AsyncSslCheck`` middleware comes first in the chain (slack_bolt/app/async_app.py,
    ``_init_async_middleware_list``) and returns ``BoltResponse(status=200, body="")``
    for a form body with ``ssl_check == "1"`` (middleware/ssl_check/ssl_check.py). This
    server checks signatures before Bolt sees the request, so it answers them here.
    Nothing else happens for them: no command in the body is run.
    """
    if b"ssl_check=" not in body:  # the common case, without parsing the form
        return False
    fields = dict(parse_qsl(body.decode(errors="replace"), keep_blank_values=True))
    return fields.get("ssl_check") == "1"


def _not_understood() -> Response:
    # Slack shows an ack body to the person; a 404 or 500 would show only "failed".
    return JSONResponse(
        {"response_type": "ephemeral", "text": "The bot could not understand that request."}
    )
