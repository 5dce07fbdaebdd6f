"""Archived log files: the pre-signed URLs that ``GET …/components/{name}/logs`` lists.

They point at object storage, not at the API: fetched by a client of their own that
never carries the DigitalOcean token (a pre-signed URL is its own credential, and S3
refuses a request that carries an ``Authorization`` header too), costs nothing of the
API's budget, follows no redirect, and is bounded in time and size. Only the end of an
oversized file is kept: that is where a build fails. The URLs are never logged (their
signature is a credential for as long as it lasts).
"""

from __future__ import annotations

import asyncio
import logging
from urllib.parse import urlsplit

import httpx

from bot.version import USER_AGENT

log = logging.getLogger(__name__)

MAX_BYTES = 2_000_000
TIMEOUT_SECONDS = 10.0


class LogArchive:
    def __init__(
        self,
        *,
        max_bytes: int = MAX_BYTES,
        timeout: float = TIMEOUT_SECONDS,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self._max_bytes = max_bytes
        self._timeout = timeout
        self._transport = transport

    async def fetch(self, url: str) -> str | None:
        """The file's text (its last ``max_bytes`` at most), or None when it cannot be had
        (refused, missing, too slow, not an http(s) URL)."""
        parts = urlsplit(url)
        if parts.scheme not in ("https", "http") or not parts.hostname:
            log.warning("log archive: not an http(s) URL; skipped")
            return None
        try:
            async with asyncio.timeout(self._timeout):
                return await self._tail(url)
        except (TimeoutError, httpx.HTTPError) as exc:
            log.warning("log archive at %s: %s", parts.hostname, type(exc).__name__)
            return None

    async def _tail(self, url: str) -> str | None:
        # A client per fetch: a failed rollback is rare, and nothing outlives the fetch
        # (nor needs closing at shutdown).
        client = httpx.AsyncClient(
            headers={"User-Agent": USER_AGENT},
            timeout=self._timeout,
            follow_redirects=False,
            transport=self._transport,
        )
        async with client, client.stream("GET", url) as response:
            if not response.is_success:
                host = urlsplit(url).hostname
                log.warning("log archive at %s answered %s", host, response.status_code)
                return None
            kept = bytearray()
            async for chunk in response.aiter_bytes():
                kept += chunk
                if len(kept) > self._max_bytes:
                    del kept[: len(kept) - self._max_bytes]
        return kept.decode("utf-8", errors="replace")
