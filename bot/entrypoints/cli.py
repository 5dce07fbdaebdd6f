"""``rollback-bot`` command line."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys

import uvicorn

from bot import logs
from bot.entrypoints import check, socket_mode, tcp
from bot.entrypoints.http_server import create_app
from bot.errors import ListenError, SettingsError, SocketModeError
from bot.policy_source import policy_of
from bot.settings import app_token, load_settings


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="rollback-bot", description="Roll back DigitalOcean App Platform apps from Slack."
    )
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="serve Slack requests over HTTP (uvicorn)")
    serve.add_argument("--host", default="0.0.0.0")  # noqa: S104 - a container's service binds all
    serve.add_argument("--port", type=int, default=3000)
    socket = sub.add_parser(
        "socket",
        help="take Slack requests over Socket Mode (SLACK_APP_TOKEN); "
        "/healthz and /readyz on --port",
    )
    socket.add_argument("--host", default="0.0.0.0")  # noqa: S104 - probes come from outside
    socket.add_argument("--port", type=int, default=3000)
    sub.add_parser(
        "check", help="check the settings, Slack and DigitalOcean tokens and Redis, then exit"
    )
    sandbox = sub.add_parser(
        "demo", help="a local sandbox in the browser: simulated Slack and DigitalOcean"
    )
    sandbox.add_argument("--port", type=int, default=3000)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logs.configure()
    if args.command == "demo":
        return _demo(args.port)
    if args.command == "check":
        return check.main()
    try:
        settings = load_settings(require_signing_secret=args.command == "serve")
        token = app_token(settings) if args.command == "socket" else ""
        policy_of(settings)  # a bad policy file stops start-up here, in one sentence
    except SettingsError as exc:
        print(f"rollback-bot: {exc.user_message}", file=sys.stderr)
        return 2
    if args.command == "socket":
        try:
            socket_mode.run(settings, token=token, host=args.host, port=args.port)
        except (SocketModeError, ListenError) as exc:
            print(f"rollback-bot: {exc.user_message}", file=sys.stderr)
            return 1
        return 0
    uvicorn.run(
        create_app(settings),
        host=args.host,
        port=args.port,
        log_config=None,  # uvicorn logs through bot.logs, at the root's level
        lifespan="on",
        # Anyone can connect: bounded connections, heads and idle time (bot.entrypoints.tcp says
        # why each); bodies are bounded by bot.entrypoints.http_server.
        http=tcp.HeadDeadlineH11,
        timeout_keep_alive=tcp.KEEP_ALIVE,
        h11_max_incomplete_event_size=tcp.MAX_HEAD,
        limit_concurrency=tcp.MAX_CONNECTIONS,
    )
    return 0


def _demo(port: int) -> int:
    # Imported here, so that serve and socket never load the sandbox's stand-ins.
    from bot.sandbox import demo  # noqa: PLC0415

    # The demo brings its own settings; of the environment it only reads REDIS_URL.
    try:
        asyncio.run(
            demo.run(demo.DemoOptions(port=port), redis_env_url=os.environ.get("REDIS_URL"))
        )
    except (demo.RedisUnavailable, demo.PortInUse) as exc:
        print(f"rollback-bot demo: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:  # where signal handlers are not available (Windows)
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
