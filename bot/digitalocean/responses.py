"""DigitalOcean's answers read: a JSON object, or the typed error (``bot.errors``) whose
sentence tells a person what went wrong and what to do."""

from __future__ import annotations

import math
from typing import Any

import httpx

from bot.domain import mrkdwn
from bot.errors import (
    DigitalOceanError,
    DOAuthError,
    DONotFoundError,
    DORateLimitedError,
    DORequestError,
    DOServerError,
)

_DETAIL_CHARS = 300


def json_object(response: httpx.Response) -> dict[str, Any]:
    if not response.content:
        return {}
    try:
        body = response.json()
    except ValueError:
        raise DOServerError(
            "DigitalOcean sent a response that is not JSON.", status=response.status_code
        ) from None
    return body if isinstance(body, dict) else {}


def error_for(response: httpx.Response, *, what: str, now: float) -> DigitalOceanError:
    status = response.status_code
    try:
        body = response.json()
        detail = str(body.get("message", "")).strip() if isinstance(body, dict) else ""
    except ValueError:
        detail = ""
    # DigitalOcean's words go to Slack inside our sentence: shown as typed, never as a
    # mention or a link, and short enough for any message they end up in.
    detail = mrkdwn.escape(detail[:_DETAIL_CHARS] + ("…" if len(detail) > _DETAIL_CHARS else ""))
    if status == 401:
        return DOAuthError(
            "DigitalOcean rejected the bot's API token (401 Unauthorized): "
            "an operator should check DIGITALOCEAN_TOKEN.",
            status=status,
        )
    if status == 403:
        return DOAuthError(
            "DigitalOcean refused the request (403 Forbidden): the bot's token needs "
            "the app:read and app:update scopes.",
            status=status,
        )
    if status == 404:
        return DONotFoundError(f"DigitalOcean could not find {what} (404 Not Found).", status=404)
    if status == 429:
        return _rate_limited(response.headers, now=now)
    if status >= 500:
        return DOServerError(
            f"DigitalOcean had a server error (HTTP {status}); try again shortly.", status=status
        )
    suffix = f": {detail}" if detail else "."
    return DORequestError(
        f"DigitalOcean refused the request (HTTP {status}){suffix}", status=status
    )


def _rate_limited(headers: httpx.Headers, *, now: float) -> DORateLimitedError:
    retry_after = _seconds(headers.get("retry-after"))
    if retry_after is not None:  # the burst limit (250 a minute)
        return DORateLimitedError(
            "DigitalOcean's API rate limit was reached. "
            f"Try again in {max(1, math.ceil(retry_after))} s.",
            retry_after=retry_after,
        )
    # The hourly limit (5,000 an hour per token): the next request may go when the oldest
    # of the hour expires, which ratelimit-reset tells.
    reset = _seconds(headers.get("ratelimit-reset"))
    left = max(1, math.ceil(reset - now)) if reset is not None else 0
    when = (f" in about {left} s" if left < 120 else f" in about {left // 60} min") if left else ""
    return DORateLimitedError(
        "The hourly DigitalOcean API rate limit of the bot's token is used up (other tools "
        f"may share the token); it frees up{when}. Nothing was done: try again then."
    )


def _seconds(value: str | None) -> float | None:
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None
