"""The App Platform app spec, checked against DigitalOcean's App Spec schema."""

from __future__ import annotations

import json
from typing import Any

import jsonschema
import pytest

from tests.deploy_files import DATA, DELETE, DEPLOY, ROOT, SECRET_KEYS, changed, load

TOKEN_KEYS = SECRET_KEYS - {"REDIS_URL"}
APP_SCHEMA: dict[str, Any] = json.loads((DATA / "do_app_spec.schema.json").read_text())


def spec_errors(spec: Any) -> list[str]:
    validator = jsonschema.Draft202012Validator(APP_SCHEMA)
    return [f"{e.json_path}: {e.message}" for e in validator.iter_errors(spec)]


def unknown_keys(instance: Any, schema: dict[str, Any], path: str = "$") -> list[str]:
    """Keys the App Spec schema does not declare, at any depth. The spec leaves
    additionalProperties open, so a misspelled key would otherwise pass unnoticed."""

    def branches(node: dict[str, Any]) -> list[dict[str, Any]]:
        while "$ref" in node:
            node = APP_SCHEMA["$defs"][node["$ref"].removeprefix("#/$defs/")]
        return [node, *(b for sub in node.get("allOf", []) for b in branches(sub))]

    found: list[str] = []
    nodes = branches(schema)
    if isinstance(instance, dict):
        known: dict[str, list[dict[str, Any]]] = {}
        for node in nodes:
            for key, sub in node.get("properties", {}).items():
                known.setdefault(key, []).append(sub)
        for key, value in instance.items() if known else ():
            if key not in known:
                found.append(f"{path}.{key}")
            for sub in known.get(key, []):
                found += unknown_keys(value, sub, f"{path}.{key}")
    elif isinstance(instance, list):
        for node in (n for n in nodes if "items" in n):
            for i, item in enumerate(instance):
                found += unknown_keys(item, node["items"], f"{path}[{i}]")
    return sorted(set(found))


def test_app_spec_schema_is_a_valid_json_schema() -> None:
    jsonschema.Draft202012Validator.check_schema(APP_SCHEMA)
    assert "7c1300c479fed9c353cda9fc21cd968619552304" in APP_SCHEMA["$comment"]


def test_app_spec_matches_digitaloceans_schema() -> None:
    spec = load(DEPLOY / "app.yaml")
    assert spec_errors(spec) == []
    assert unknown_keys(spec, APP_SCHEMA) == []


@pytest.mark.parametrize(
    ("path", "value", "expected"),
    [
        (("services", 0, "instance_count"), "2", "'2' is not of type 'integer'"),
        (("services", 0, "http_port"), 70000, "70000 is greater than the maximum"),
        (("databases", 0, "engine"), "MEMCACHED", "'MEMCACHED' is not one of"),
        (("services", 0, "envs", 0, "type"), "ENCRYPTED", "'ENCRYPTED' is not one of"),
        (("name",), DELETE, "'name' is a required property"),
    ],
)
def test_app_spec_validation_catches_a_broken_spec(
    path: tuple[str | int, ...], value: object, expected: str
) -> None:
    errors = spec_errors(changed(load(DEPLOY / "app.yaml"), path, value))
    assert any(expected in error for error in errors), errors


@pytest.mark.parametrize(
    ("path", "expected"),
    [(("servics",), "$.servics"), (("services", 0, "helth_check"), "$.services[0].helth_check")],
)
def test_unknown_keys_catches_a_misspelled_key(path: tuple[str | int, ...], expected: str) -> None:
    spec = changed(load(DEPLOY / "app.yaml"), path, {"http_path": "/healthz"})
    assert spec_errors(spec) == []  # the spec itself lets unknown keys through...
    assert unknown_keys(spec, APP_SCHEMA) == [expected]  # ...this check does not


def test_app_spec_runs_the_bot_with_secrets_and_managed_valkey() -> None:
    spec = load(DEPLOY / "app.yaml")
    (service,) = spec["services"]
    (database,) = spec["databases"]
    assert (ROOT / service["dockerfile_path"]).is_file()
    assert service["run_command"].split()[:2] == ["rollback-bot", "serve"]
    assert "--port 3000" in service["run_command"] and service["http_port"] == 3000
    assert service["health_check"]["http_path"] == "/healthz"
    envs = {env["key"]: env for env in service["envs"]}
    for key in TOKEN_KEYS:
        assert envs[key]["type"] == "SECRET"
        assert envs[key].get("value", "EV[").startswith("EV["), "no plaintext secret"
    assert database["engine"] in {"VALKEY", "REDIS"}
    assert envs["REDIS_URL"]["value"] == "${" + database["name"] + ".DATABASE_URL}"
