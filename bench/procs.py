"""Child processes (the bot, its replicas, the floors): start, watch CPU and memory, stop.

Like tests/processes.py, but any command line, optionally run under py-spy, with
CPU seconds and resident memory read from /proc.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

from bot.sandbox.ports import free_port
from tests.processes import start_child, wait_http

PY_SPY = Path(sys.executable).with_name("py-spy")
ROOT = Path(__file__).resolve().parent.parent  # so children can import bench and tests
_TICKS = os.sysconf("SC_CLK_TCK")


def child_env(env: dict[str, str] | None = None) -> dict[str, str]:
    env = dict(os.environ if env is None else env)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH")) if p)
    return env


class Service:
    """``python -m <module> ... --port <free port>``, ready once GET /healthz answers."""

    def __init__(
        self,
        module: str,
        args: list[str],
        *,
        env: dict[str, str] | None = None,
        profile_to: Path | None = None,
    ) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.command = [sys.executable, "-m", module, *args, "--port", str(self.port)]
        if profile_to is not None:
            spy = [str(PY_SPY), "record", "--format", "raw", "--rate", "200", "--nonblocking"]
            self.command = [*spy, "--output", str(profile_to), "--", *self.command]
        self.profiled = profile_to is not None
        self.env = child_env(env)
        fd, name = tempfile.mkstemp(prefix=f"bench-{module.rsplit('.', 1)[-1]}-", suffix=".log")
        os.close(fd)
        self.log_path = Path(name)
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self, *, timeout: float = 30) -> Service:
        self.proc = start_child(self.command, env=self.env, log_path=self.log_path)
        wait_http(f"{self.url}/healthz", self.proc, log=self.log, timeout=timeout)
        return self

    @property
    def pid(self) -> int:
        """The Python process itself (under py-spy: py-spy's child)."""
        assert self.proc is not None
        if not self.profiled:
            return self.proc.pid
        children = Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children").read_text()
        return int(children.split()[0])

    def cpu_seconds(self) -> float:
        fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / _TICKS  # utime + stime

    def memory_kib(self) -> tuple[int, int]:
        """(resident now, peak resident) in KiB."""
        found = {}
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                found[key] = int(value.split()[0])
        return found["VmRSS"], found["VmHWM"]

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def stop(self, *, grace: float = 30.0) -> None:
        """SIGTERM (a clean shutdown), then SIGKILL after ``grace`` seconds."""
        if self.proc is None or self.proc.poll() is not None:
            return
        os.kill(self.pid, signal.SIGTERM)
        try:
            self.proc.wait(grace)
        except subprocess.TimeoutExpired:
            os.kill(self.pid, signal.SIGKILL)
            self.proc.wait(10)

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.kill(self.pid, signal.SIGKILL)
            self.proc.wait(10)

    def close(self) -> None:
        self.kill()
        self.log_path.unlink(missing_ok=True)
