"""The Helm chart (deploy/helm/rollback-bot), linted and rendered by Helm itself (Helm's Go
SDK in the ``helm-python-sdk`` wheel, as ``helm lint`` and ``helm template`` would), every
rendered manifest validated against the Kubernetes API (kubernetes-validate, strict), and
what it runs compared with the kustomize manifests in deploy/k8s."""

from __future__ import annotations

import itertools
import json
import re
import shlex
from typing import Any

import helm_python
import kubernetes_validate  # type: ignore[import-untyped]
import pytest
import yaml

from tests.deploy_files import CHART, HELM_EXAMPLES, K8S, K8S_VERSION, ROOT, SECRET_KEYS, load
from tests.helm_chart import container, env, render

EXAMPLES = sorted(p.name for p in HELM_EXAMPLES.glob("*.yaml"))
CHART_SECRETS = {
    "SLACK_BOT_TOKEN": "xoxb-1-test",
    "SLACK_SIGNING_SECRET": "test-signing-secret",
    "DIGITALOCEAN_TOKEN": "dop_v1_test",
    "REDIS_URL": "rediss://default:pw@valkey.example.com:25061/0",
}


def example(name: str) -> dict[str, Any]:
    values: dict[str, Any] = load(HELM_EXAMPLES / name)
    return values


@pytest.mark.parametrize("values", [None, *EXAMPLES])
def test_helm_lint_finds_nothing(values: str | None) -> None:
    report = helm_python.lint(
        CHART, example(values) if values else None, strict=True, kube_version=f"v{K8S_VERSION}"
    )
    assert report["errors"] == []
    assert [m for m in report["messages"] if m["severity"] >= 2] == []  # warnings, errors


@pytest.mark.parametrize("values", [None, *EXAMPLES])
def test_every_rendered_manifest_is_valid_kubernetes(values: str | None) -> None:
    manifests = render(example(values) if values else None)
    assert {"Deployment", "Service", "PodDisruptionBudget"} <= manifests.keys()
    for kind, doc in manifests.items():
        if kind in {"NOTES", "ServiceMonitor"}:  # a CRD: checked in its own test
            continue
        assert kubernetes_validate.validate(doc, K8S_VERSION, strict=True) == "1.33", kind


def test_default_values_run_what_the_kustomize_manifests_run() -> None:
    manifests = render()
    assert manifests.keys() == {"NOTES", "Deployment", "Service", "PodDisruptionBudget"}
    kustomized = {
        doc["kind"]: doc for path in K8S.glob("*.yaml") for doc in yaml.safe_load_all(path.open())
    }
    ours, theirs = manifests["Deployment"]["spec"], kustomized["Deployment"]["spec"]
    assert ours["replicas"] == theirs["replicas"] == 2
    assert ours["strategy"] == theirs["strategy"]
    pod, their_pod = ours["template"]["spec"], theirs["template"]["spec"]
    for key in ("securityContext", "terminationGracePeriodSeconds", "volumes"):
        assert pod[key] == their_pod[key], key
    assert pod["automountServiceAccountToken"] is False
    bot, their_bot = container(manifests), kustomized["Deployment"]["spec"]["template"]["spec"]
    (their_bot,) = their_bot["containers"]
    assert bot["image"].endswith(":0.1.0")
    assert {k: v for k, v in bot.items() if k != "image"} == {
        k: v for k, v in their_bot.items() if k != "image"
    }
    service = manifests["Service"]["spec"]
    assert service["ports"] == kustomized["Service"]["spec"]["ports"]
    pdb = manifests["PodDisruptionBudget"]["spec"]
    assert pdb["minAvailable"] == kustomized["PodDisruptionBudget"]["spec"]["minAvailable"]
    assert "Secret rollback-bot" in manifests["NOTES"]
    assert "image.repository is still the placeholder" in manifests["NOTES"]


def test_selectors_match_the_pods() -> None:
    manifests = render(example("ingress-sentinel.yaml"))
    labels = manifests["Deployment"]["spec"]["template"]["metadata"]["labels"]
    selectors = [
        manifests["Deployment"]["spec"]["selector"]["matchLabels"],
        manifests["Service"]["spec"]["selector"],
        manifests["PodDisruptionBudget"]["spec"]["selector"]["matchLabels"],
        manifests["ServiceMonitor"]["spec"]["selector"]["matchLabels"],
    ]
    assert all(s and s.items() <= labels.items() for s in selectors)
    service_labels = manifests["Service"]["metadata"]["labels"]
    assert manifests["ServiceMonitor"]["spec"]["selector"]["matchLabels"].items() <= (
        service_labels.items()
    )


def test_ingress_example_exposes_only_slack_events_over_tls() -> None:
    manifests = render(example("ingress-sentinel.yaml"))
    ingress, service = manifests["Ingress"]["spec"], manifests["Service"]
    (rule,) = ingress["rules"]
    (tls,) = ingress["tls"]
    assert tls == {"hosts": [rule["host"]], "secretName": "rollback-bot-tls"}
    assert ingress["ingressClassName"] == "nginx"
    (path,) = rule["http"]["paths"]
    assert (path["path"], path["pathType"]) == ("/slack/events", "Exact")
    backend = path["backend"]["service"]
    assert backend["name"] == service["metadata"]["name"]
    assert backend["port"]["name"] in {p["name"] for p in service["spec"]["ports"]}
    assert f"https://{rule['host']}/slack/events" in manifests["NOTES"]
    (endpoint,) = manifests["ServiceMonitor"]["spec"]["endpoints"]
    assert endpoint["port"] in {p["name"] for p in service["spec"]["ports"]}
    assert endpoint["path"] == "/metrics"
    assert manifests["ServiceMonitor"]["apiVersion"] == "monitoring.coreos.com/v1"
    assert manifests["ServiceMonitor"]["metadata"]["labels"]["release"] == "prometheus"


def test_sentinel_example_sets_the_sentinel_settings() -> None:
    values = example("ingress-sentinel.yaml")
    settings = env(render(values))
    assert settings["REDIS_SENTINELS"] == values["redis"]["sentinels"]
    assert settings["REDIS_SENTINEL_SERVICE"] == "mymaster"
    password = settings["REDIS_SENTINEL_PASSWORD"]["secretKeyRef"]
    assert password == {"name": "rollback-bot", "key": "REDIS_SENTINEL_PASSWORD", "optional": True}
    assert "REDIS_CLUSTER" not in settings
    assert settings["ROLLBACK_CHANNELS"] == '{"C0123456789": ["*"]}'
    assert "REDIS_SENTINELS" not in env(render())


def test_secrets_come_from_the_existing_secret_by_default() -> None:
    settings = env(render({"existingSecret": "bot-tokens"}))
    from_secret = {k: v["secretKeyRef"] for k, v in settings.items() if isinstance(v, dict)}
    assert from_secret == {key: {"name": "bot-tokens", "key": key} for key in SECRET_KEYS}


def test_the_chart_makes_the_secret_when_told_to() -> None:
    values = {"existingSecret": "", "secrets": CHART_SECRETS}
    manifests = render(values)
    secret = manifests["Secret"]
    assert secret["stringData"] == CHART_SECRETS
    settings = env(manifests)
    assert all(settings[k]["secretKeyRef"]["name"] == "rollback-bot" for k in SECRET_KEYS)
    annotations = manifests["Deployment"]["spec"]["template"]["metadata"]["annotations"]
    changed = render({**values, "secrets": {**CHART_SECRETS, "DIGITALOCEAN_TOKEN": "dop_v1_b"}})
    new = changed["Deployment"]["spec"]["template"]["metadata"]["annotations"]
    assert re.fullmatch(r"[0-9a-f]{64}", annotations["checksum/secret"])
    assert new["checksum/secret"] != annotations["checksum/secret"]  # pods roll on a change


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"existingSecret": ""}, "secrets.SLACK_BOT_TOKEN is required when existingSecret is"),
        ({"ingress": {"enabled": True}}, "ingress.host is required when the Ingress is enabled"),
        (
            {"ingress": {"enabled": True, "host": "bot.example.com"}},
            "ingress.tlsSecretName is required: Slack calls only HTTPS URLs",
        ),
    ],
)
def test_missing_values_stop_the_render_with_a_sentence(
    values: dict[str, Any], message: str
) -> None:
    with pytest.raises(helm_python.HelmRenderError, match=re.escape(message)):
        render(values)


def test_one_replica_has_no_pdb_and_cluster_mode_is_a_setting() -> None:
    manifests = render({"replicaCount": 1, "redis": {"cluster": True}})
    assert "PodDisruptionBudget" not in manifests
    assert manifests["Deployment"]["spec"]["replicas"] == 1
    assert env(manifests)["REDIS_CLUSTER"] == "true"


def test_every_value_a_template_reads_is_in_values_yaml() -> None:
    defaults = load(CHART / "values.yaml")
    used = {
        match
        for path in (CHART / "templates").iterdir()
        for match in re.findall(r"\.Values((?:\.[A-Za-z_]+)+)", path.read_text())
    }
    assert len(used) > 20
    for dotted in sorted(used):
        node = defaults
        for key in dotted.strip(".").split("."):
            assert isinstance(node, dict) and key in node, f".Values{dotted} is not in values.yaml"
            node = node[key]


def test_values_yaml_and_its_schema_name_the_same_keys() -> None:
    """The default render checks values.yaml against the schema (no unknown key); this
    checks the other way: every value the schema allows is shown, commented, in values.yaml."""
    defaults = load(CHART / "values.yaml")
    schema = json.loads((CHART / "values.schema.json").read_text())

    def missing(properties: dict[str, Any], shown: dict[str, Any], where: str) -> list[str]:
        found = []
        for key, rule in properties.items():
            if key not in shown:
                found.append(where + key)
            elif "properties" in rule:
                found += missing(rule["properties"], shown[key], f"{where}{key}.")
        return found

    assert missing(schema["properties"], {"global": {}, **defaults}, "") == []
    assert schema["additionalProperties"] is False


def test_chart_files_are_yaml_and_name_the_app_version() -> None:
    chart = load(CHART / "Chart.yaml")
    assert chart["apiVersion"] == "v2" and chart["name"] == "rollback-bot"
    pyproject = (ROOT / "pyproject.toml").read_text()
    version = re.search(r'^version = "([^"]+)"', pyproject, re.MULTILINE)
    assert version is not None and chart["appVersion"] == version.group(1)


@pytest.mark.parametrize(
    ("values", "named"),
    [
        ({"ingres": {"enabled": True}}, "'ingres' not allowed"),
        ({"ingress": {"hosts": ["bot.example.com"]}}, "'hosts' not allowed"),
        ({"redis": {"sentinels": "sentinel-0,sentinel-1"}}, "/redis/sentinels"),
        ({"replicaCount": "2"}, "/replicaCount"),
        ({"env": {"log_level": "DEBUG"}}, "'log_level' does not match"),
    ],
)
def test_values_schema_names_a_wrong_value(values: dict[str, Any], named: str) -> None:
    with pytest.raises(helm_python.HelmValuesError, match=re.escape(named)):
        render(values)


def merged(base: dict[str, Any], more: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in more.items():
        both = isinstance(value, dict) and isinstance(out.get(key), dict)
        out[key] = merged(out[key], value) if both else value
    return out


def test_the_readmes_helm_install_command_renders_valid_manifests() -> None:
    readme = (ROOT / "README.md").read_text()
    (command,) = [
        block
        for block in re.findall(r"```sh\n(.*?)```", readme, re.DOTALL)
        if "helm install rollback-bot deploy/helm/rollback-bot -n" in block
    ]
    words = shlex.split(command.replace("\\\n", " "), comments=True)
    flags = list(itertools.pairwise(words))
    values: dict[str, Any] = {}
    for flag, argument in flags:
        if flag == "--set":
            values = merged(values, helm_python.parse_set_string(argument))
        elif flag == "--set-string":
            values = merged(values, helm_python.parse_set_string_values(argument))
    assert values["ingress"]["enabled"] is True
    manifests = render(values)
    for kind, doc in manifests.items():
        if kind != "NOTES":
            assert kubernetes_validate.validate(doc, K8S_VERSION, strict=True) == "1.33", kind
    annotations = manifests["Ingress"]["metadata"]["annotations"]
    assert annotations == {"cert-manager.io/cluster-issuer": "letsencrypt"}
    assert "image.repository is still the placeholder" not in manifests["NOTES"]
    host = manifests["Ingress"]["spec"]["rules"][0]["host"]
    assert f"https://{host}/slack/events" in readme
