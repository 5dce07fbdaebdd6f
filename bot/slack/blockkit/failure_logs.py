"""The failing component's log, quoted in a failed watch's thread (pure).

The lines come already redacted (``bot.domain.redaction``); here they are escaped, their
backticks neutralised (one would end the code block early) and as many of the LAST lines
kept as fit in a section (3,000 characters): the end of a log is where it failed.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.domain.mrkdwn import clip, escape, slack_len
from bot.slack.blockkit import limits
from bot.slack.blockkit.blocks import Message, code, section

FENCE = "```"
LINE_SHOWN = 300
"""Visible characters of one log line: a minified bundle's line must not fill the reply."""

_TICK = "ˋ"  # MODIFIER LETTER GRAVE ACCENT: reads like a backtick, ends no code block


def _title(component: str, log_type: str) -> str:
    return f"{code(component)}'s {log_type.lower()} log"


def failure_log(*, component: str, log_type: str, lines: Sequence[str]) -> Message:
    """The last ``lines`` of ``component``'s ``log_type`` (BUILD, DEPLOY) log, in a code
    block."""
    shown = [escape(clip(line.replace("`", _TICK), LINE_SHOWN)) for line in lines]
    head = f"📄 The end of {_title(component, log_type)}:"
    room = limits.SECTION_TEXT - slack_len(head) - 2 * len(FENCE) - 3
    kept: list[str] = []
    used = 0
    for line in reversed(shown):
        used += slack_len(line) + 1
        if used > room:
            break
        kept.append(line)
    body = "\n".join(reversed(kept)) or " "
    text = f"{head}\n{FENCE}\n{body}\n{FENCE}"
    return Message(text=head, blocks=[section(text)])


def no_failure_log(*, component: str, log_type: str) -> Message:
    """A few words where no log could be had (none kept, never reached, unreachable)."""
    text = f"📄 No {log_type.lower()} log available for {code(component)}."
    return Message(text=text, blocks=[section(text)])
