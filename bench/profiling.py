"""Profiles of the ack path and the watch loop with py-spy, and a text summary of them.

py-spy samples the bot's process from outside (``py-spy record --format raw``, 200 Hz,
non-blocking) and writes collapsed stacks; ``summarize`` turns those into the shares of
samples (CPU time, idle excluded) by package, by function of the bot, and by leaf.
"""

from __future__ import annotations

import re
import tempfile
from collections import Counter
from pathlib import Path

from bench.ack import AckConfig, profile_ack
from bench.stack import private_redis
from bench.watches import WatchConfig, run_one

_FRAME = re.compile(r"^(?P<func>.*) \((?P<file>[^()]*?)(?::(?P<line>\d+))?\)$")


def _where(file: str) -> str:
    """A short name for the code a frame runs: ``bot.<module>`` or the top-level package.

    py-spy already shortens paths to what follows sys.path (``redis/utils.py``)."""
    for marker in ("/site-packages/", "/lib/python3."):
        if marker in file:
            file = (
                file.split(marker, 1)[1].split("/", 1)[-1]
                if "python3." in marker
                else (file.split(marker, 1)[1])
            )
    if file.startswith("bot/"):
        return "bot." + file.removeprefix("bot/").removesuffix(".py").replace("/", ".")
    return file.split("/", 1)[0].removesuffix(".py")


def load(path: Path) -> list[tuple[list[tuple[str, str]], int]]:
    stacks = []
    for line in path.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        frames = []
        for raw in stack.split(";"):
            match = _FRAME.match(raw)
            if match:
                frames.append((match["func"], _where(match["file"])))
        funcs = {f for f, _ in frames}
        if "_find_and_load" in funcs and "_run_once" not in funcs:
            continue  # start-up imports, not the work measured
        stacks.append((frames, int(count)))
    return stacks


def summarize(path: Path, *, top: int = 12) -> str:
    stacks = load(path)
    total = sum(n for _, n in stacks) or 1
    by_package: Counter[str] = Counter()
    leaves: Counter[str] = Counter()
    bot_inclusive: Counter[str] = Counter()
    for frames, n in stacks:
        if not frames:
            continue
        func, where = frames[-1]
        by_package[where] += n
        leaves[f"{where}:{func}"] += n
        for name in {f"{w}.{f}" for f, w in frames if w.startswith("bot.")}:
            bot_inclusive[name] += n

    def share(counter: Counter[str]) -> list[str]:
        return [f"  {n / total:6.1%}  {name}" for name, n in counter.most_common(top)]

    return "\n".join(
        [
            f"{path.name}: {total} samples (200 Hz, CPU only, start-up imports left out)",
            "self time by package (bot modules separately):",
            *share(by_package),
            "inclusive time of the bot's functions:",
            *share(bot_inclusive),
            "self time by function:",
            *share(leaves),
        ]
    )


def run(*, watches: int = 500) -> str:
    out_dir = Path(tempfile.mkdtemp(prefix="bench-profiles-"))
    ack_path, watch_path = out_dir / "ack.txt", out_dir / "watch.txt"
    profile_ack(AckConfig(), ack_path)
    with private_redis() as redis_server:
        run_one(WatchConfig(), watches, 1, redis_server, profile_to=watch_path)
    return "\n\n".join(
        [
            f"raw collapsed stacks in {out_dir} (flamegraph.pl or speedscope read them)",
            "ack path (/rollback sample-golang, 50 at a time, then 1 at a time):",
            summarize(ack_path),
            f"watch loop ({watches} watches, one replica, compressed clock):",
            summarize(watch_path),
        ]
    )
