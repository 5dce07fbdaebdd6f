"""HTTP plumbing for the DigitalOcean API: retries, pagination, the throttle, typed errors.

GETs (and the read-only validate POST) are retried with backoff that honours
``retry-after``; a POST that changes state is sent once, because a 5xx or a dropped
connection may still have created a deployment (the caller checks state instead).
"""

from __future__ import annotations

import copy
import functools
import logging
import time
from collections import Counter
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import parse_qs, urlsplit

import httpx
import stamina

from bot.digitalocean import responses
from bot.errors import (
    DOBudgetError,
    DOMalformedError,
    DONetworkError,
    DORateLimitedError,
    DOServerError,
    DOTransientError,
    DOUncertainError,
)
from bot.version import USER_AGENT

log = logging.getLogger(__name__)

_MAX_PAGES = 500


class Throttle(Protocol):
    """Paces requests (e.g. a lane of ``bot.digitalocean.budget.RateBudget``); the client
    knows no more of it. ``acquire`` may raise ``DOBudgetError`` rather than wait past
    ``patience``."""

    @property
    def patience(self) -> float:
        """Seconds a caller may wait for a place, or for a 429's ``retry-after``."""
        ...

    async def acquire(self) -> float: ...

    async def observe(self, status: int, headers: Mapping[str, str]) -> None: ...


def _retry_wait(exc: Exception, *, patience: float) -> bool | float:
    """How stamina should treat ``exc``: retry after this many seconds, retry with its
    backoff (True), or give up (False)."""
    if isinstance(exc, DOBudgetError):
        return False  # it already waited all it may; the caller says when to try again
    if isinstance(exc, DORateLimitedError):
        # A burst 429 says how long to wait; a wait longer than the caller may afford is
        # told to the person instead ("try again in N s"), never waited out silently.
        if exc.retry_after is None:
            return False  # the hourly limit: the budget now knows, and paces every replica
        return exc.retry_after if exc.retry_after <= patience else False
    return isinstance(exc, DOTransientError)


@dataclass(frozen=True)
class _Request:
    method: str
    path: str
    what: str
    """What the request is about, as a 404's sentence names it."""
    params: dict[str, Any] | None = None
    json: Any = None


class Transport:
    """Sends requests to DigitalOcean and turns answers into JSON or typed errors."""

    def __init__(
        self,
        *,
        token: str,
        base_url: str = "https://api.digitalocean.com",
        timeout: float = 15.0,
        retry_attempts: int = 4,
        retry_timeout: float = 60.0,
        throttle: Throttle | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        """``transport`` replaces httpx's network one (an ``httpx.ASGITransport`` over the
        simulator, an ``httpx.MockTransport``); ``clock`` reads ``ratelimit-reset``."""
        self._http = httpx.AsyncClient(
            base_url=base_url.rstrip("/"),
            headers={
                "Authorization": f"Bearer {token}",
                "Accept": "application/json",
                "User-Agent": USER_AGENT,
            },
            timeout=timeout,
            transport=transport,
        )
        self._clock = clock
        self._attempts = retry_attempts
        self._retry_timeout = retry_timeout
        self._throttle = throttle
        self.calls: Counter[int] = Counter()
        """Answers by HTTP status (0: no answer), for metrics and benchmarks."""

    def with_throttle(self, throttle: Throttle) -> Transport:
        """This transport (its connections, its call counts) paced by another throttle:
        polls and people's commands take their places from different lanes."""
        twin = copy.copy(self)
        twin._throttle = throttle
        return twin

    @property
    def _patience(self) -> float:
        return self._throttle.patience if self._throttle is not None else 60.0

    async def aclose(self) -> None:
        await self._http.aclose()

    async def paged(
        self, path: str, key: str, *, per_page: int, what: str, required: bool = False
    ) -> AsyncIterator[dict[str, Any]]:
        """Every item of a list, page by page. ``required``: an answer without its list
        (``key``) is unreadable rather than empty, as where the spec says the answer has it."""
        page = 1
        for _ in range(_MAX_PAGES):
            body = await self.read(
                "GET", path, params={"page": page, "per_page": per_page}, what=what
            )
            items = body.get(key)
            if required and not isinstance(items, list):
                log.warning("digitalocean: a page of %s without its %s list", what, key)
                raise DOMalformedError(
                    f"DigitalOcean sent a page of {what} that the bot could not read.",
                    status=200,
                )
            for item in items or ():
                yield item
            next_page = _next_page(body)
            # The next link is followed by page number on our own base URL, so the token
            # never goes to a host taken from a response.
            if next_page is None or next_page <= page:
                return
            page = next_page

    async def read(
        self,
        method: str,
        path: str,
        *,
        what: str,
        params: dict[str, Any] | None = None,
        json: Any = None,
    ) -> dict[str, Any]:
        request = _Request(method, path, what=what, params=params, json=json)
        async for attempt in stamina.retry_context(
            on=functools.partial(_retry_wait, patience=self._patience),
            attempts=self._attempts,
            timeout=self._retry_timeout,
            wait_initial=0.2,
            wait_max=10.0,
        ):
            with attempt:
                return await self._send(request)
        raise AssertionError("unreachable: stamina raises after the last attempt")

    async def write(self, path: str, *, json: Any, what: str) -> dict[str, Any]:
        # A 429 means DigitalOcean refused the request unprocessed, so only that is retried.
        patience = self._patience
        request = _Request("POST", path, what=what, json=json)
        async for attempt in stamina.retry_context(
            on=lambda exc: (
                _retry_wait(exc, patience=patience)
                if isinstance(exc, DORateLimitedError)
                else False
            ),
            attempts=self._attempts,
            timeout=self._retry_timeout,
        ):
            with attempt:
                try:
                    return await self._send(request)
                except (DOServerError, DONetworkError) as exc:
                    raise DOUncertainError(
                        f"{exc.user_message} The request may still have taken effect.",
                        status=exc.status,
                    ) from None
        raise AssertionError("unreachable: stamina raises after the last attempt")

    async def _send(self, request: _Request) -> dict[str, Any]:
        method, path = request.method, request.path
        if self._throttle is not None:
            await self._throttle.acquire()
        try:
            response = await self._http.request(
                method, path, params=request.params, json=request.json
            )
        except httpx.TransportError as exc:
            self.calls[0] += 1
            log.warning("digitalocean %s %s failed: %s", method, path, type(exc).__name__)
            raise DONetworkError(
                f"Could not reach DigitalOcean ({type(exc).__name__}).", status=None
            ) from None
        self.calls[response.status_code] += 1
        if self._throttle is not None:
            await self._throttle.observe(response.status_code, response.headers)
        if response.is_success:
            return responses.json_object(response)
        # DigitalOcean support asks for the x-request-id of a request that went wrong.
        log.warning(
            "digitalocean %s %s answered %s (x-request-id %s)",
            method,
            path,
            response.status_code,
            response.headers.get("x-request-id", "none"),
        )
        raise responses.error_for(response, what=request.what, now=self._clock())


def _next_page(body: dict[str, Any]) -> int | None:
    links = body.get("links") or {}
    pages = links.get("pages") or {} if isinstance(links, dict) else {}
    url = pages.get("next") if isinstance(pages, dict) else None
    if not isinstance(url, str):
        return None
    values = parse_qs(urlsplit(url).query).get("page")
    try:
        return int(values[0]) if values else None
    except ValueError:
        return None
