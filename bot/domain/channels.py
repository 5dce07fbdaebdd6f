"""Channel rules (pure): which channel may act on, and read about, which app.

``ROLLBACK_CHANNELS`` maps a channel to the apps it may roll back (``*`` for every app);
no rules at all means every channel may act on every app.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from bot.domain.mrkdwn import escape

ALL_APPS = "*"


def allowed(
    rules: Mapping[str, Sequence[str]], *, channel: str, app_name: str, app_id: str = ""
) -> bool:
    """May ``channel`` act on (and so read about) this app under ``ROLLBACK_CHANNELS``?
    A record that names no app is shown only where every app is allowed."""
    return channel_refusal(rules, channel=channel, app=app_name, app_id=app_id) is None


def restricted(rules: Mapping[str, Sequence[str]], *, channel: str) -> bool:
    """Does ``channel`` see only some apps (so lists must be filtered for it)?"""
    return bool(rules) and ALL_APPS not in rules.get(channel, ())


def channel_refusal(
    rules: Mapping[str, Sequence[str]], *, channel: str, app: str | None, app_id: str = ""
) -> str | None:
    """Why ``channel`` may not act on ``app`` under ``ROLLBACK_CHANNELS``; None if it may."""
    if not rules:
        return None
    allowed = rules.get(channel)
    if allowed is None:
        return "Rollbacks are not enabled in this channel; ask in one of the bot's channels."
    if app is None or ALL_APPS in allowed or app in allowed or (app_id and app_id in allowed):
        return None
    return f"`{escape(app)}` cannot be rolled back from this channel."


def app_channel(rules: Mapping[str, Sequence[str]], *, app_name: str, app_id: str = "") -> str:
    """The channel ``ROLLBACK_CHANNELS`` gives the app by name (or id), the first listed; ""
    when none names it (a ``*`` channel is every app's, so it is nobody's in particular)."""
    for channel, apps in rules.items():
        if app_name in apps or (app_id and app_id in apps):
            return channel
    return ""


def allowed_anywhere(
    rules: Mapping[str, Sequence[str]], channels: Sequence[str]
) -> Callable[[str, str], bool]:
    """``allowed`` for many apps at once: whether any of ``channels`` may act on an app
    (name, id), the rules read into sets once (a menu filters hundreds of apps a keystroke)."""
    if not rules:
        return lambda _name, _id: True
    named = [frozenset(rules[c]) for c in channels if c in rules]
    if any(ALL_APPS in apps for apps in named):
        return lambda _name, _id: True
    return lambda name, app_id: any(name in apps or app_id in apps for apps in named)
