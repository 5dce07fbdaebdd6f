"""The demo's approval policy (``bot/sandbox/demo/policy.yaml``) as a user meets it: a
two-approval app, and Carol breaking the glass on her own rollback."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from tests.demo_page import Message, Page, buttons, page_of, running_demo

LIVE = "is live on the rollback"


@pytest.fixture
def page(redis_url: str) -> Iterator[Page]:
    with running_demo(redis_url) as demo, page_of(demo) as client:
        yield client


def _card(page: Page, user: str, app: str) -> Message:
    page.type(user, f"/rollback {app}")
    return page.wait(
        lambda: next(
            (
                m
                for m in page.messages(user)
                if f"Rollback {app}" in m["text"] and "rollback_approve" in buttons(m)
            ),
            None,
        )
    )


def _latest(page: Page, user: str, ts: str) -> Message:
    return next(m for m in page.messages(user) if m["ts"] == ts)


def test_the_two_approval_app_waits_for_its_second_approver(page: Page) -> None:
    card = _card(page, "UALICE", "sample-warn")
    assert "needs 2 approvals of <@UBOB>, <@UCAROL>" in json.dumps(card["blocks"])
    page.click("UBOB", card, "rollback_approve")

    def counted() -> Message | None:
        latest = _latest(page, "UBOB", card["ts"])
        return latest if "1 of 2 approvals" in json.dumps(latest["blocks"]) else None

    half = page.wait(counted)
    assert "rollback_approve" in buttons(half)  # still open for the second approver
    page.click("UCAROL", half, "rollback_approve")
    page.wait_reply("UCAROL", card["ts"], LIVE)
    assert "Approved by <@UBOB> and <@UCAROL>" in json.dumps(
        _latest(page, "UCAROL", card["ts"])["blocks"]
    )


def test_carol_on_call_breaks_the_glass_and_bob_acknowledges(page: Page) -> None:
    card = _card(page, "UCAROL", "sample-golang")
    page.click("UCAROL", card, "rollback_breakglass")
    form = page.wait_modal("UCAROL")
    texts = {"breakglass_reason_text": "checkout down, nobody else awake"}
    assert page.view("UCAROL", "submit", form, texts=texts)["ok"]
    review = page.wait_reply("UCAROL", card["ts"], "Review needed")
    assert "BREAK-GLASS" in json.dumps(_latest(page, "UCAROL", card["ts"])["blocks"])
    page.wait_reply("UCAROL", card["ts"], LIVE)
    page.click("UBOB", review, "review_acknowledge")
    page.wait(
        lambda: any(
            "Acknowledged by <@UBOB>" in json.dumps(r.get("blocks") or r["text"])
            for r in page.thread("UBOB", card["ts"])
        )
    )
