"""``rollback-bot`` command line."""

from __future__ import annotations

import argparse
import logging
import os
import sys

import uvicorn

from bot.errors import SettingsError
from bot.server import create_app
from bot.settings import load_settings


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="rollback-bot", description="Roll back DigitalOcean App Platform apps from Slack."
    )
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="serve Slack requests over HTTP (uvicorn)")
    serve.add_argument("--host", default="0.0.0.0")  # noqa: S104 - a container's service binds all
    serve.add_argument("--port", type=int, default=3000)
    return parser


def _configure_logging() -> None:
    level = os.environ.get("LOG_LEVEL", "INFO").upper()
    logging.basicConfig(
        level=level if level in logging.getLevelNamesMapping() else "INFO",
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    _configure_logging()
    try:
        settings = load_settings(require_signing_secret=args.command == "serve")
    except SettingsError as exc:
        print(f"rollback-bot: {exc.user_message}", file=sys.stderr)
        return 2
    uvicorn.run(
        create_app(settings),
        host=args.host,
        port=args.port,
        log_level=os.environ.get("LOG_LEVEL", "info").lower(),
        lifespan="on",
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
