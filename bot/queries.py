"""Use cases that only read: status and history."""

from __future__ import annotations

from bot import blocks, reports
from bot.deps import Deps

_HISTORY_SIZE = 10


async def status(deps: Deps, *, app_ref: str | None) -> blocks.Message:
    if app_ref is None:
        return reports.overview(
            await deps.store.active_watches(), await deps.store.pending_cards(), deps.clock()
        )
    app = await deps.do.find_app(app_ref)
    watch = await deps.store.latest_rollback(app.id)
    return reports.app_status(app, watch, deps.clock())


async def history(deps: Deps, *, app_ref: str) -> blocks.Message:
    app = await deps.do.find_app(app_ref)
    deployments = await deps.do.list_deployments(app.id, limit=_HISTORY_SIZE)
    return reports.history(app, deployments, deps.clock())


async def audit(deps: Deps, *, app_ref: str | None) -> blocks.Message:
    return reports.audit_trail(await deps.audit.recent(app=app_ref), app_ref, deps.clock())
