"""The health probes, the same on every way in: ``GET /healthz`` (the process answers) and
``GET /readyz`` (Redis answers as a primary, and whatever else that way in needs, such as
Socket Mode's connection to Slack)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from bot.runtime.wiring import Runtime

Unready = Callable[[], Awaitable[str | None]]
"""Why the bot is not ready (a reason ``/readyz`` shows), or None when it is."""


def probe_routes(runtime: Runtime, *also: Unready) -> list[Route]:
    """``/healthz`` and ``/readyz``; ``also`` are asked in order once Redis answers as a
    primary (a demoted primary still answers PING but refuses every write)."""

    async def healthz(_: Request) -> Response:
        return JSONResponse({"status": "ok"})

    async def readyz(_: Request) -> Response:
        for unready in (runtime.redis_unready, *also):
            reason = await unready()
            if reason is not None:
                return JSONResponse({"status": "unready", "reason": reason}, status_code=503)
        return JSONResponse({"status": "ready"})

    return [
        Route("/healthz", healthz, methods=["GET"]),
        Route("/readyz", readyz, methods=["GET"]),
    ]
