"""Taking a TCP port up front, so a taken port is one clear sentence, not a traceback."""

from __future__ import annotations

import errno
import socket

from bot.errors import BotError


class ListenError(BotError):
    """The port could not be taken; the message says which and why."""


def listen(host: str, port: int) -> socket.socket:
    # IPPROTO_TCP, so asyncio turns Nagle off on the accepted connections.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            raise ListenError(
                f"Port {port} is already in use; choose another with --port."
            ) from None
        raise ListenError(f"Cannot listen on {host}:{port} ({exc.strerror}).") from None
    return sock
