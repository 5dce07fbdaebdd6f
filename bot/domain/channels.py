"""Channel rules (pure): which channel may act on, and read about, which app.

``ROLLBACK_CHANNELS`` maps a channel to the apps it may roll back (``*`` for every app);
no rules at all means every channel may act on every app. An app whose policy rule lists
``channels`` (``ROLLBACK_POLICY_FILE``) is acted on from those channels only, whatever
``ROLLBACK_CHANNELS`` says of it, and they may act on it even where it lists them not.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from bot.domain.mrkdwn import escape
from bot.domain.policy import Policy

ALL_APPS = "*"


@dataclass(frozen=True, eq=False)
class ChannelRules:
    """``ROLLBACK_CHANNELS`` and the policy's channels per app, built once at wiring."""

    listed: Mapping[str, Sequence[str]] = field(default_factory=dict)
    """``ROLLBACK_CHANNELS``: channel id → app names/ids (``*``: all)."""
    policy: Policy = field(default_factory=Policy)
    _first: dict[str, int] = field(init=False, repr=False)
    """Each app ref's first place in the policy: ``own`` in O(1), as a menu asks it of
    thousands of apps a keystroke."""

    def __post_init__(self) -> None:
        first: dict[str, int] = {}
        for place, (ref, _) in enumerate(self.policy.apps):
            first.setdefault(ref, place)
        object.__setattr__(self, "_first", first)

    def own(self, app_name: str, app_id: str = "") -> tuple[str, ...]:
        """The channels the app's policy rule keeps it to; () when it keeps it to none."""
        # The first entry naming the app either way wins, as in ``Policy.rule_for``.
        places = [self._first.get(app_name), self._first.get(app_id) if app_id else None]
        found = [p for p in places if p is not None]
        if not found:
            return self.policy.defaults.channels
        return self.policy.apps[min(found)][1].channels

    def where(self, app_name: str, app_id: str = "") -> tuple[str, ...] | None:
        """The channels that may act on the app; None for any channel."""
        own = self.own(app_name, app_id)
        if own or not self.listed:
            return own or None
        return tuple(
            channel
            for channel, apps in self.listed.items()
            if ALL_APPS in apps or app_name in apps or (app_id and app_id in apps)
        )

    @property
    def kept(self) -> bool:
        """Does the policy keep some app to its own channels?"""
        return any(rule.channels for _, rule in self.policy.apps)

    def named(self) -> list[str]:
        """Every channel either source names, each once."""
        found = dict.fromkeys(self.listed)
        for _, rule in self.policy.apps:
            found.update(dict.fromkeys(rule.channels))
        return list(found)


def allowed(rules: ChannelRules, *, channel: str, app_name: str, app_id: str = "") -> bool:
    """May ``channel`` act on (and so read about) this app under ``ROLLBACK_CHANNELS``?
    A record that names no app is shown only where every app is allowed."""
    return channel_refusal(rules, channel=channel, app=app_name, app_id=app_id) is None


def restricted(rules: ChannelRules, *, channel: str) -> bool:
    """Does ``channel`` see only some apps (so lists must be filtered for it)?"""
    listed = rules.listed
    return rules.kept or (bool(listed) and ALL_APPS not in listed.get(channel, ()))


def channel_refusal(
    rules: ChannelRules, *, channel: str, app: str | None, app_id: str = ""
) -> str | None:
    """Why ``channel`` may not act on ``app``; None if it may."""
    own = rules.own(app, app_id) if app is not None else ()
    if own:
        if channel in own:
            return None
        there = ", ".join(f"<#{c}>" for c in own)
        return f"`{escape(app or '')}` can be rolled back only from {there}."
    if not rules.listed:
        return None
    allowed = rules.listed.get(channel)
    if allowed is None and channel not in rules.named():
        return "Rollbacks are not enabled in this channel; ask in one of the bot's channels."
    if app is None:
        return None
    # A channel only the policy names (allowed None) may act on its own apps, none other.
    allowed = allowed or ()
    if ALL_APPS in allowed or app in allowed or (app_id and app_id in allowed):
        return None
    return f"`{escape(app)}` cannot be rolled back from this channel."


def app_channel(rules: ChannelRules, *, app_name: str, app_id: str = "") -> str:
    """The channel ``ROLLBACK_CHANNELS`` gives the app by name (or id), the first listed
    that its policy channels allow, else its first policy channel; "" when none names it
    (a ``*`` channel is every app's, so it is nobody's in particular)."""
    own = rules.own(app_name, app_id)
    for channel, apps in rules.listed.items():
        if (app_name in apps or (app_id and app_id in apps)) and (not own or channel in own):
            return channel
    return own[0] if own else ""


def allowed_anywhere(rules: ChannelRules, channels: Sequence[str]) -> Callable[[str, str], bool]:
    """``allowed`` for many apps at once: whether any of ``channels`` may act on an app
    (name, id), the rules read into sets once (a menu filters hundreds of apps a keystroke)."""
    listed = _listed_anywhere(rules.listed, channels)
    if not rules.kept:
        return listed
    here = frozenset(channels)

    def allowed(name: str, app_id: str) -> bool:
        own = rules.own(name, app_id)
        return any(c in here for c in own) if own else listed(name, app_id)

    return allowed


def _listed_anywhere(
    rules: Mapping[str, Sequence[str]], channels: Sequence[str]
) -> Callable[[str, str], bool]:
    if not rules:
        return lambda _name, _id: True
    named = [frozenset(rules[c]) for c in channels if c in rules]
    if any(ALL_APPS in apps for apps in named):
        return lambda _name, _id: True
    return lambda name, app_id: any(name in apps or app_id in apps for apps in named)
