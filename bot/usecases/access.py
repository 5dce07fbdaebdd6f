"""Who may approve (users and user groups), and finding an app where a channel may act on it.

Group membership comes from Slack's ``usergroups.users.list``, cached in Redis for a
minute so a burst of clicks makes one call and a membership change applies quickly.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from bot.digitalocean.client import DigitalOceanClient
from bot.digitalocean.models import App
from bot.domain.channels import ChannelRules, channel_refusal
from bot.domain.policy import Policy, Rule
from bot.errors import BotError, SlackError, UsageError
from bot.fleet.fleet_view import FleetView
from bot.slack.client import Chat
from bot.store.redis_store import Store

log = logging.getLogger(__name__)


class Approvers:
    """A list of approvers; ``empty_means_anyone=False`` for a list that grants nothing
    when empty (break-glass)."""

    def __init__(
        self, *, ids: Sequence[str], chat: Chat, store: Store, empty_means_anyone: bool = True
    ) -> None:
        self._users = frozenset(i for i in ids if i[:1] in {"U", "W"})
        self._groups = tuple(i for i in ids if i.startswith("S"))
        self._chat = chat
        self._store = store
        self._empty_means_anyone = empty_means_anyone

    @property
    def anyone(self) -> bool:
        """No list configured: anyone may approve (but the requester, by default)."""
        return self._empty_means_anyone and not self._users and not self._groups

    def describe(self) -> str:
        who = [f"<@{u}>" for u in sorted(self._users)] + [f"<!subteam^{g}>" for g in self._groups]
        if who:
            return ", ".join(who)
        return "anyone but the requester" if self._empty_means_anyone else "nobody"

    async def includes(self, user: str) -> bool:
        if self.anyone or user in self._users:
            return True
        for group in self._groups:
            if user in await self._members(group):
                return True
        return False

    async def _members(self, group: str) -> list[str]:
        cached = await self._store.cached_group(group)
        if cached is not None:
            return cached
        try:
            members = await self._chat.group_members(group)
        except SlackError as exc:
            # Failing closed: an unreadable group grants nothing.
            log.error("could not read user group %s: %s", group, exc.user_message)
            return []
        await self._store.cache_group(group, members)
        return members


class Policies:
    """The approval policy in force, with its approver lists ready to ask Slack about."""

    def __init__(self, policy: Policy, *, chat: Chat, store: Store) -> None:
        self.policy = policy
        self._chat = chat
        self._store = store
        self._lists: dict[tuple[str, ...], Approvers] = {}
        self.breakglass = Approvers(
            ids=policy.breakglass.approvers, chat=chat, store=store, empty_means_anyone=False
        )

    def rule_for(self, *, app_name: str, app_id: str = "") -> Rule:
        return self.policy.rule_for(app_name=app_name, app_id=app_id)

    def approvers(self, rule: Rule) -> Approvers:
        found = self._lists.get(rule.approvers)
        if found is None:
            found = Approvers(ids=rule.approvers, chat=self._chat, store=self._store)
            self._lists[rule.approvers] = found
        return found

    def for_app(self, *, app_name: str, app_id: str = "") -> Approvers:
        return self.approvers(self.rule_for(app_name=app_name, app_id=app_id))


async def find_app_here(
    do: DigitalOceanClient,
    rules: ChannelRules,
    *,
    app_ref: str,
    channel: str,
    view: FleetView | None = None,
    as_listed: bool = False,
) -> App:
    """Resolve ``app_ref``, refusing (``UsageError``) an app this channel may not touch.

    With ``view``, a name is found in the latest look at the fleet when it is fresh,
    rather than in every page of DigitalOcean's list; ``as_listed`` answers with the app
    as that look saw it (what only reads), else DigitalOcean is asked for that app by id
    (what acts on it must see it as it is now)."""
    app = await _resolve(do, app_ref, view=view, as_listed=as_listed)
    refusal = channel_refusal(rules, channel=channel, app=app.name, app_id=app.id)
    if refusal is not None:
        raise UsageError(refusal)
    return app


async def _resolve(
    do: DigitalOceanClient, app_ref: str, *, view: FleetView | None, as_listed: bool
) -> App:
    listed = None
    if view is not None:
        try:
            listed = await view.find(app_ref)
        except BotError as exc:  # Redis away: DigitalOcean still knows
            log.warning("fleet view unread: %s", exc.user_message)
    if listed is None:
        return await do.find_app(app_ref)
    return listed if as_listed else await do.get_app(listed.id)
