"""The "See changes" links (pure): the git host's compare view between the target's and the live
deployment's commits, one link per component whose commit differs.

Where a component's code comes from: each deployment carries the ``spec`` it was built
from (``apps_deployment.yml``: ``spec: $ref app_spec.yml``), and its
``services[].source_commit_hash`` is "the commit hash of the repository that was used to
build this service", i.e. a commit of the repo in *that* spec. The app's own ``spec``
(``App.spec``) is the desired configuration now, which may name another repo than either
deployment was built from. So each side's repo is read from its own deployment's spec,
and the app's spec only stands in for a deployment that does not carry one. When the two
sides' repos differ (the app moved repos in between), a compare link across them would
be wrong, and the component is left out.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

from bot.digitalocean.models import AppSpec, ComponentSpec, Deployment
from bot.domain.records import CompareLink

GITHUB = "github.com"
GITLAB = "gitlab.com"
BITBUCKET = "bitbucket.org"

# One path segment of a repo name: GitHub owners are letters, digits and "-", repos add
# "." and "_"; GitLab and Bitbucket allow the same set. A leading letter or digit rules
# out "." and "..". Anything else (spaces, "<", "|", "@", "%", "?", "#") is refused, so a
# hostile spec can neither write mrkdwn nor point the link at another host or path.
_SEGMENT = r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,99}"
_OWNER_REPO = re.compile(rf"{_SEGMENT}/{_SEGMENT}")
# GitLab projects may sit in nested groups: group/subgroup/project.
_NESTED = re.compile(rf"{_SEGMENT}(?:/{_SEGMENT}){{1,20}}")
# Longer names exist nowhere in practice; the cap keeps one link well inside a section.
_NAME_LENGTH = 200
# A full or abbreviated git object name (SHA-1 or SHA-256).
_COMMIT = re.compile(r"[0-9a-fA-F]{7,64}")


def _github(repo: str, target: str, live: str) -> str:
    # GitHub: https://github.com/{owner}/{repo}/compare/{base}...{head} (hub-compare(1):
    # "$ hub compare v1.0..v1.1 > open https://github.com/OWNER/REPO/compare/v1.0...v1.1").
    return f"https://{GITHUB}/{repo}/compare/{target}...{live}"


def _gitlab(repo: str, target: str, live: str) -> str:
    # GitLab's "Compare revisions" page: https://gitlab.com/{namespace}/{project}/-/compare/
    # {from}...{to}, e.g. https://gitlab.com/gitlab-com/www-gitlab-com/-/compare/
    # ca5b7b2e008f97ed2646473345daaa399cbd3527...28106dce7c72895353fda477ab6627a555ca9e5a
    return f"https://{GITLAB}/{repo}/-/compare/{target}...{live}"


def _bitbucket(repo: str, target: str, live: str) -> str:
    # Bitbucket Cloud names the newer side first: /branches/compare/{head}..{base}, as in
    # https://bitbucket.org/dtkerr/lochac-sendb/branches/compare/v2.7.1..v2.7.0 (and
    # conventional-changelog's Bitbucket compareUrlFormat
    # ".../branches/compare/{{currentTag}}%0D{{previousTag}}"). Atlassian documents no
    # URL for this page; this is the shape its web UI answers.
    return f"https://{BITBUCKET}/{repo}/branches/compare/{live}..{target}"


_Compare = Callable[[str, str, str], str]
_HOSTS: dict[str, tuple[_Compare, re.Pattern[str]]] = {
    GITHUB: (_github, _OWNER_REPO),
    GITLAB: (_gitlab, _NESTED),
    BITBUCKET: (_bitbucket, _OWNER_REPO),
}


@dataclass(frozen=True)
class Repo:
    """A repo on a known host, its name validated for that host."""

    host: str
    name: str

    def same_as(self, other: Repo) -> bool:
        # The three hosts resolve owner and repo names regardless of case.
        return (self.host, self.name.lower()) == (other.host, other.name.lower())

    def compare_url(self, *, target: str, live: str) -> str:
        compare, _ = _HOSTS[self.host]
        return compare(self.name, target, live)


def repo_of(component: ComponentSpec) -> Repo | None:
    """Where ``component``'s code lives, when that is a repo on GitHub, GitLab or Bitbucket.

    None for an image, for a clone URL on another host, for no source at all, and for a
    repo name that is not a plain path (a hostile or mistyped spec).
    """
    if component.image is not None:
        return None
    for host, source in (
        (GITHUB, component.github),
        (GITLAB, component.gitlab),
        (BITBUCKET, component.bitbucket),
    ):
        if source is not None and source.repo:
            return _validated(host, source.repo)
    if component.git is not None and component.git.repo_clone_url:
        return _from_clone_url(component.git.repo_clone_url)
    return None


def _validated(host: str, name: str) -> Repo | None:
    name = name.strip().removesuffix(".git")
    _, pattern = _HOSTS[host]
    if len(name) > _NAME_LENGTH or not pattern.fullmatch(name):
        return None
    return Repo(host, name)


def _from_clone_url(url: str) -> Repo | None:
    """A repo from ``https://host/owner/name(.git)``, ``ssh://git@host/…`` or
    ``git@host:owner/name(.git)``; None on any other host or shape.

    Only the host and the path are kept: credentials in the URL never reach a link.
    """
    url = url.strip()
    scp = re.fullmatch(r"[A-Za-z0-9_.-]+@([A-Za-z0-9.-]+):(?!/)(.+)", url)
    if scp is not None:
        host, path = scp.group(1).lower(), scp.group(2)
    else:
        try:
            parts = urlsplit(url)
            port = parts.port
        except ValueError:
            return None
        if parts.scheme not in ("https", "ssh", "git") or port is not None:
            return None
        if parts.query or parts.fragment:
            return None
        host, path = (parts.hostname or ""), parts.path.removeprefix("/")
    if host not in _HOSTS:
        return None
    return _validated(host, path.rstrip("/"))


@dataclass(frozen=True)
class _Side:
    repo: Repo | None
    commit: str


def _sides(spec: AppSpec, deployment: Deployment) -> dict[str, _Side]:
    """Each named component of ``deployment``: its repo and commit."""
    own = {c.name: c for c in deployment.spec.components} if deployment.spec else {}
    fallback = {c.name: c for c in spec.components}
    sides: dict[str, _Side] = {}
    d = deployment
    for built in (*d.services, *d.workers, *d.jobs, *d.static_sites, *d.functions):
        source = own.get(built.name) or fallback.get(built.name)
        if not built.name or source is None:
            continue
        sides[built.name] = _Side(repo_of(source), built.source_commit_hash.strip().lower())
    return sides


def compare_links(
    *, spec: AppSpec, live: Deployment | None, target: Deployment
) -> tuple[CompareLink, ...]:
    """The "See changes" links for a rollback from ``live`` to ``target``.

    One link per component whose commit differs between the two and whose code lives in
    the same repo on GitHub, GitLab or Bitbucket on both sides. Left out: components with
    the same commit, a missing or malformed hash, an image source, an unknown host, a repo
    that changed in between, or present on one side only; all of them when there is no
    live deployment. ``spec`` is the app's spec, used only for a deployment that carries
    none of its own (see the module's docstring).

    Components that share one repo and the same two commits (a service and a worker
    built from one monorepo) get one link, its ``component`` naming them all
    ("api, worker"), so the card does not repeat a URL. Links come in the order of their
    first component's name, components in name order: the same input always renders
    the same card.
    """
    if live is None:
        return ()
    targets = _sides(spec, target)
    lives = _sides(spec, live)
    grouped: dict[str, list[str]] = {}
    commits: dict[str, tuple[str, str]] = {}
    for name in sorted(targets.keys() & lives.keys()):
        url = _url(targets[name], lives[name])
        if url is None:
            continue
        grouped.setdefault(url, []).append(name)
        commits[url] = (targets[name].commit, lives[name].commit)
    return tuple(
        CompareLink(
            component=", ".join(names),
            url=url,
            target_commit=commits[url][0],
            live_commit=commits[url][1],
        )
        for url, names in grouped.items()
    )


def _url(target: _Side, live: _Side) -> str | None:
    if target.repo is None or live.repo is None or not target.repo.same_as(live.repo):
        return None
    if not _commits_ok((target.commit, live.commit)) or _same_commit(target.commit, live.commit):
        return None
    return target.repo.compare_url(target=target.commit, live=live.commit)


def _same_commit(one: str, other: str) -> bool:
    # An abbreviated hash names the same commit as the full one it begins.
    return one.startswith(other) or other.startswith(one)


def _commits_ok(commits: Iterable[str]) -> bool:
    return all(_COMMIT.fullmatch(commit) for commit in commits)
