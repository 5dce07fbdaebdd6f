"""``rollback-bot check``: are the settings and credentials good, and if not, what to fix.

One line per check on stdout (``ok   slack: …`` / ``FAIL redis: …``); exit status 0 when
every check passed, 1 otherwise. Lines name the setting to fix and never contain a
secret: errors are described by their kind, not by their text.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

import aiohttp
from redis.exceptions import RedisError
from slack_sdk.errors import SlackApiError, SlackClientError

from bot.digitalocean.client import DigitalOceanClient
from bot.digitalocean.transport import Transport
from bot.domain.policy_file import SETTING, every_id
from bot.entrypoints import placeholders
from bot.errors import DigitalOceanError, DONetworkError, SettingsError
from bot.policy_source import policy_of
from bot.settings import Settings, app_token, load_settings
from bot.slack.client import make_web_client
from bot.store import diagnosis, health
from bot.store.connect import connect

log = logging.getLogger(__name__)

REQUIRED_SCOPES = ("commands", "chat:write")
GROUP_SCOPE = "usergroups:read"
_TIMEOUT = 20.0  # seconds one check may take, retries included
_SLACK_TOKEN_ERRORS = frozenset(
    {"invalid_auth", "not_authed", "token_revoked", "token_expired", "account_inactive"}
)


@dataclass(frozen=True)
class Result:
    name: str
    ok: bool
    detail: str

    def line(self) -> str:
        return f"{'ok' if self.ok else 'FAIL':<4} {self.name}: {self.detail}"


Check = Callable[[Settings], Awaitable[Result]]


def main() -> int:
    try:
        settings = load_settings()
    except SettingsError as exc:
        print(Result("settings", False, exc.user_message).line(), flush=True)
        return 1
    _quiet_slack_sdk()
    results = asyncio.run(run(settings, report=lambda r: print(r.line(), flush=True)))
    return 0 if all(r.ok for r in results) else 1


async def run(settings: Settings, *, report: Callable[[Result], None]) -> list[Result]:
    """Run every check in order, reporting each as soon as it is done."""
    results = [settings_result(settings)]
    report(results[0])
    checks: list[tuple[str, Check]] = [("slack", slack)]
    if settings.slack_app_token is not None and results[0].ok:
        checks.append(("socket mode", socket_mode))
    checks += [("digitalocean", digitalocean), ("redis", redis_ping)]
    for name, check in checks:
        result = await _guarded(name, check, settings)
        report(result)
        results.append(result)
    return results


def _quiet_slack_sdk() -> None:
    """slack_sdk logs each retry at INFO ("A retry handler found: …"); a check's own line
    already says what went wrong, so those lines are noise here (unless LOG_LEVEL=DEBUG)."""
    if logging.getLogger().getEffectiveLevel() > logging.DEBUG:
        logging.getLogger("slack_sdk").setLevel(logging.WARNING)


async def _guarded(name: str, check: Check, settings: Settings) -> Result:
    needed = placeholders.NEEDED_BY.get(name)
    if needed in placeholders.placeholders(settings):
        return Result(name, False, f"not tried: {needed} holds a placeholder.")
    try:
        async with asyncio.timeout(_TIMEOUT):
            return await check(settings)
    except TimeoutError:
        return Result(name, False, f"no answer within {_TIMEOUT:.0f} s.")
    except Exception as exc:  # a check must report, not crash; the text may hold a secret
        log.debug("check %s failed", name, exc_info=True)
        return Result(name, False, f"unexpected error ({type(exc).__name__}).")


def settings_result(settings: Settings) -> Result:
    left = placeholders.placeholders(settings)
    if left:
        return Result("settings", False, placeholders.sentence(left))
    if settings.slack_app_token is not None:
        try:
            app_token(settings)
        except SettingsError as exc:
            return Result("settings", False, exc.user_message)
    try:
        policy = policy_of(settings)
    except SettingsError as exc:
        return Result("settings", False, exc.user_message)
    secret = settings.slack_signing_secret
    has_secret = secret is not None and bool(secret.get_secret_value())
    signing = "is set" if has_secret else "is not set (serve needs it)"
    socket = "is set" if settings.slack_app_token else "is not set (socket needs it)"
    read = f"loaded; SLACK_SIGNING_SECRET {signing}, SLACK_APP_TOKEN {socket}"
    if policy.source:
        read += f"; {SETTING} {policy.source} gives rules for {len(policy.apps)} app(s)"
    return Result("settings", True, read)


async def slack(settings: Settings) -> Result:
    client = make_web_client(
        token=settings.slack_bot_token.get_secret_value(),
        base_url=settings.slack_api_url,
        timeout=5,
    )
    try:
        response = await client.auth_test()
    except SlackApiError as exc:
        code = str(exc.response.get("error") or "unknown_error")
        if code in _SLACK_TOKEN_ERRORS:
            return Result(
                "slack",
                False,
                f"Slack rejected the bot token ({code}): an operator should check "
                "SLACK_BOT_TOKEN (the app's Bot User OAuth Token, xoxb-…).",
            )
        return Result("slack", False, f"Slack answered auth.test with {code}.")
    except (SlackClientError, aiohttp.ClientError, OSError, TimeoutError) as exc:
        return _unreachable("slack", "Slack", settings.slack_api_url, "SLACK_API_URL", exc)
    who = f"@{response.get('user')} in {response.get('team')}"
    header = _header(response.headers, "x-oauth-scopes")
    if header is None:
        return Result("slack", True, f"authenticated as {who} (scopes not reported, not checked)")
    scopes = [s.strip() for s in header.split(",") if s.strip()]
    missing = [s for s in required_scopes(_approver_ids(settings)) if s not in scopes]
    if missing:
        return Result(
            "slack",
            False,
            f"authenticated as {who}, but the token lacks the scope(s) {', '.join(missing)}: "
            "add them under OAuth & Permissions › Scopes and reinstall the app.",
        )
    return Result("slack", True, f"authenticated as {who} (scopes: {', '.join(scopes)})")


def required_scopes(approvers: tuple[str, ...]) -> list[str]:
    """Scopes the bot needs; reading user groups only when approvers name one (``S…``)."""
    needed = list(REQUIRED_SCOPES)
    if any(a.startswith("S") for a in approvers):
        needed.append(GROUP_SCOPE)
    return needed


def _approver_ids(settings: Settings) -> tuple[str, ...]:
    """The ids the policy in force names (the settings' alone when its file is bad: the
    settings line already says what is wrong with it)."""
    try:
        return every_id(policy_of(settings))
    except SettingsError:
        return settings.rollback_approvers


async def socket_mode(settings: Settings) -> Result:
    """Can the app-level token open a Socket Mode connection? (The URL is not used.)"""
    client = make_web_client(token=None, base_url=settings.slack_api_url, timeout=5)
    try:
        await client.apps_connections_open(app_token=app_token(settings))
    except SlackApiError as exc:
        code = str(exc.response.get("error") or "unknown_error")
        return Result(
            "socket mode",
            False,
            f"Slack rejected SLACK_APP_TOKEN ({code}): an operator should check that it is "
            "the app-level token with the connections:write scope and that Socket Mode "
            "is enabled for the app.",
        )
    except (SlackClientError, aiohttp.ClientError, OSError, TimeoutError) as exc:
        return _unreachable("socket mode", "Slack", settings.slack_api_url, "SLACK_API_URL", exc)
    return Result("socket mode", True, "SLACK_APP_TOKEN can open a connection")


async def digitalocean(settings: Settings) -> Result:
    do = DigitalOceanClient(
        Transport(
            token=settings.digitalocean_token.get_secret_value(),
            base_url=settings.digitalocean_api_url,
            timeout=5.0,
            retry_attempts=1,  # an answer now beats a patient one here
        )
    )
    try:
        async for _ in do.iter_apps(per_page=1):
            break  # one page answers the question
    except DONetworkError as exc:
        # The client raises ``from None``; the httpx error it replaced says what happened.
        cause = exc.__context__ if exc.__context__ is not None else exc
        url = settings.digitalocean_api_url
        return _unreachable("digitalocean", "DigitalOcean", url, "DIGITALOCEAN_API_URL", cause)
    except DigitalOceanError as exc:
        return Result("digitalocean", False, exc.user_message)
    finally:
        await do.aclose()
    return Result(
        "digitalocean", True, f"the token can read apps at {_public(settings.digitalocean_api_url)}"
    )


async def redis_ping(settings: Settings) -> Result:
    where = health.location(settings.redis_url)
    try:
        client = connect(settings, socket_timeout=3.0, socket_connect_timeout=3.0)
    except ValueError:
        return Result("redis", False, "REDIS_URL is not a redis://, rediss:// or unix:// URL.")
    try:
        await client.ping()
        found = await health.verdict(client, where=where, cluster=settings.redis_cluster)
    except (RedisError, OSError) as exc:
        return Result("redis", False, await diagnosis.explain(settings.redis_url, exc))
    finally:
        await client.aclose()
    if found.problem is not None:
        return Result("redis", False, found.problem)
    said = found.role.value if found.role is not health.Role.UNKNOWN else "its role unknown"
    return Result("redis", True, f"answered at {where} ({said})")


def _public(url: str) -> str:
    """An API base URL fit to print: any ``user:password@`` part is dropped."""
    parts = urlsplit(url)
    if "@" not in parts.netloc:
        return url
    return parts._replace(netloc=parts.netloc.rpartition("@")[2]).geturl()


def _header(headers: Mapping[str, str] | None, name: str) -> str | None:
    for key, value in (headers or {}).items():
        if key.lower() == name:
            return str(value)
    return None


def _unreachable(name: str, what: str, url: str, setting: str, exc: BaseException) -> Result:
    return Result(
        name,
        False,
        f"could not reach {what} at {_public(url)} ({type(exc).__name__}): "
        f"check {setting} and the network.",
    )
