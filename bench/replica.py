"""For a bot without ``DIGITALOCEAN_BUDGET_WINDOW``: ``rollback-bot serve`` with the
DigitalOcean budget window scaled for a compressed clock. (With the setting, section 2
runs ``rollback-bot serve`` itself and this module is not used.)

``python -m bench.replica --budget-window W --port N`` runs ``bot.entrypoints.cli.main(["serve",
...])``
unchanged except that the app it builds counts the budget over ``W`` real seconds instead
of 60: the built ``RateBudget.window`` is set to ``W``, and the watcher (whose fair poll
interval assumes a 60 s minute) is given the budget per 60 s that ``W`` implies.
Benchmark harness only.
"""

from __future__ import annotations

import argparse
import os
import sys

from starlette.applications import Starlette

import bot.entrypoints.cli
from bot.settings import Settings

SETTING = "digitalocean_budget_window"


def scale_budget_window(app: Starlette, *, window: float, per_minute: int) -> None:
    runtime = app.state.runtime
    runtime.budget.window = window
    watcher = runtime.deps.watcher
    # Watcher.interval = watches * 60 / (budget * share): a budget per 60 real seconds.
    watcher._budget = per_minute * 60.0 / window


def main() -> int:
    parser = argparse.ArgumentParser(prog="bench.replica")
    parser.add_argument("--budget-window", type=float, required=True)
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    if SETTING in Settings.model_fields:
        os.environ[SETTING.upper()] = str(args.budget_window)
    else:
        build = bot.entrypoints.cli.create_app  # type: ignore[attr-defined]

        def scaled(settings: Settings) -> Starlette:
            app = build(settings)
            scale_budget_window(
                app,
                window=args.budget_window,
                per_minute=settings.digitalocean_requests_per_minute,
            )
            return app

        bot.entrypoints.cli.create_app = scaled  # type: ignore[attr-defined]
    return bot.entrypoints.cli.main(["serve", "--host", "127.0.0.1", "--port", str(args.port)])


if __name__ == "__main__":
    sys.exit(main())
