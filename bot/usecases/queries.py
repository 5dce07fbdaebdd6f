"""Use cases that only read: status, history and audit.

Each applies the channel's rules (``ROLLBACK_CHANNELS``) the way a proposal does: a
channel limited to some apps sees only those apps, and naming another one is refused in
one sentence (``find_app_here``). Without rules every channel sees every app.
"""

from __future__ import annotations

from bot.digitalocean.models import App
from bot.domain.channels import allowed, restricted
from bot.slack.blockkit import answers, blocks
from bot.store.reviews import Reviews
from bot.usecases.access import find_app_here
from bot.usecases.dependencies import Deps

_HISTORY_SIZE = 10
_AUDIT_SHOWN = 20
# Audit entries read to find ``_AUDIT_SHOWN`` a restricted channel may see: the stream is
# shared by every channel, so its newest entries may all be about other apps.
_AUDIT_SCAN = 1000


async def status(deps: Deps, *, app_ref: str | None, channel: str) -> blocks.Message:
    rules = deps.channels
    if app_ref is None:

        def here(app_name: str, app_id: str) -> bool:
            return allowed(rules, channel=channel, app_name=app_name, app_id=app_id)

        # A done rollback still having its health read is no longer in flight.
        watches = [
            w
            for w in await deps.store.active_watches()
            if not w.done and here(w.app_name, w.app_id)
        ]
        cards = [c for c in await deps.store.pending_cards() if here(c.app_name, c.app_id)]
        reviews = await Reviews(deps.store.client).open_reviews()
        shown = [r for r in reviews if here(r.app_name, r.app_id)]
        # Only cards that need several approvals have any to count.
        approvals = {
            c.id: await deps.store.approvals(c.id) for c in cards if c.approvals_needed > 1
        }
        return answers.overview(watches, cards, deps.clock(), shown, approvals=approvals)
    app = await app_to_read(deps, app_ref=app_ref, channel=channel)
    watch = await deps.store.latest_rollback(app.id)
    return answers.app_status(app, watch, deps.clock())


async def history(deps: Deps, *, app_ref: str, channel: str) -> blocks.Message:
    app = await app_to_read(deps, app_ref=app_ref, channel=channel)
    deployments = await deps.do.list_deployments(app.id, limit=_HISTORY_SIZE)
    return answers.history(app, deployments, deps.clock())


async def app_to_read(deps: Deps, *, app_ref: str, channel: str) -> App:
    """The app as the latest look saw it, when that is fresh (no DigitalOcean call), if
    ``channel`` may read about it; else the refusal as ``UsageError``."""
    return await find_app_here(
        deps.do,
        deps.channels,
        app_ref=app_ref,
        channel=channel,
        view=deps.watcher.view,
        as_listed=True,
    )


async def audit(deps: Deps, *, app_ref: str | None, channel: str) -> blocks.Message:
    rules = deps.channels
    if not restricted(rules, channel=channel):
        entries = await deps.audit.recent(app=app_ref, limit=_AUDIT_SHOWN)
        return answers.audit_trail(entries, app_ref, deps.clock())
    if app_ref is not None:
        # The trail itself is in Redis; DigitalOcean is asked only when the rule does not
        # list the app as typed, since only it knows the app's other name (a rule may list
        # the name and the person type the id, or the reverse).
        if not allowed(rules, channel=channel, app_name=app_ref, app_id=app_ref):
            await find_app_here(deps.do, rules, app_ref=app_ref, channel=channel)
        entries = await deps.audit.recent(app=app_ref, limit=_AUDIT_SHOWN)
        return answers.audit_trail(entries, app_ref, deps.clock())
    scanned = await deps.audit.recent(limit=_AUDIT_SCAN)
    seen = [e for e in scanned if allowed(rules, channel=channel, app_name=e.app, app_id=e.app_id)]
    return answers.audit_trail(seen[:_AUDIT_SHOWN], None, deps.clock())
