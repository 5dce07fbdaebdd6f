"""Tests of "See changes": compare links from DigitalOcean's own example payloads and from the
simulator's answers, and the card line that shows them."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from bot.digitalocean.client import DigitalOceanClient
from bot.digitalocean.models import App, Deployment
from bot.digitalocean.transport import Transport
from bot.domain.changes import compare_links
from bot.domain.mrkdwn import slack_len
from bot.domain.records import CompareLink
from bot.domain.targets import default_target
from bot.sandbox.digitalocean import Simulator, create_app
from bot.slack.blockkit import limits
from bot.slack.blockkit.changes import see_changes
from tests.constants import DO_TOKEN
from tests.examples import raw

# The commits in DigitalOcean's examples: the app's live deployment and the listed one.
LIVE = "db6936cb46047c576962962eed81ad52c21f35d7"
TARGET = "9a4df0b8e161e323bc3cdf1dc71878080fe144fa"
OTHER = "54d4a727f457231062439895000d45437c7bb405"
EXAMPLE_REPO = "ChiefMateStarbuck/sample-golang"


def app_with(source: dict[str, Any] | None = None, *, extra: list[Any] | None = None) -> App:
    """The example app with its service's source replaced (None: as in the example)."""
    body = raw("app")["app"]
    if source is not None:
        service = body["spec"]["services"][0]
        service.pop("github")
        service.update(source)
    body["active_deployment"]["spec"] = body["spec"]
    body["spec"]["services"].extend(extra or [])
    return App.model_validate(body)


def target_of(app: App, commits: dict[str, str] | None = None) -> Deployment:
    """The example deployment, built from the app's spec with the given commits."""
    body = raw("deployment")["deployment"]
    body["spec"] = app.spec.model_dump()
    body["services"] = [
        {"name": name, "source_commit_hash": commit}
        for name, commit in (commits or {"web": TARGET}).items()
    ]
    return Deployment.model_validate(body)


def live_of(app: App, commits: dict[str, str] | None = None) -> Deployment:
    assert app.active_deployment is not None
    body = app.active_deployment.model_dump()
    if commits is not None:
        body["services"] = [{"name": n, "source_commit_hash": c} for n, c in commits.items()]
    return Deployment.model_validate(body)


def links_for(source: dict[str, Any]) -> tuple[CompareLink, ...]:
    app = app_with(source)
    return compare_links(spec=app.spec, live=live_of(app), target=target_of(app))


def test_the_examples_target_without_a_spec_links_in_the_apps_github_repo() -> None:
    app = app_with()
    body = raw("deployment")["deployment"]
    body.pop("spec")
    target = Deployment.model_validate(body)
    assert compare_links(spec=app.spec, live=app.active_deployment, target=target) == (
        CompareLink(
            component="web",
            url=f"https://github.com/{EXAMPLE_REPO}/compare/{TARGET}...{LIVE}",
            target_commit=TARGET,
            live_commit=LIVE,
        ),
    )


def test_the_examples_own_specs_name_two_repos_so_no_link_spans_them() -> None:
    # DigitalOcean's examples as they are: the deployment was built from
    # digitalocean/sample-golang, the live one from ChiefMateStarbuck/sample-golang.
    app = app_with()
    target = Deployment.model_validate(raw("deployment")["deployment"])
    assert target.spec is not None
    assert target.spec.services[0].github is not None
    assert target.spec.services[0].github.repo == "digitalocean/sample-golang"
    assert compare_links(spec=app.spec, live=app.active_deployment, target=target) == ()


@pytest.mark.parametrize(
    ("source", "url"),
    [
        (
            {"gitlab": {"repo": "acme/platform/sample-golang", "branch": "main"}},
            f"https://gitlab.com/acme/platform/sample-golang/-/compare/{TARGET}...{LIVE}",
        ),
        (
            {"bitbucket": {"repo": "acme/sample-golang", "branch": "main"}},
            f"https://bitbucket.org/acme/sample-golang/branches/compare/{LIVE}..{TARGET}",
        ),
        (
            # The clone URL of DigitalOcean's own list example.
            {"git": {"repo_clone_url": "https://github.com/digitalocean/sample-php.git"}},
            f"https://github.com/digitalocean/sample-php/compare/{TARGET}...{LIVE}",
        ),
        (
            {"git": {"repo_clone_url": "git@gitlab.com:acme/sample-golang.git"}},
            f"https://gitlab.com/acme/sample-golang/-/compare/{TARGET}...{LIVE}",
        ),
        (
            {"git": {"repo_clone_url": "ssh://git@bitbucket.org/acme/sample-golang.git"}},
            f"https://bitbucket.org/acme/sample-golang/branches/compare/{LIVE}..{TARGET}",
        ),
        (  # credentials in the clone URL stay out of the link
            {"git": {"repo_clone_url": "https://x-token:s3cr3t@GitHub.com/acme/app/"}},
            f"https://github.com/acme/app/compare/{TARGET}...{LIVE}",
        ),
    ],
)
def test_each_host_gets_its_own_compare_url(source: dict[str, Any], url: str) -> None:
    (link,) = links_for(source)
    assert link.url == url
    assert (link.component, link.target_commit, link.live_commit) == ("web", TARGET, LIVE)


@pytest.mark.parametrize(
    "source",
    [
        {"image": {"registry_type": "DOCR", "repository": "sample-golang", "tag": "latest"}},
        {"image": {"registry_type": "GHCR", "registry": "ghcr.io", "repository": "acme/app"}},
        {"git": {"repo_clone_url": "https://git.example.com/acme/sample-golang.git"}},
        {"git": {"repo_clone_url": "https://github.com:8443/acme/sample-golang.git"}},
        {"git": {"repo_clone_url": "http://github.com.evil.example/acme/app.git"}},
        {"github": {"repo": "acme/app><!channel>"}},
        {"github": {"repo": "acme/app|<https://evil.example|click>"}},
        {"github": {"repo": "../../evil.example/x"}},
        {"github": {"repo": "acme/app?tab=x"}},
        {"github": {"repo": "acme/app#x"}},
        {"github": {"repo": "acme/app/extra"}},
        {"github": {"repo": "acme app/x"}},
        {"github": {"repo": "acme"}},
        {"gitlab": {"repo": "//evil.example/x"}},
        {"github": {"repo": 42}},
        {"github": "digitalocean/sample-golang"},
        {},
    ],
)
def test_no_link_for_images_unknown_hosts_and_hostile_repo_names(
    source: dict[str, Any],
) -> None:
    assert links_for(source) == ()


def test_no_live_deployment_means_no_link() -> None:
    app = app_with()
    assert compare_links(spec=app.spec, live=None, target=target_of(app)) == ()


@pytest.mark.parametrize("hostile", ["", "9a4df0b<!here>", "9a4df", "HEAD~1", " "])
def test_a_missing_or_malformed_hash_gives_no_link(hostile: str) -> None:
    app = app_with()
    target = target_of(app, {"web": hostile})
    assert compare_links(spec=app.spec, live=live_of(app), target=target) == ()


def test_components_whose_commit_is_the_same_are_left_out() -> None:
    worker = {"name": "queue", "github": {"repo": "acme/queue"}}
    app = app_with(extra=[worker])
    live = live_of(app, {"web": LIVE, "queue": OTHER})
    same = target_of(app, {"web": LIVE.upper(), "queue": TARGET})
    (link,) = compare_links(spec=app.spec, live=live, target=same)
    assert link.component == "queue"
    assert link.url == f"https://github.com/acme/queue/compare/{TARGET}...{OTHER}"


def test_an_abbreviated_hash_of_the_same_commit_and_a_renamed_case_are_the_same() -> None:
    app = app_with()
    body = raw("deployment")["deployment"]
    body["spec"] = app.spec.model_dump()
    body["spec"]["services"][0]["github"]["repo"] = EXAMPLE_REPO.lower()
    body["services"] = [{"name": "web", "source_commit_hash": LIVE[:7]}]
    target = Deployment.model_validate(body)
    assert compare_links(spec=app.spec, live=live_of(app), target=target) == ()
    body["services"] = [{"name": "web", "source_commit_hash": TARGET}]
    (link,) = compare_links(
        spec=app.spec, live=live_of(app), target=Deployment.model_validate(body)
    )
    assert link.url.startswith(f"https://github.com/{EXAMPLE_REPO.lower()}/compare/")


def test_components_sharing_a_repo_and_commits_share_one_link_in_name_order() -> None:
    extra = [
        {"name": "zeta", "github": {"repo": "acme/zeta"}},
        {"name": "api", "github": {"repo": EXAMPLE_REPO}},
    ]
    app = app_with(extra=extra)
    commits = {"zeta": TARGET, "web": TARGET, "api": TARGET}
    live = live_of(app, {"web": LIVE, "api": LIVE, "zeta": OTHER})
    links = compare_links(spec=app.spec, live=live, target=target_of(app, commits))
    assert [(link.component, link.live_commit) for link in links] == [
        ("api, web", LIVE),
        ("zeta", OTHER),
    ]


def test_a_component_only_one_side_has_is_left_out() -> None:
    app = app_with(extra=[{"name": "new-worker", "github": {"repo": EXAMPLE_REPO}}])
    target = target_of(app, {"web": TARGET, "new-worker": TARGET})
    links = compare_links(spec=app.spec, live=live_of(app), target=target)
    assert [link.component for link in links] == ["web"]


def test_a_malformed_spec_reads_as_no_source_and_keeps_no_secret() -> None:
    body = raw("app")["app"]
    body["spec"]["services"] = [
        None,
        "web",
        {"name": "web", "github": ["x"], "image": {"registry_credentials": "user:dckr_pat_1"}},
    ]
    body["spec"]["workers"] = {"name": "not-a-list"}
    app = App.model_validate(body)
    (web,) = app.spec.components
    assert web.github is None and web.image is not None
    assert "dckr_pat" not in app.model_dump_json()


def link(component: str = "web", url: str = "") -> CompareLink:
    return CompareLink(
        component=component,
        url=url or f"https://github.com/{EXAMPLE_REPO}/compare/{TARGET}...{LIVE}",
        target_commit=TARGET,
        live_commit=LIVE,
    )


def test_the_card_line_labels_the_link_with_the_short_hashes_target_first() -> None:
    assert see_changes([link()]) == (
        f"*See changes:* web <https://github.com/{EXAMPLE_REPO}/compare/{TARGET}...{LIVE}"
        "|9a4df0b…db6936c>"
    )


def test_the_card_line_is_empty_without_links_and_skips_unlinkable_ones() -> None:
    assert see_changes([]) == ""
    assert see_changes([link(url="javascript:alert(1)"), link(url="https://x|y")]) == ""


def test_the_card_line_escapes_component_names() -> None:
    text = see_changes([link("<!channel>"), link("a&b")])
    assert text.startswith("*See changes:*\n&lt;!channel&gt; <https://")
    assert "\na&amp;b <https://" in text and "<!channel>" not in text


def test_the_card_line_fits_a_section_and_says_how_many_it_left_out() -> None:
    names = ", ".join(f"component-{i:02}" for i in range(60))
    links = [link(f"{names}-{i}") for i in range(40)]
    text = see_changes(links)
    assert slack_len(text) <= limits.SECTION_TEXT
    assert text.endswith("more")
    assert text.count("<https://") + int(text.rsplit(" ", 2)[-2]) == 40
    assert all(line.endswith("…db6936c>") for line in text.splitlines()[1:-1])


async def test_the_simulators_target_and_live_deployment_give_a_github_link() -> None:
    sim = Simulator.with_sample_apps(token=DO_TOKEN)
    do = DigitalOceanClient(
        Transport(
            token=DO_TOKEN,
            base_url="http://sim",
            transport=httpx.ASGITransport(app=create_app(sim)),
        )
    )
    try:
        listed = {app.name: app async for app in do.iter_apps()}
        app = await do.find_app("sample-golang")
        deployments = await do.list_deployments(app.id, limit=100)
    finally:
        await do.aclose()
    assert listed["sample-golang"].spec == app.spec  # the list carries the source too
    live = app.active_deployment
    target = default_target(live, deployments)
    assert live is not None and target is not None
    (change,) = compare_links(spec=app.spec, live=live, target=target)
    live_commit = live.services[0].source_commit_hash
    target_commit = target.services[0].source_commit_hash
    assert live_commit != target_commit and len(live_commit) == 40
    assert change == CompareLink(
        component="web",
        url=f"https://github.com/digitalocean/sample-golang/compare/{target_commit}...{live_commit}",
        target_commit=target_commit,
        live_commit=live_commit,
    )
    assert see_changes([change]).endswith(f"|{target_commit[:7]}…{live_commit[:7]}>")
