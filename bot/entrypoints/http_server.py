"""The HTTP face of the bot: a Starlette app for uvicorn.

``POST /slack/events`` (slash commands and interactivity, handed to Bolt once the body has
arrived and its signature is good), ``GET /healthz`` (the process answers), ``GET /readyz``
(Redis answers) and ``GET /metrics``.

Anyone can reach ``/slack/events``, so a request is refused as cheaply as it can be, with
one warning line: a body over ``MAX_BODY`` (413, unread), a body still arriving after
``BODY_DEADLINE`` (408), malformed signature headers or a body that is not UTF-8 (400), a
missing, wrong or stale signature (401).
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections.abc import AsyncIterator
from contextlib import aclosing, asynccontextmanager
from urllib.parse import parse_qsl

from slack_bolt import BoltResponse
from slack_bolt.adapter.starlette.async_handler import (
    to_async_bolt_request,
    to_starlette_response,
)
from slack_sdk.signature import SignatureVerifier
from starlette.applications import Starlette
from starlette.datastructures import Headers
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from bot.entrypoints.probes import probe_routes
from bot.errors import Refused
from bot.metrics import CONTENT_TYPE
from bot.runtime.wiring import Runtime
from bot.settings import Settings

log = logging.getLogger(__name__)

MAX_BODY = 1024 * 1024
"""Bytes of body ``/slack/events`` takes at most. Slack's requests to the bot are a few
KiB: the largest, a click, carries the message it was on, one of the bot's cards. A MiB is
far above any of them, and bounds what one request can cost."""

BODY_DEADLINE = 3.0
"""Seconds the body may take to arrive once the headers have. Slack waits 3000 ms for an
answer ("If you're unable to immediately respond to a command within 3000 milliseconds",
Slack's slash command doc), so a body still arriving after that is not Slack's; it would
only hold a connection and a buffer."""

NOT_UNDERSTOOD = {
    "response_type": "ephemeral",
    "text": "The bot could not understand that request.",
}

_UNIX_TIME = re.compile(r"[0-9]{1,12}")  # ASCII digits only: str.isdigit() takes "١٧"


def create_app(settings: Settings) -> Starlette:
    runtime = Runtime.build(settings)
    secret = settings.slack_signing_secret
    verifier = SignatureVerifier(secret.get_secret_value()) if secret else None
    runtime.bolt.error(_bolt_failed)

    async def slack_events(request: Request) -> Response:
        started = time.perf_counter()
        try:
            body = await read_body(request)
            # Counted in the lull only now: a request still arriving is no reason to hold
            # the work after an ack back (its sender may never finish it).
            with runtime.lull.request():
                response = await answer_slack(runtime, verifier, request, body)
        except Refused as refused:
            return _refuse(request, refused)  # not Slack's: not in Slack's ack latency
        runtime.deps.metrics.ack_latency.observe(time.perf_counter() - started)
        return response

    async def metrics(_: Request) -> Response:
        return Response(await runtime.scrape(), media_type=CONTENT_TYPE)

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
            *probe_routes(runtime),
            Route("/metrics", metrics, methods=["GET"]),
        ],
        lifespan=lifespan,
    )
    app.state.runtime = runtime
    return app


async def read_body(request: Request) -> bytes:
    """The body, if it is at most ``MAX_BODY`` bytes and arrives within ``BODY_DEADLINE``.

    uvicorn calls the app once the headers are in; the body comes through ``receive`` as
    it arrives, so neither a declared nor a chunked (unknown length) body over the limit
    is read past it.
    """
    declared = request.headers.get("content-length", "")
    if declared.isascii() and declared.isdigit() and int(declared) > MAX_BODY:
        raise Refused(
            413, f"a body of {declared} bytes is over the limit of {MAX_BODY}", close=True
        )
    body = bytearray()
    try:
        async with asyncio.timeout(BODY_DEADLINE), aclosing(request.stream()) as chunks:
            async for chunk in chunks:
                body += chunk
                if len(body) > MAX_BODY:
                    raise Refused(
                        413, f"the body went over the limit of {MAX_BODY} bytes", close=True
                    )
    except TimeoutError:
        raise Refused(
            408, f"the body did not arrive within {BODY_DEADLINE:g} s", close=True
        ) from None
    except ClientDisconnect:
        raise Refused(400, "the client left before its body arrived", close=True) from None
    return bytes(body)


async def answer_slack(
    runtime: Runtime, verifier: SignatureVerifier | None, request: Request, body: bytes
) -> Response:
    """The answer to a request that arrived whole: Bolt's, if Slack signed it."""
    if is_ssl_check(body):
        return Response(status_code=200)  # an empty body, as Bolt answers
    check_signature(verifier, request.headers, body)
    try:
        # Bolt's Starlette adapter would read the body again: its two halves instead.
        bolt_request = to_async_bolt_request(request, body)
        bolt_response = await runtime.bolt.async_dispatch(bolt_request)
    except Exception as exc:
        # Bolt cannot parse some bodies (a payload that is not JSON, or not an object):
        # signed garbage, answered without a traceback each.
        log.warning("request could not be handled: Bolt raised %s", type(exc).__name__)
        return _not_understood()
    response = to_starlette_response(bolt_response)
    if response.status_code == 404 or response.status_code >= 500:
        log.warning("request not handled (Bolt answered %s)", response.status_code)
        return _not_understood()
    return response


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


def check_signature(verifier: SignatureVerifier | None, headers: Headers, body: bytes) -> None:
    """Refuse the request unless its body is UTF-8 and (with a secret) Slack signed it.

    slack_sdk's ``SignatureVerifier.is_valid`` raises on what Slack never sends rather
    than answering False: ``int(timestamp)`` on a timestamp that is not an integer (or has
    over 4,300 digits), ``body.decode("utf-8")`` on a body that is not UTF-8 and
    ``hmac.compare_digest`` on a signature that is not ASCII. Those are refused first.
    """
    try:
        text = body.decode("utf-8")  # Bolt decodes it too, signed or not
    except UnicodeDecodeError:
        raise Refused(400, "the body is not UTF-8") from None
    if verifier is None:
        return
    timestamp = headers.get("x-slack-request-timestamp")
    signature = headers.get("x-slack-signature")
    if timestamp is None or signature is None:
        raise Refused(401, "no Slack signature")
    if not _UNIX_TIME.fullmatch(timestamp):
        raise Refused(400, "X-Slack-Request-Timestamp is not a Unix time")
    # is_valid also refuses a timestamp over five minutes away (Slack's sample: "The
    # request timestamp is more than five minutes from local time. It could be a replay
    # attack, so let's ignore it.").
    if not (signature.isascii() and verifier.is_valid(text, timestamp, signature)):
        raise Refused(401, "the Slack signature is wrong or expired")


def _refuse(request: Request, refused: Refused) -> Response:
    client = f"{request.client.host}:{request.client.port}" if request.client else "unknown"
    log.warning(
        "refused a request to /slack/events from %s with %d: %s",
        client,
        refused.status,
        refused.reason,
    )
    headers = {"connection": "close"} if refused.close else None
    return JSONResponse({"error": refused.reason}, status_code=refused.status, headers=headers)


async def _bolt_failed(error: Exception) -> BoltResponse:
    """Bolt's error handler, for its middleware (matchers too) and its listeners.

    Bolt's default ones log a traceback each (``logger.exception``), and its own
    matchers raise on signed garbage: ``block_action`` reads ``action["action_id"]``
    (slack_bolt/listener_matcher/builtins.py). Our listeners log their own failures.
    """
    log.warning("request could not be handled: Bolt raised %s", type(error).__name__)
    return BoltResponse(status=200, body=NOT_UNDERSTOOD)


def _not_understood() -> Response:
    # Slack shows an ack body to the person; a 404 or 500 would show only "failed".
    return JSONResponse(NOT_UNDERSTOOD)
