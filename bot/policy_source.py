"""The approval policy in force: ``ROLLBACK_POLICY_FILE`` over the settings' one rule."""

from __future__ import annotations

from pathlib import Path

from bot.domain.policy import Policy, from_settings
from bot.domain.policy_file import SETTING, parse_policy
from bot.errors import SettingsError
from bot.settings import Settings

MAX_BYTES = 1_000_000
"""A policy is a page of YAML; a bigger file is the wrong file (or a device)."""


def policy_of(settings: Settings) -> Policy:
    """The policy, or ``SettingsError`` in one sentence naming the file (and the line)."""
    base = from_settings(
        approvers=settings.rollback_approvers, self_approval=settings.rollback_allow_self_approval
    )
    source = settings.rollback_policy_file
    if not source:
        return base
    return parse_policy(_read(source), source=source, fallback=base.defaults)


def _read(source: str) -> str:
    path = Path(source)
    try:
        if not path.is_file():
            problem = "there is no such file" if not path.exists() else "it is not a file"
            raise SettingsError(f"{SETTING} {source} cannot be read: {problem}.")
        if path.stat().st_size > MAX_BYTES:
            raise SettingsError(f"{SETTING} {source} is over {MAX_BYTES:,} bytes: not a policy.")
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise SettingsError(f"{SETTING} {source} is not UTF-8 text.") from None
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise SettingsError(f"{SETTING} {source} cannot be read: {reason}.") from None
