"""``rollback-bot`` as a real child process: ``serve`` for crash and replica tests,
``socket`` for Socket Mode, one-shot commands for what an operator sees."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import httpx

from bot.sandbox.ports import free_port
from bot.sandbox.slack.fake import APP_TOKEN
from tests.constants import DO_MINUTE, DO_TOKEN, SIGNING_SECRET, SLACK_SPEED, SLACK_TOKEN


def clean_env(**values: str) -> dict[str, str]:
    """This process's environment without the bot's credentials, plus ``values``.

    A child must see only the settings a test gives it, never a developer's real tokens.
    """
    keep = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DIGITALOCEAN_"))}
    return {**keep, **values}


def stand_in_env(*, slack_url: str, do_url: str, redis_url: str, **settings: str) -> dict[str, str]:
    """The environment of a bot against the stand-ins (no signing secret), plus ``settings``
    (lower-case names, upper-cased here)."""
    return clean_env(
        SLACK_BOT_TOKEN=SLACK_TOKEN,
        SLACK_API_URL=f"{slack_url}/api/",
        DIGITALOCEAN_TOKEN=DO_TOKEN,
        DIGITALOCEAN_API_URL=do_url,
        REDIS_URL=redis_url,
        LOG_LEVEL="INFO",
        **{k.upper(): v for k, v in settings.items()},
    )


def serve_env(*, slack_url: str, do_url: str, redis_url: str, **settings: str) -> dict[str, str]:
    """The environment of ``rollback-bot serve`` against the stand-ins, plus ``settings``."""
    return stand_in_env(
        slack_url=slack_url,
        do_url=do_url,
        redis_url=redis_url,
        **{"slack_signing_secret": SIGNING_SECRET, **settings},
    )


def run_bot(*args: str, env: Mapping[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    """``python -m bot <args>`` to its end (60 s at most), its output captured."""
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=cwd,
        env=dict(env),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def refused_start(*args: str, cwd: Path, **settings: str) -> str:
    """``python -m bot <args>`` with every token set plus ``settings`` (upper-case names),
    which must stop at once: exit 2, one line on stderr, no traceback. That line."""
    env = clean_env(
        SLACK_BOT_TOKEN=SLACK_TOKEN,
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
        SLACK_APP_TOKEN=APP_TOKEN,
        DIGITALOCEAN_TOKEN=DO_TOKEN,
        **settings,
    )
    result = run_bot(*args, env=env, cwd=cwd)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


def start_child(
    command: Sequence[str], *, env: Mapping[str, str], log_path: Path
) -> subprocess.Popen[bytes]:
    """Run ``command`` (from a scratch directory), its output appended to ``log_path``."""
    with log_path.open("ab") as log:
        return subprocess.Popen(
            list(command),
            env=dict(env),
            cwd=tempfile.gettempdir(),
            stdout=log,
            stderr=subprocess.STDOUT,
        )


def wait_http(
    url: str,
    proc: subprocess.Popen[Any],
    *,
    log: Callable[[], str] = lambda: "",
    want: Callable[[httpx.Response], bool] = lambda _: True,
    timeout: float = 30,
) -> httpx.Response:
    """GET ``url`` until ``want(answer)``; fails if ``proc`` exits or time runs out."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            response = httpx.get(url, timeout=1)
            if want(response):
                return response
        except httpx.TransportError:
            pass
        if proc.poll() is not None:
            raise RuntimeError(f"{proc.args!r} exited:\n{log()[-4000:]}")
        if time.monotonic() > deadline:
            raise RuntimeError(f"{url} never answered as wanted:\n{log()[-4000:]}")
        time.sleep(0.05)  # a child process cannot tell us it listens


class ChildBot:
    """``python -m bot <command>`` on a free port, its output in a file of its own."""

    def __init__(self, command: Sequence[str], *, env: dict[str, str], log_prefix: str) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.command = [sys.executable, "-m", "bot", *command, "--host", "127.0.0.1"]
        self.env = env
        fd, name = tempfile.mkstemp(prefix=log_prefix, suffix=".log")
        os.close(fd)
        self.log_path = Path(name)
        self.proc: subprocess.Popen[bytes] | None = None

    def launch(self) -> None:
        """Start the process; it may not listen yet."""
        command = [*self.command, "--port", str(self.port)]
        self.proc = start_child(command, env=self.env, log_path=self.log_path)

    def probe(self, path: str, want: Callable[[httpx.Response], bool]) -> httpx.Response:
        """GET ``path`` until ``want(response)``."""
        assert self.proc is not None
        return wait_http(self.url + path, self.proc, log=self.log, want=want)

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def kill(self) -> None:
        """SIGKILL: no shutdown code runs, as in a crash."""
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)

    def terminate(self, sig: signal.Signals = signal.SIGTERM) -> int:
        assert self.proc is not None
        self.proc.send_signal(sig)
        return self.proc.wait(30)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def close(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)
        self.log_path.unlink(missing_ok=True)


class BotProcess(ChildBot):
    """``rollback-bot serve`` against the stand-ins; ``start()`` waits for ``/healthz``."""

    def __init__(self, *, slack_url: str, do_url: str, redis_url: str, **settings: str) -> None:
        env = serve_env(
            slack_url=slack_url,
            do_url=do_url,
            redis_url=redis_url,
            **{
                "rollback_poll_interval": "0.2",
                "digitalocean_budget_window": str(DO_MINUTE),
                "slack_channel_pace": str(SLACK_SPEED),
                **settings,
            },
        )
        super().__init__(["serve"], env=env, log_prefix="rollback-bot-")

    def start(self, *, timeout: float = 30) -> BotProcess:
        self.launch()
        assert self.proc is not None
        wait_http(f"{self.url}/healthz", self.proc, log=self.log, timeout=timeout)
        return self
