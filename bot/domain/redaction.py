"""Secrets out of log text: what a build or deploy log may print that must not reach Slack.

Pure functions over text. A build log echoes environment variables, failing ``curl``
commands and clone URLs; anything that looks like a token, a key or a password is replaced
by ``[REDACTED]`` before the lines are quoted in a thread. The patterns err on the side of
hiding: a hidden harmless word costs less than a token shown to a whole channel.
"""

from __future__ import annotations

import re

REDACTED = "[REDACTED]"

_PRIVATE_KEY = re.compile(
    r"-----BEGIN[A-Z0-9 ]*PRIVATE KEY-----.*?(?:-----END[A-Z0-9 ]*PRIVATE KEY-----|\Z)",
    re.DOTALL,
)
"""A PEM private key block; an unterminated one (the log was clipped) is hidden to the end."""

_TOKENS = re.compile(
    r"""
    \b(?:
        do[opr]_v1_[A-Za-z0-9]+                 # DigitalOcean personal, OAuth, refresh
      | xox[abposre]-[A-Za-z0-9-]+               # Slack bot, user, app-level… tokens
      | xapp-[A-Za-z0-9-]+                       # Slack app-level tokens
      | gh[pousr]_[A-Za-z0-9]{20,}               # GitHub tokens
      | github_pat_[A-Za-z0-9_]{20,}             # GitHub fine-grained tokens
      | (?:AKIA|ASIA)[A-Z0-9]{16}                # AWS access key ids
    )
    """,
    re.VERBOSE,
)

_BEARER = re.compile(r"(?i)\b(authorization\s*[:=]\s*(?:bearer|basic|token)\s+)[^\s'\"]+")
"""An ``Authorization`` header echoed by ``curl -v`` or a failing HTTP client."""

_URL_CREDENTIALS = re.compile(r"(?i)\b([a-z][a-z0-9+.-]{0,30}://)[^/\s:@'\"]+:[^/\s@'\"]+@")
"""``https://user:password@host``: a clone URL or a database URL with its password."""

_ASSIGNED = re.compile(
    r"""(?ix)
    (
      [a-z0-9_.-]{0,40}
      (?:password|passwd|pwd|token|secret|api[_-]?key|access[_-]?key|private[_-]?key)
      [a-z0-9_.-]{0,40}
      ["']?\s*[:=]\s*
    )
    ("[^"\n]*"|'[^'\n]*'|[^\s"'&,;]+)
    """
)
"""``password=…``, ``API_KEY: …``, ``"secret": "…"``: the name says the value is secret.
Only the 40 characters before the word are matched (any longer name's start stays as it is),
so a long run of name characters cannot make the match quadratic."""

LINE_MOST = 2_000
"""Characters of one line looked at: a line is shown clipped far shorter anyway."""

KEY_LINES = 100
"""Lines read above the quoted ones, so a private key that begins above them (a 4096-bit
RSA key is about 50 lines) is still known for one and hidden."""


def redact(text: str) -> str:
    """``text`` with everything that looks like a secret replaced by ``[REDACTED]``."""
    text = _PRIVATE_KEY.sub(REDACTED, text)
    text = _URL_CREDENTIALS.sub(lambda m: f"{m.group(1)}{REDACTED}@", text)
    text = _BEARER.sub(lambda m: f"{m.group(1)}{REDACTED}", text)
    text = _TOKENS.sub(REDACTED, text)
    return _ASSIGNED.sub(_hide_value, text)


def _hide_value(match: re.Match[str]) -> str:
    value = match.group(2)
    quote = value[0] if value[0] in "\"'" else ""
    return f"{match.group(1)}{quote}{REDACTED}{quote}"


def last_lines(text: str, count: int) -> list[str]:
    """The last ``count`` non-empty lines of ``text``, secrets redacted. Only the end of
    the text is read (a log may be megabytes), with room above for a key block."""
    if count <= 0:
        return []
    raw = [line[:LINE_MOST].rstrip() for line in text.splitlines() if line.strip()]
    window = redact("\n".join(raw[-(count + KEY_LINES) :]))
    return [line for line in window.splitlines() if line.strip()][-count:]
