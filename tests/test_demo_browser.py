"""The demo page in a real browser: Debian's Chromium, headless, driven by Playwright."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Locator, Page, expect, sync_playwright

from bot.sandbox.demo import Demo
from tests.demo_page import GOLANG_ID, running_demo

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


@pytest.fixture
def demo(redis_url: str) -> Iterator[Demo]:
    with running_demo(redis_url) as running:
        yield running


@pytest.fixture
def page(demo: Demo) -> Iterator[Page]:
    chromium = shutil.which("chromium")
    if chromium is None:
        pytest.fail(
            "Debian's chromium is not installed: run `apt-get install -y chromium` "
            "(.ci/run installs it)."
        )
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        try:
            opened = browser.new_page(viewport={"width": 1440, "height": 900}, timezone_id="UTC")
            opened.goto(demo.url)
            expect(opened.locator("#user")).to_have_value("UALICE")
            yield opened
        finally:
            browser.close()


def test_rollback_in_the_browser(page: Page) -> None:
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


def test_rollback_form_and_home_tab_in_the_browser(page: Page) -> None:
    page.get_by_role("button", name="/rollback", exact=True).click()  # the suggestion
    page.locator("#input").press("Enter")
    form = page.get_by_role("dialog", name="Roll back an app")
    expect(form).to_be_visible()
    app = form.get_by_label("App")
    app.fill("gol")
    options = form.get_by_role("option")
    expect(options).to_have_count(1)
    expect(options.first).to_contain_text("sample-golang")
    options.first.click()
    # The bot's views.update: the form again, its target menu now sample-golang's.
    target = form.locator(f'[id="field-target:{GOLANG_ID}"]')
    expect(target).to_be_visible()
    expect(app).to_have_value(re.compile(r"^sample-golang"))
    target.focus()
    expect(form.get_by_role("option").first).to_contain_text("(last good)")
    target.blur()
    form.get_by_label("Reason").fill("500s since 3db59f2")
    form.get_by_label("Incident link").fill("status page")
    form.get_by_role("button", name="Propose rollback").click()
    expect(form.locator(".field-error")).to_contain_text("must be an https:// address")
    form.get_by_label("Incident link").fill("https://status.example.com/incidents/42")
    page.screenshot(path=str(ARTIFACTS / "demo-modal.png"))
    form.get_by_role("button", name="Propose rollback").click()
    expect(form).to_have_count(0)

    card = page.locator("#messages .msg").filter(has_text="Rollback sample-golang")
    expect(card).to_contain_text("500s since 3db59f2")
    link = card.get_by_role("link", name="https://status.example.com/incidents/42")
    expect(link).to_be_visible()
    expect(card).to_contain_text("See changes")

    page.locator("#user").select_option("UBOB")
    page.get_by_role("button", name="rollback-bot").click()
    home = page.locator("#home-pane")
    expect(home).to_contain_text("Waiting for approval")
    expect(home).to_contain_text("requested by @Alice in #deploys")
    expect(home.get_by_role("button", name="Approve rollback")).to_be_visible()
    page.screenshot(path=str(ARTIFACTS / "demo-home.png"))


def _control_panel(page: Page) -> Locator:
    page.get_by_role("button", name="☁ Control panel").click()
    panel = page.get_by_role("complementary", name="DigitalOcean control panel")
    expect(panel).to_be_visible()
    panel.get_by_label("App").select_option(label="sample-golang")
    expect(panel.locator("#do-app-card")).to_contain_text("web 1/1 ready · HEALTHY")
    return panel


def test_a_rollback_from_the_control_panel_seen_in_the_channel(page: Page) -> None:
    panel = _control_panel(page)
    expect(panel.get_by_role("button", name="Commit")).to_be_disabled()  # nothing pinned
    panel.get_by_role("button", name="Roll back").click()
    expect(panel.locator("#do-said")).to_contain_text("Rolling sample-golang back to")
    told = page.locator("#messages .msg").filter(has_text="rolled back sample-golang")
    expect(told).to_contain_text("outside the bot", timeout=20_000)
    told.locator(".replies-link").click()
    thread = page.locator("#thread")
    expect(thread).to_contain_text("rolled back sample-golang")
    live = thread.locator(".msg").filter(has_text="sample-golang is live on the rollback")
    expect(live).to_be_visible(timeout=30_000)
    expect(live.get_by_role("button", name="Commit")).to_be_visible()
    expect(panel.locator("#do-app-card")).to_contain_text("Pinned")
    page.screenshot(path=str(ARTIFACTS / "demo-control-panel.png"))
    panel.get_by_role("button", name="Commit").click()
    expect(live).to_contain_text("Committed in the control panel", timeout=20_000)
    expect(live.get_by_role("button", name="Commit")).to_have_count(0)
    expect(panel.locator("#do-app-card")).not_to_contain_text("Pinned")


def test_a_failed_rollbacks_log_reads_as_a_code_block(page: Page) -> None:
    panel = _control_panel(page)
    panel.get_by_role("button", name="Make the next rollback fail").click()
    expect(panel.locator("#do-app-card")).to_contain_text("fails at its build")
    page.locator("#input").fill("/rollback sample-golang")
    page.locator("#input").press("Enter")
    page.locator("#user").select_option("UBOB")
    page.get_by_role("button", name="Approve rollback").click()
    page.locator("dialog#confirm").get_by_role("button", name="Roll back").click()
    log = page.locator("#thread pre").filter(has_text="ERROR: failed to build")
    expect(log).to_be_visible(timeout=30_000)
    expect(log).to_contain_text("DIGITALOCEAN_TOKEN=[REDACTED]")
    expect(log).not_to_contain_text("dop_v1_")
    # Forty lines, each its own line (not run together, not one per <br>).
    assert log.inner_text().strip("\n").count("\n") == 39
    assert log.evaluate("e => e.scrollWidth <= e.clientWidth")  # wrapped, not cut off
    page.screenshot(path=str(ARTIFACTS / "demo-failure-log.png"))


def test_a_bad_build_from_the_control_panel_brings_a_card(page: Page) -> None:
    panel = _control_panel(page)
    panel.get_by_role("button", name="Deploy a bad build").click()
    expect(panel.locator("#do-said")).to_contain_text("UNHEALTHY in 5 s")
    expect(panel.locator(".do-sick")).to_have_text("web 0/2 ready · UNHEALTHY", timeout=20_000)
    card = page.locator("#messages .msg").filter(has_text="Rollback sample-golang")
    expect(card).to_contain_text("web 0/2 ready since", timeout=30_000)
    expect(card).to_contain_text("went live just now")
    expect(card.get_by_role("button", name="Approve rollback")).to_be_visible()
    page.screenshot(path=str(ARTIFACTS / "demo-bad-deploy.png"))
