"""The Kubernetes manifests: valid against the Kubernetes API (kubernetes-validate, strict),
and what they run."""

from __future__ import annotations

from typing import Any

import kubernetes_validate  # type: ignore[import-untyped]
import pytest
import yaml

from tests.deploy_files import K8S, K8S_VERSION, ROOT, SECRET_KEYS, changed, instructions, load


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
