"""Settings, read from the environment (and a ``.env`` file) with pydantic-settings.

The names are a contract (the README lists them); operators and tests rely on them.
"""

from __future__ import annotations

import json
from typing import Annotated, Any
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from bot.errors import SettingsError


class Settings(BaseSettings):
    """Everything the bot can be configured with."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore", frozen=True)

    slack_bot_token: SecretStr
    slack_signing_secret: SecretStr | None = None
    slack_app_token: SecretStr | None = None
    slack_api_url: str = "https://slack.com/api/"

    digitalocean_token: SecretStr
    digitalocean_api_url: str = "https://api.digitalocean.com"
    digitalocean_requests_per_minute: int = Field(default=240, gt=1)
    digitalocean_requests_per_hour: int = Field(default=4500, gt=1)
    digitalocean_budget_window: float = Field(default=60.0, gt=0)
    """Seconds of DigitalOcean's minute (its hour is 60 of them). Only a benchmark or test
    that speeds up a simulated DigitalOcean's clock has reason to change it."""

    slack_channel_pace: float = Field(default=1.0, ge=0)
    """Posts a second the bot allows itself per Slack channel, all replicas together (Slack:
    "1 message per second to a specific channel, with short bursts"). 0 turns the pacing off,
    for a test or benchmark whose Slack stand-in does not pace."""

    redis_url: str = "redis://localhost:6379/0"
    redis_sentinels: Annotated[tuple[tuple[str, int], ...], NoDecode] = ()
    """``host:port,host:port``: Redis is the primary these sentinels name; REDIS_URL then
    gives only the db, the password and TLS."""
    redis_sentinel_service: str = Field(default="mymaster", min_length=1)
    redis_sentinel_password: SecretStr | None = None
    redis_cluster: bool = False
    """REDIS_URL names one node of a Redis Cluster; the client finds the others."""

    rollback_approvers: Annotated[tuple[str, ...], NoDecode] = ()
    rollback_allow_self_approval: bool = False
    rollback_channels: Annotated[dict[str, tuple[str, ...]], NoDecode] = Field(default_factory=dict)
    rollback_confirm_ttl: int = Field(default=900, gt=0)
    rollback_poll_interval: float = Field(default=5.0, gt=0)
    rollback_watch_timeout: int = Field(default=3600, gt=0)
    rollback_fleet_interval: float = Field(default=30.0, gt=0)
    rollback_require_reason: bool = False
    rollback_failure_log_lines: int = Field(default=40, ge=0, le=200)
    rollback_pin_reminders: Annotated[tuple[float, ...], NoDecode] = (1800.0, 7200.0)
    """Ages (seconds) of a pinned rollback at which its thread is reminded: ``30m,2h``
    in the environment (units s, m, h, d); empty: never."""
    rollback_notify_channel: str = ""
    """Where a rollback made outside the bot is announced when ROLLBACK_CHANNELS names no
    channel for its app; "" for nowhere."""
    rollback_verify_seconds: float = Field(default=120, ge=0)
    rollback_policy_file: str = ""
    """A YAML file of per-app approval rules (``bot.policy_source``); "" for none."""
    rollback_audit_maxlen: int = Field(default=10_000, gt=0)

    @field_validator("redis_url")
    @classmethod
    def _redis_url(cls, value: str) -> str:
        problem = redis_url_problem(value)
        if problem:
            raise ValueError(problem)
        return value

    @field_validator("rollback_approvers", mode="before")
    @classmethod
    def _split_ids(cls, value: Any) -> Any:
        if isinstance(value, str):
            return tuple(part.strip() for part in value.split(",") if part.strip())
        return value

    @field_validator("rollback_pin_reminders", mode="before")
    @classmethod
    def _parse_ages(cls, value: Any) -> Any:
        return parse_ages(value) if isinstance(value, str) else value

    @field_validator("redis_sentinels", mode="before")
    @classmethod
    def _parse_sentinels(cls, value: Any) -> Any:
        if isinstance(value, str):
            return tuple(_host_port(part) for part in value.split(",") if part.strip())
        return value

    @model_validator(mode="after")
    def _one_topology(self) -> Settings:
        if self.redis_sentinels and self.redis_cluster:
            raise ValueError("REDIS_SENTINELS and REDIS_CLUSTER=true cannot both be set")
        return self

    @field_validator("rollback_channels", mode="before")
    @classmethod
    def _parse_channels(cls, value: Any) -> Any:
        if isinstance(value, str):
            if not value.strip():
                return {}
            try:
                return json.loads(value)
            except json.JSONDecodeError as exc:
                raise ValueError("must be a JSON object of channel id to list of apps") from exc
        return value


AGE_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_ages(text: str) -> tuple[float, ...]:
    """``90s,30m,2h,1d`` as seconds, smallest first, each once; "" as none."""
    ages: set[float] = set()
    for part in (p.strip().lower() for p in text.split(",")):
        if not part:
            continue
        number, unit = part[:-1].strip(), part[-1:]
        if unit not in AGE_UNITS or not number.isdigit() or int(number) == 0:
            raise ValueError(
                "must be a comma-separated list of ages such as 30m,2h "
                "(a whole number followed by s, m, h or d)"
            )
        ages.add(float(int(number) * AGE_UNITS[unit]))
    return tuple(sorted(ages))


REDIS_SCHEMES = ("redis", "rediss", "unix")


def redis_url_problem(url: str) -> str | None:
    """Why redis-py could not connect to ``url`` as written, or None; checked at start-up so
    that a bad URL is one sentence, not redis-py's traceback at the first command."""
    must = "it must be a redis://, rediss:// (TLS) or unix:// URL"
    parts = urlsplit(url)
    if parts.scheme not in REDIS_SCHEMES:
        if "sentinel" in parts.scheme:
            sentinel = "set REDIS_SENTINELS and keep REDIS_URL for the db and password"
            return f"{must}; for Sentinel, {sentinel}"
        return f"{must}, such as redis://localhost:6379/0"
    try:
        parts.port  # noqa: B018 (parsing it is the check)
    except ValueError:
        return f"{must} with a numeric port"
    db = parts.path.strip("/")
    if parts.scheme != "unix" and db and not db.isdigit():
        return f"{must} whose path is a database number (/0)"
    return None


def _host_port(text: str) -> tuple[str, int]:
    host, colon, port = text.strip().rpartition(":")
    if not colon or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError("must be a comma-separated list of host:port, like sentinel-1:26379")
    return host.strip("[]"), int(port)


APP_TOKEN_PREFIX = "xapp-"  # noqa: S105 - a prefix, not a token

_DESCRIPTIONS = {
    "slack_bot_token": "the Slack bot token (xoxb-…)",
    "slack_signing_secret": "the Slack signing secret",
    "digitalocean_token": "a DigitalOcean API token with app:read and app:update",
}


def load_settings(*, require_signing_secret: bool = False, **overrides: Any) -> Settings:
    """Read the settings, or raise ``SettingsError`` naming the first bad one in one sentence."""
    try:
        settings = Settings(**overrides)
    except ValidationError as exc:
        raise SettingsError(_describe(exc)) from None
    secret = settings.slack_signing_secret
    if require_signing_secret and (secret is None or not secret.get_secret_value()):
        raise SettingsError(
            "SLACK_SIGNING_SECRET is not set: set it to the app's signing secret "
            "(Slack app settings › Basic Information)."
        )
    return settings


def _describe(exc: ValidationError) -> str:
    error = exc.errors()[0]
    reason = error["msg"].removeprefix("Value error, ")
    if not error["loc"]:
        return f"{reason}."  # a rule across settings names them itself
    field = str(error["loc"][0])
    name = field.upper()
    if error["type"] == "missing":
        what = _DESCRIPTIONS.get(field, "a value")
        return f"{name} is not set: set it to {what}."
    # The input may be a secret, so only the reason is shown, never the value.
    return f"{name} is not valid: {reason}."


def app_token(settings: Settings) -> str:
    """The app-level token, or ``SettingsError`` naming SLACK_APP_TOKEN in one sentence."""
    secret = settings.slack_app_token
    token = secret.get_secret_value().strip() if secret is not None else ""
    if not token:
        raise SettingsError(
            "SLACK_APP_TOKEN is not set: set it to an app-level token (xapp-…) with the "
            "connections:write scope (Slack app settings › Basic Information › App-Level Tokens)."
        )
    if not token.startswith(APP_TOKEN_PREFIX):
        # Never echo the value: it may be another secret pasted into the wrong variable.
        raise SettingsError(
            "SLACK_APP_TOKEN is not valid: it must be an app-level token starting with xapp- "
            "(Slack app settings › Basic Information › App-Level Tokens)."
        )
    return token
