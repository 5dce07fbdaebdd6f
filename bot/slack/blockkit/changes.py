"""The card's "See changes" line (pure): one compare link per component, labelled with the
short hashes, target first (the commit the rollback goes to), then live."""

from __future__ import annotations

import re
from collections.abc import Sequence

from bot.domain.mrkdwn import ELLIPSIS, clip_lines, escape, shown
from bot.domain.records import CompareLink
from bot.slack.blockkit import limits

TITLE = "*See changes:*"
# Visible characters of a link's component names: several names when components share a
# link (``bot.domain.changes``), never so many that one link fills the section.
COMPONENTS_SHOWN = 200
SHORT_HASH = 7
# A link Slack can render: `|` ends the URL part of `<url|label>` and `>` the link, so a
# URL holding either (or whitespace) would spill into the text; such a link is skipped.
_LINKABLE = re.compile(r"https://[^\s|<>]+")


def see_changes(links: Sequence[CompareLink]) -> str:
    """The mrkdwn for a card section, "" when there is nothing to link.

    One link: ``*See changes:* web <url|7704be6…a1b2c3d>``; several: the title, then
    one per line. Within a section's limit: links that do not fit become "… and K more",
    never half a link.
    """
    entries = [_entry(link) for link in links if _LINKABLE.fullmatch(link.url)]
    if not entries:
        return ""
    gap = " " if len(entries) == 1 else "\n"
    budget = limits.SECTION_TEXT - len(TITLE) - len(gap)
    return f"{TITLE}{gap}{clip_lines(entries, budget)}"


def _entry(link: CompareLink) -> str:
    label = f"{_short(link.target_commit)}{ELLIPSIS}{_short(link.live_commit)}"
    return f"{shown(link.component, COMPONENTS_SHOWN)} <{escape(link.url)}|{label}>"


def _short(commit: str) -> str:
    return escape(commit[:SHORT_HASH])
