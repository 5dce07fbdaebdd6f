"""What the figures came from: the machine, the interpreter, and what else was running."""

from __future__ import annotations

import os
import platform
import sys
import threading
from pathlib import Path

_TICKS = os.sysconf("SC_CLK_TCK")


def _cpu_model() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def describe() -> str:
    load = os.getloadavg()
    mem = next(
        (x.split(":")[1].strip() for x in Path("/proc/meminfo").read_text().splitlines()
         if x.startswith("MemTotal")),
        "?",
    )  # fmt: skip
    return (
        f"{os.cpu_count()} cores (nproc {len(os.sched_getaffinity(0))}), {platform.machine()}, "
        f"{_cpu_model()}, {mem} RAM; Linux {platform.release()}; "
        f"Python {sys.version.split()[0]}; load average before the run "
        f"{load[0]:.2f} {load[1]:.2f} {load[2]:.2f}"
    )


def _processes() -> dict[int, tuple[int, str, float]]:
    """pid → (parent pid, command name, CPU seconds so far)."""
    out = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            raw = (entry / "stat").read_text()
        except OSError:
            continue
        name = raw[raw.index("(") + 1 : raw.rindex(")")]
        fields = raw[raw.rindex(")") + 2 :].split()
        out[int(entry.name)] = (int(fields[1]), name, (int(fields[11]) + int(fields[12])) / _TICKS)
    return out


class OtherLoad:
    """Samples /proc every second: CPU seconds used by processes outside this run's tree."""

    def __init__(self) -> None:
        self.used: dict[str, float] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> OtherLoad:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join(5)

    def _run(self) -> None:
        me = os.getpid()
        before = _processes()
        while not self._stop.wait(1.0):
            now = _processes()
            for pid, (_, name, cpu) in now.items():
                if pid in before and not _ours(pid, now, me) and pid != me:
                    self.used[name] = self.used.get(name, 0.0) + max(0.0, cpu - before[pid][2])
            before = now

    def report(self, top: int = 4) -> str:
        total = sum(self.used.values())
        ranked = sorted(self.used.items(), key=lambda item: -item[1])[:top]
        busiest = ", ".join(f"{name} {cpu:.1f} s" for name, cpu in ranked if cpu >= 0.05)
        return f"{total:.1f} CPU-seconds used outside this run ({busiest or 'none'})"


def _ours(pid: int, table: dict[int, tuple[int, str, float]], me: int) -> bool:
    seen = 0
    while pid in table and seen < 64:
        if pid == me:
            return True
        pid = table[pid][0]
        seen += 1
    return False
