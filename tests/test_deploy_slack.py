"""The Slack app manifests, checked against a JSON schema of the fields they use."""

from __future__ import annotations

import json
import re
from typing import Any, get_args

import jsonschema
import pytest

from bot.domain.grammar import Command, Form, Help, Propose, parse
from bot.slack.blockkit.modal import SHORTCUT_ID
from tests.deploy_files import DATA, DELETE, DEPLOY, changed, load

BOT_SCOPES = {"commands", "chat:write", "chat:write.public", "usergroups:read"}
MANIFESTS = ["slack-manifest.yml", "slack-manifest.socket.yml"]
SLACK_SCHEMA: dict[str, Any] = json.loads((DATA / "slack_manifest.schema.json").read_text())


def manifest_errors(manifest: Any) -> list[str]:
    validator = jsonschema.Draft202012Validator(SLACK_SCHEMA)
    return [f"{e.json_path}: {e.message}" for e in validator.iter_errors(manifest)]


def strings(node: Any) -> list[str]:
    if isinstance(node, dict):
        return [s for value in node.values() for s in strings(value)]
    if isinstance(node, list):
        return [s for value in node for s in strings(value)]
    return [node] if isinstance(node, str) else []


def sub_commands() -> list[tuple[str, type]]:
    """Every sub-command of the grammar, named after its command type (``Audit`` → ``audit``)."""
    # ``/rollback <app>`` and ``/rollback`` alone (the form) take no verb.
    return [
        (kind.__name__.lower(), kind) for kind in get_args(Command) if kind not in (Propose, Form)
    ]


def test_sub_commands_are_the_grammar_verbs() -> None:
    verbs = sub_commands()
    assert {verb for verb, _ in verbs} >= {"status", "history", "commit", "revert", "audit"}
    for verb, kind in verbs:
        parsed = parse(verb if kind is Help else f"{verb} sample-golang")
        assert type(parsed) is kind, verb


@pytest.mark.parametrize("name", MANIFESTS)
def test_slack_manifest_is_valid_and_asks_for_no_more_than_it_needs(name: str) -> None:
    jsonschema.Draft202012Validator.check_schema(SLACK_SCHEMA)
    manifest = load(DEPLOY / name)
    assert manifest_errors(manifest) == []
    assert set(manifest["oauth_config"]["scopes"]["bot"]) == BOT_SCOPES
    (command,) = manifest["features"]["slash_commands"]
    assert command["command"] == "/rollback"
    hinted = re.findall(r"(?:^|\| )([a-z]+)", command["usage_hint"])
    assert sorted(hinted) == sorted(verb for verb, _ in sub_commands())
    assert manifest["settings"]["interactivity"]["is_enabled"] is True
    # The Home tab, published when someone opens it (bot.slack.home_listeners).
    assert manifest["features"]["app_home"]["home_tab_enabled"] is True
    assert manifest["settings"]["event_subscriptions"]["bot_events"] == ["app_home_opened"]
    # The rollback form's shortcut (bot.slack.blockkit.modal.SHORTCUT_ID).
    (shortcut,) = manifest["features"]["shortcuts"]
    assert (shortcut["type"], shortcut["callback_id"]) == ("global", SHORTCUT_ID)
    assert shortcut["name"] == "Roll back an app"
    text = (DEPLOY / name).read_text()
    assert re.search(r"#.*ROLLBACK_APPROVERS[\s\S]*- usergroups:read", text), "say when to drop"


def test_http_and_socket_manifests_differ_only_in_transport() -> None:
    http, socket = (load(DEPLOY / name) for name in MANIFESTS)
    assert http["settings"]["socket_mode_enabled"] is False
    assert socket["settings"]["socket_mode_enabled"] is True
    urls = [s for s in strings(http) if s.startswith("http")]
    assert urls and all(url.endswith("/slack/events") for url in urls)
    assert not [s for s in strings(socket) if "://" in s]
    del http["features"]["slash_commands"][0]["url"]
    del http["settings"]["interactivity"]["request_url"]
    del http["settings"]["interactivity"]["message_menu_options_url"]
    del http["settings"]["event_subscriptions"]["request_url"]
    http["settings"]["socket_mode_enabled"] = True
    assert http == socket


@pytest.mark.parametrize(
    ("name", "path", "value"),
    [
        (MANIFESTS[0], ("features", "slash_commands", 0, "command"), "rollback"),
        (MANIFESTS[0], ("features", "slash_commands", 0, "usage_hint"), "x" * 1001),
        (MANIFESTS[0], ("features", "slash_commands", 0, "url"), DELETE),
        (MANIFESTS[0], ("oauth_config", "scopes", "bot", 1), "chat:wirte"),
        (MANIFESTS[0], ("display_information", "name"), "r" * 36),
        (MANIFESTS[0], ("settings", "interactivty"), {"is_enabled": True}),
        (MANIFESTS[1], ("features", "slash_commands", 0, "url"), "https://x.example/slack/events"),
        (MANIFESTS[0], ("settings", "event_subscriptions", "request_url"), DELETE),
        (MANIFESTS[1], ("settings", "event_subscriptions", "request_url"), "https://x.example/e"),
        (MANIFESTS[0], ("features", "app_home", "home_tab_enabld"), True),
        (MANIFESTS[0], ("features", "shortcuts", 0, "type"), "globl"),
        (MANIFESTS[0], ("features", "shortcuts", 0, "description"), "d" * 151),
        (MANIFESTS[0], ("settings", "interactivity", "message_menu_options_url"), "/slack/events"),
    ],
)
def test_slack_manifest_schema_rejects_a_broken_manifest(
    name: str, path: tuple[str | int, ...], value: object
) -> None:
    assert manifest_errors(changed(load(DEPLOY / name), path, value)) != []
