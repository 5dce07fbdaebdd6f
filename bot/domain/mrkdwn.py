"""Text that Slack renders (pure): escaping what the bot did not write, and clipping.

Slack's "Formatting text for app surfaces" reference: "there are three characters you
must convert to HTML entities… & → &amp;, < → &lt;, > → &gt;", because `<…>` is how
mrkdwn spells links, mentions (`<@U…>`) and broadcasts (`<!channel>`). Anything that
came from DigitalOcean, a user or a setting goes through ``escape`` before it is put
into a message, so it shows as typed and never pings or links.

Every Block Kit field has a length limit (``bot.slack.blockkit.limits``) and Slack refuses the whole
message (``invalid_blocks``) when one is exceeded, so every field goes through ``clip``
and every list of lines through ``clip_lines``.
"""

from __future__ import annotations

from collections.abc import Sequence

_ENTITIES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})
_ENTITY_NAMES = ("&amp;", "&lt;", "&gt;")
# The bot's own markup is short (`<@U…>`, `<!date^…|…>`, `<!subteam^…>`); a cut this
# close after its `<` is a cut inside it.
_MARKUP_OPENERS = ("<@", "<!", "<#", "<http")
_MARKUP_REACH = 100
ELLIPSIS = "…"


def escape(text: str) -> str:
    """``text`` as Slack should show it, literally: no mention, broadcast or link."""
    return text.translate(_ENTITIES)


def slack_len(text: str) -> int:
    """Length as Slack may count it: UTF-16 code units (an emoji like 🔄 counts 2).

    Slack's limits say "characters" without defining them; UTF-16 units are never fewer
    than code points, so staying under the limit in units stays under it either way.
    """
    if text.isascii():
        return len(text)
    return len(text.encode("utf-16-le")) // 2


def clip(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` (``slack_len``), ending in "…" when cut.

    Safe on escaped mrkdwn: it never ends inside an entity (``&am…``) nor inside the
    bot's own ``<@…>`` / ``<!…>`` markup, which Slack would show broken.
    """
    if slack_len(text) <= limit:
        return text
    if limit < slack_len(ELLIPSIS):
        return ""
    budget = limit - slack_len(ELLIPSIS)
    cut = min(len(text), budget)
    while (excess := slack_len(text[:cut]) - budget) > 0:
        cut -= excess  # each code point is 1 or 2 units: this never overshoots much
    cut = _outside_markup(text, cut)
    return text[:cut].rstrip() + ELLIPSIS


def _outside_markup(text: str, cut: int) -> int:
    """``cut`` moved back to before an entity or a `<…>` span that it would split."""
    amp = text.rfind("&", max(0, cut - len("&amp;") + 1), cut)
    if amp != -1 and any(text.startswith(e, amp) and amp + len(e) > cut for e in _ENTITY_NAMES):
        cut = amp
    opening = text.rfind("<", max(0, cut - _MARKUP_REACH), cut)
    if (
        opening != -1
        and text.startswith(_MARKUP_OPENERS, opening)
        and text.find(">", opening, cut) == -1
    ):
        cut = opening
    return cut


def shown(raw: str, limit: int) -> str:
    """Foreign ``raw`` text as shown in mrkdwn: at most ``limit`` visible characters, escaped.

    Clipped before escaping so ``limit`` counts what a reader sees; the escaped result
    may be longer, which the field's own ``clip`` then bounds.
    """
    return escape(clip(raw, limit))


def more(count: int) -> str:
    return f"… and {count} more"


def clip_lines(lines: Sequence[str], limit: int, *, footer: str = "") -> str:
    """``lines`` joined, as many whole lines as fit in ``limit``, then "… and K more".

    ``footer`` (e.g. the phase) always comes last. Lines are never cut in the middle,
    except a first line that alone is too long, so a list never ends in half a line.
    """
    tail = [footer] if footer else []
    whole = "\n".join([*lines, *tail])
    if slack_len(whole) <= limit:
        return whole
    reserve = sum(slack_len(t) + 1 for t in [more(len(lines)), *tail])
    budget = limit - reserve
    kept: list[str] = []
    used = -1  # the first line has no newline before it
    for line in lines:
        used += slack_len(line) + 1
        if used > budget:
            break
        kept.append(line)
    if not kept and lines and budget > 0:
        kept.append(clip(lines[0], budget))
    left_out = len(lines) - len(kept)
    return clip("\n".join([*kept, *([more(left_out)] if left_out else []), *tail]), limit)
