"""The Helm chart's approval policy: ``policy`` (the file's text) becomes a ConfigMap mounted
where ``ROLLBACK_POLICY_FILE`` points, and a changed policy rolls the pods."""

from __future__ import annotations

import re

import kubernetes_validate  # type: ignore[import-untyped]

from bot.domain.policy import Rule
from bot.domain.policy_file import parse_policy
from tests.deploy_files import K8S_VERSION, ROOT
from tests.helm_chart import container, env, render

EXAMPLE = (ROOT / "deploy" / "policy.example.yaml").read_text()


def test_the_policy_is_mounted_from_a_config_map_the_bot_reads() -> None:
    manifests = render({"policy": EXAMPLE})
    config = manifests["ConfigMap"]
    assert kubernetes_validate.validate(config, K8S_VERSION, strict=True) == "1.33"
    assert kubernetes_validate.validate(manifests["Deployment"], K8S_VERSION, strict=True)
    mounted = parse_policy(config["data"]["policy.yaml"], source="mounted", fallback=Rule())
    assert mounted == parse_policy(EXAMPLE, source="mounted", fallback=Rule())
    path = env(manifests)["ROLLBACK_POLICY_FILE"]
    (mount,) = [m for m in container(manifests)["volumeMounts"] if m["name"] == "policy"]
    assert path == f"{mount['mountPath']}/policy.yaml" and mount["readOnly"] is True
    pod = manifests["Deployment"]["spec"]["template"]
    (volume,) = [v for v in pod["spec"]["volumes"] if v["name"] == "policy"]
    assert volume["configMap"]["name"] == config["metadata"]["name"]
    checksum = pod["metadata"]["annotations"]["checksum/policy"]
    assert re.fullmatch(r"[0-9a-f]{64}", checksum)
    changed = render({"policy": EXAMPLE.replace("approvals: 2", "approvals: 3")})
    assert (
        changed["Deployment"]["spec"]["template"]["metadata"]["annotations"]["checksum/policy"]
        != checksum
    )  # pods roll on a change: the file is read at start


def test_without_a_policy_there_is_no_config_map_nor_setting() -> None:
    manifests = render()
    assert "ConfigMap" not in manifests
    assert "ROLLBACK_POLICY_FILE" not in env(manifests)
    assert all(v["name"] != "policy" for v in container(manifests)["volumeMounts"])
