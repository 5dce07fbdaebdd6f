"""``rollback-bot serve`` as a real child process, for crash and replica tests."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from tests.constants import DO_TOKEN, SIGNING_SECRET, SLACK_TOKEN
from tests.redis_server import free_port


def clean_env(**values: str) -> dict[str, str]:
    """This process's environment without the bot's credentials, plus ``values``.

    A child must see only the settings a test gives it, never a developer's real tokens.
    """
    keep = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DIGITALOCEAN_"))}
    return {**keep, **values}


class BotProcess:
    def __init__(self, *, slack_url: str, do_url: str, redis_url: str, **settings: str) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {
            **clean_env(),
            "SLACK_BOT_TOKEN": SLACK_TOKEN,
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "SLACK_API_URL": f"{slack_url}/api/",
            "DIGITALOCEAN_TOKEN": DO_TOKEN,
            "DIGITALOCEAN_API_URL": do_url,
            "REDIS_URL": redis_url,
            "ROLLBACK_POLL_INTERVAL": "0.2",
            "LOG_LEVEL": "INFO",
            **{k.upper(): v for k, v in settings.items()},
        }
        fd, name = tempfile.mkstemp(prefix="rollback-bot-", suffix=".log")
        os.close(fd)
        self.log_path = Path(name)
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self, *, timeout: float = 30) -> BotProcess:
        with self.log_path.open("ab") as log:
            self.proc = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "bot",
                    "serve",
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(self.port),
                ],
                env=self.env,
                cwd=tempfile.gettempdir(),
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + timeout
        while True:
            try:
                httpx.get(f"{self.url}/healthz", timeout=1)
                return self
            except httpx.TransportError:
                if self.proc.poll() is not None:
                    raise RuntimeError(f"bot exited: {self.log()}") from None
                if time.monotonic() > deadline:
                    raise RuntimeError("bot did not start") from None
                time.sleep(0.05)  # a child process cannot tell us it listens

    def kill(self) -> None:
        """SIGKILL: no shutdown code runs, as in a crash."""
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)

    def terminate(self) -> int:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGTERM)
        return self.proc.wait(30)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def close(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)
        self.log_path.unlink(missing_ok=True)
