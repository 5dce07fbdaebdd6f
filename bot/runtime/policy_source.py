"""The approval policy in force, from the settings (and, later, ``ROLLBACK_POLICY_FILE``)."""

from __future__ import annotations

from bot.domain.policy import Policy, from_settings
from bot.settings import Settings


def policy_of(settings: Settings) -> Policy:
    return from_settings(
        approvers=settings.rollback_approvers, self_approval=settings.rollback_allow_self_approval
    )
