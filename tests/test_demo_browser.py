"""The demo page in a real browser: Debian's Chromium, headless, driven by Playwright."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from playwright.sync_api import expect, sync_playwright

from tests.demo_page import running_demo

ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

# Slack mrkdwn as the page renders it (the page's own ``mrkdwn`` function).
MRKDWN_CASES = [
    "*Live now:* `3db59f29` · <@UBOB>",
    "_Phase: PENDING_DEPLOY_",
    "keep sample_golang_app and 2 < 3 & <script>",
    "expires <!date^1700000000^{date_num}|14:35 UTC>",
    "<https://cloud.digitalocean.com|control panel> <!here>",
]
MRKDWN_EXPECTED = [
    '<b>Live now:</b> <code>3db59f29</code> · <span class="mention">@Bob</span>',
    "<i>Phase: PENDING_DEPLOY</i>",
    "keep sample_golang_app and 2 &lt; 3 &amp; &lt;script&gt;",
    "expires 2023-11-14",
    '<a href="https://cloud.digitalocean.com" target="_blank" rel="noopener">control panel</a>'
    ' <span class="mention">@here</span>',
]


def test_rollback_in_the_browser(redis_url: str) -> None:
    chromium = shutil.which("chromium")
    if chromium is None:
        pytest.fail(
            "Debian's chromium is not installed: run `apt-get install -y chromium` "
            "(.ci/run installs it)."
        )
    ARTIFACTS.mkdir(exist_ok=True)
    with running_demo(redis_url) as demo, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1440, "height": 900}, timezone_id="UTC")
            page.goto(demo.url)
            expect(page.locator("#user")).to_have_value("UALICE")
            assert page.evaluate(f"({MRKDWN_CASES}).map(mrkdwn)") == MRKDWN_EXPECTED

            page.locator("#input").fill("/rollback sample-golang")
            page.locator("#input").press("Enter")
            expect(page.get_by_text("Working on it…")).to_be_visible()
            approve = page.get_by_role("button", name="Approve rollback")
            expect(approve).to_be_visible()
            card = page.locator("#messages .msg").filter(has=approve)
            expect(card).to_contain_text("Requested by @Alice")  # <@UALICE> rendered readably
            expect(card.locator(".bk-context")).to_contain_text("expires")
            expect(card).not_to_contain_text("<!date")  # <!date^…|…> shown as a time
            expect(card.locator(".bk-header")).to_have_text("Rollback sample-golang?")
            expect(card.locator("code").first).to_be_visible()

            page.locator("#user").select_option("UBOB")
            # Alice's ephemeral messages are hers alone.
            expect(page.get_by_text("Working on it…")).to_have_count(0)
            approve.click()
            dialog = page.locator("dialog#confirm")
            expect(dialog).to_be_visible()
            expect(dialog.locator("h3")).to_have_text("Roll back now?")
            expect(dialog.get_by_role("button", name="Not now")).to_be_visible()
            dialog.get_by_role("button", name="Roll back").click()

            thread = page.locator("#thread")
            expect(thread.get_by_text("is live on the rollback")).to_be_visible(timeout=30_000)
            expect(thread).to_contain_text("Rollback started by @Bob")
            expect(thread.get_by_role("button", name="Commit")).to_be_visible()
            expect(page.locator("#messages")).to_contain_text("ACTIVE 6/6 steps")
            page.screenshot(path=str(ARTIFACTS / "demo.png"))
        finally:
            browser.close()
