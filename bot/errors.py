"""The bot's typed errors: every exception class of production code is here.

Grouped the way httpx groups its exceptions: one base class, one branch per outside
system, and leaves that say what went wrong. Every error carries ``user_message``, a
sentence fit to show in Slack (or to an operator): it never contains a token, a secret
or a traceback.

The hierarchy (the sandbox keeps its own errors: it imports no production code):

* BotError
  + SettingsError
  + UsageError
    - FieldError
  + DigitalOceanError
    - DOAuthError
    - DONotFoundError
    - DORequestError
    - DOTransientError
      · DORateLimitedError
      · DOServerError
        · DOMalformedError
      · DONetworkError
      · DOBudgetError
    - DOUncertainError
  + SlackError
  + LeaseLostError
  + StoreUnavailableError
  + ListenError
  + SocketModeError
  + Refused
"""

from __future__ import annotations


class BotError(Exception):
    """Base class of every error the bot raises on purpose."""

    def __init__(self, user_message: str) -> None:
        super().__init__(user_message)
        self.user_message = user_message


class SettingsError(BotError):
    """A setting is missing or malformed; start-up stops with this one sentence."""


class UsageError(BotError):
    """The user asked for something the bot cannot do as asked."""


class FieldError(UsageError):
    """A refusal about one field of the rollback modal, shown under that field."""

    def __init__(self, user_message: str, *, field: str) -> None:
        super().__init__(user_message)
        self.field = field


# --- DigitalOcean -------------------------------------------------------------------


class DigitalOceanError(BotError):
    """Base class for failures talking to the DigitalOcean API."""

    def __init__(self, user_message: str, *, status: int | None = None) -> None:
        super().__init__(user_message)
        self.status = status


class DOAuthError(DigitalOceanError):
    """401/403: the token is wrong, expired or lacks a scope."""


class DONotFoundError(DigitalOceanError):
    """404: the app or deployment does not exist (or the token cannot see it)."""


class DORequestError(DigitalOceanError):
    """Another 4xx: DigitalOcean refused the request as made."""


class DOTransientError(DigitalOceanError):
    """A failure worth retrying later: rate limit, server error or network trouble."""


class DORateLimitedError(DOTransientError):
    """429: too many requests; ``retry_after`` says how long to wait, when known."""

    def __init__(self, user_message: str, *, retry_after: float | None = None) -> None:
        super().__init__(user_message, status=429)
        self.retry_after = retry_after


class DOServerError(DOTransientError):
    """5xx from DigitalOcean."""


class DONetworkError(DOTransientError):
    """The request did not complete: connection refused, reset or timed out."""


class DOMalformedError(DOServerError):
    """DigitalOcean answered 2xx with a body the bot cannot read (a field missing or null)."""


class DOBudgetError(DOTransientError):
    """The bot's share of DigitalOcean's rate limit is used up for longer than the caller
    may wait; ``frees_at`` (epoch seconds) is when the next request may go."""

    def __init__(self, user_message: str, *, frees_at: float) -> None:
        super().__init__(user_message, status=None)
        self.frees_at = frees_at


class DOUncertainError(DigitalOceanError):
    """A POST failed in a way that may still have taken effect; check state before resending."""


# --- Slack and Redis -----------------------------------------------------------------


class SlackError(BotError):
    """A Slack Web API call failed after its retries.

    ``code`` is Slack's error code (``channel_not_found``, ``not_in_channel``,
    ``invalid_blocks``, ``ratelimited``…) when Slack answered, "" when it could not be reached.
    """

    def __init__(self, user_message: str, *, code: str = "") -> None:
        super().__init__(user_message)
        self.code = code


class LeaseLostError(BotError):
    """Another replica now follows this watch; this one must stop."""

    def __init__(self, deployment_id: str) -> None:
        super().__init__(f"The watch of deployment {deployment_id} moved to another replica.")


class StoreUnavailableError(BotError):
    """Redis could not be reached or answered with an error."""

    def __init__(self) -> None:
        super().__init__(
            "The bot's state store (Redis) is unavailable right now, so nothing was done. "
            "Try again in a minute."
        )


# --- serving -------------------------------------------------------------------------


class ListenError(BotError):
    """The port could not be taken; the message says which and why."""


class SocketModeError(BotError):
    """Socket Mode cannot run as configured; the message is one sentence for the operator."""


class Refused(BotError):
    """A request answered with an error status before Bolt sees it.

    ``close``: the body was not read to its end, so the connection is closed after the
    answer ("Connection: close" ends it in h11) rather than the rest read and dropped.
    """

    def __init__(self, status: int, reason: str, *, close: bool = False) -> None:
        super().__init__(reason)  # a reason for the log, never shown to anyone
        self.status = status
        self.reason = reason
        self.close = close
