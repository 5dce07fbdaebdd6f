"""The approval policy in force: ``ROLLBACK_POLICY_FILE`` over the settings' one rule."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from bot.domain.policy import BreakGlass, Policy, Rule, from_settings
from bot.settings import AGE_UNITS, Settings


def policy_of(settings: Settings) -> Policy:
    base = from_settings(
        approvers=settings.rollback_approvers, self_approval=settings.rollback_allow_self_approval
    )
    if not settings.rollback_policy_file:
        return base
    path = Path(settings.rollback_policy_file)
    # Provisional reader (no validation yet): the strict one replaces it.
    data: dict[str, Any] = yaml.safe_load(path.read_text()) or {}
    defaults = _rule(data.get("defaults") or {}, base.defaults)
    apps = tuple(
        (str(ref), _rule(raw or {}, defaults)) for ref, raw in (data.get("apps") or {}).items()
    )
    glass = data.get("breakglass") or {}
    within = str(glass.get("review_within", "24h"))
    breakglass = BreakGlass(
        approvers=tuple(glass.get("approvers") or ()),
        review_within=float(int(within[:-1]) * AGE_UNITS[within[-1]]),
    )
    return Policy(defaults=defaults, apps=apps, breakglass=breakglass, source=str(path))


def _rule(raw: dict[str, Any], base: Rule) -> Rule:
    return Rule(
        approvals=int(raw.get("approvals", base.approvals)),
        approvers=tuple(raw.get("approvers", base.approvers)),
        self_approval=bool(raw.get("self_approval", base.self_approval)),
        channels=tuple(raw.get("channels", ())),
    )
