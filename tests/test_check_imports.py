"""``rollback-bot check`` reads settings and asks Slack, DigitalOcean and Redis: it never
loads the running bot (the runtime and the fleet it wires)."""

from __future__ import annotations

import subprocess
import sys


def test_check_does_not_import_the_runtime() -> None:
    loaded = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, bot.entrypoints.check; "
            "print(' '.join(m for m in sys.modules if m.startswith('bot.')))",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert "bot.entrypoints.check" in loaded
    assert not [m for m in loaded if m.startswith(("bot.runtime", "bot.fleet", "bot.usecases"))]
