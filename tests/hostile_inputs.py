"""Hypothesis strategies for what a hostile or careless client sends the bot.

Shared by the fuzz of the parser and of the live ``/slack/events`` endpoint.
"""

from __future__ import annotations

import string

from hypothesis import strategies as st

# A command's text: a few words, some of them the grammar's own, some not.
WORDS = st.lists(
    st.sampled_from(["status", "history", "commit", "revert", "audit", "help", "sample-golang"])
    | st.text(alphabet=string.ascii_letters + string.digits + "-<>@`*_~", max_size=40),
    max_size=5,
).map(" ".join)

# Anything JSON can hold, a few levels deep.
JSONISH = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=10), inner, max_size=3)
    ),
    max_leaves=10,
)
# An interaction payload: every key optional, each value of the right shape or any other.
PAYLOADS = st.fixed_dictionaries(
    {},
    optional={
        "type": st.sampled_from(
            ["block_actions", "view_submission", "shortcut", "block_suggestion", "nonsense"]
        )
        | st.text(max_size=10),
        "user": JSONISH | st.fixed_dictionaries({"id": st.text(max_size=12)}),
        "actions": JSONISH
        | st.lists(
            st.fixed_dictionaries(
                {},
                optional={
                    "action_id": st.sampled_from(
                        ["rollback_approve", "rollback_cancel", "rollback_commit", "modal_app", "x"]
                    )
                    | st.text(max_size=10),
                    "value": JSONISH,
                },
            ),
            max_size=2,
        ),
        "container": JSONISH,
        # The rollback modal's payloads: its shortcut, menus and submission.
        "callback_id": st.sampled_from(["rollback_open", "rollback_request"]) | JSONISH,
        "action_id": st.sampled_from(["modal_app", "modal_target"]) | JSONISH,
        "value": JSONISH,
        "trigger_id": st.just("1.2.trigger") | JSONISH,
        "view": JSONISH
        | st.fixed_dictionaries(
            {"callback_id": st.just("rollback_request")},
            optional={
                "id": JSONISH,
                "hash": JSONISH,
                "private_metadata": JSONISH | st.just('{"channel": "C1", "app_ref": 5}'),
                "state": JSONISH
                | st.fixed_dictionaries({"values": st.dictionaries(st.text(max_size=12), JSONISH)}),
                "blocks": JSONISH,
            },
        ),
        "message": JSONISH,
        "response_url": st.just("http://127.0.0.1:9/nowhere") | st.text(max_size=10),
    },
)
