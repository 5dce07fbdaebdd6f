"""Escaping and clipping text for Slack (bot.domain.mrkdwn)."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from bot.domain.mrkdwn import clip, clip_lines, escape, shown, slack_len

# Text made of what breaks mrkdwn: entities' own characters, markup, a non-BMP emoji.
HOSTILE_CHARS = st.text(alphabet="<>&!@|`*_ ab;\n🔄", max_size=400)
BROKEN_ENTITY_AT_END = re.compile(r"&(a|am|amp|l|lt|g|gt)?…$")


def test_escape_turns_broadcasts_and_links_into_literal_text() -> None:
    assert escape("<!channel> deploy") == "&lt;!channel&gt; deploy"
    assert escape("<https://evil|click to approve>") == "&lt;https://evil|click to approve&gt;"
    assert escape("R&D `x` *b*") == "R&amp;D `x` *b*"


def test_clip_leaves_short_text_alone() -> None:
    assert clip("hello", 5) == "hello"
    assert clip("", 0) == ""


def test_clip_cuts_with_an_ellipsis_within_the_limit() -> None:
    clipped = clip("x" * 5000, 3000)
    assert clipped == "x" * 2999 + "…"
    assert slack_len(clipped) == 3000


def test_clip_never_ends_inside_an_entity_it_would_split() -> None:
    text = escape("ab<<<<")  # ab&lt;&lt;&lt;&lt;
    for limit in range(1, len(text)):
        clipped = clip(text, limit)
        assert slack_len(clipped) <= limit
        assert not BROKEN_ENTITY_AT_END.search(clipped), (limit, clipped)
    assert clip(text, 6) == "ab…"
    assert clip(text, 7) == "ab&lt;…"


def test_clip_does_not_cut_the_bots_own_markup_in_half() -> None:
    assert clip("approved by <@U12345678> just now", 20) == "approved by…"


def test_clip_counts_emoji_outside_the_bmp_as_two() -> None:
    # Slack may count UTF-16 code units; counting them keeps us under either reading.
    assert slack_len("🔄") == 2
    clipped = clip("🔄" * 10, 10)
    assert slack_len(clipped) <= 10 and clipped.endswith("…")


@given(HOSTILE_CHARS, st.integers(min_value=0, max_value=500))
def test_clipped_escaped_text_fits_and_has_no_broken_entity(raw: str, limit: int) -> None:
    escaped = escape(raw)
    clipped = clip(escaped, limit)
    assert slack_len(clipped) <= limit
    if clipped != escaped:
        body = clipped.removesuffix("…")
        assert escaped.startswith(body)
        assert re.search(r"&[a-z]*$", body) is None


def test_shown_clips_what_is_visible_then_escapes() -> None:
    assert shown("<!here> and more", 8) == "&lt;!here&gt;…"
    assert shown("a&b", 10) == "a&amp;b"


def test_clip_lines_keeps_everything_that_fits() -> None:
    assert clip_lines(["a", "b"], 100, footer="_end_") == "a\nb\n_end_"


def test_clip_lines_says_how_many_lines_it_left_out() -> None:
    lines = [f"line {i:04}" for i in range(5000)]
    text = clip_lines(lines, 3000, footer="_Phase: BUILDING_")
    assert slack_len(text) <= 3000
    kept = text.splitlines()
    assert kept[0] == "line 0000" and kept[-1] == "_Phase: BUILDING_"
    shown_count = len(kept) - 2
    assert kept[-2] == f"… and {5000 - shown_count} more"
    assert kept[:-2] == lines[:shown_count]


def test_clip_lines_clips_a_first_line_that_alone_is_too_long() -> None:
    text = clip_lines(["x" * 5000, "y"], 1000)
    assert slack_len(text) <= 1000
    assert text.startswith("xxx") and text.endswith("… and 1 more")


@given(
    st.lists(HOSTILE_CHARS.map(escape), max_size=60),
    st.integers(min_value=0, max_value=3000),
    HOSTILE_CHARS.map(escape),
)
def test_clip_lines_always_fits(lines: list[str], limit: int, footer: str) -> None:
    text = clip_lines(lines, limit, footer=footer)
    assert slack_len(text) <= limit
    assert not BROKEN_ENTITY_AT_END.search(text)
