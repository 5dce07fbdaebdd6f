"""``/rollback policy <app>``: the approval rule in force for an app (a read: the channel's
rules apply as to ``status``)."""

from __future__ import annotations

from bot.slack.blockkit import blocks
from bot.slack.blockkit.policy_answer import rule_in_force
from bot.usecases.dependencies import Deps
from bot.usecases.queries import app_to_read


async def policy(deps: Deps, *, app_ref: str, channel: str) -> blocks.Message:
    app = await app_to_read(deps, app_ref=app_ref, channel=channel)
    return rule_in_force(
        app_name=app.name,
        app_id=app.id,
        policy=deps.policy.policy,
        channels=deps.channels.where(app.name, app.id),
    )
