"""HTTP/1.1 by hand, for requests no well-behaved client sends: lying Content-Length,
bodies that never finish, header values that are not ASCII."""

from __future__ import annotations

import contextlib
import socket
import time
from dataclasses import dataclass, field
from urllib.parse import urlsplit


def request_head(url: str, headers: list[tuple[bytes, bytes]], *, method: bytes = b"POST") -> bytes:
    """The request line and headers (Host first), ending with the blank line."""
    parts = urlsplit(url)
    lines = [method + b" " + parts.path.encode() + b" HTTP/1.1", b"host: " + parts.netloc.encode()]
    lines += [name + b": " + value for name, value in headers]
    return b"\r\n".join(lines) + b"\r\n\r\n"


@dataclass
class Answer:
    status: int | None  # None: the server closed without answering
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""

    @property
    def text(self) -> str:
        return self.body.decode(errors="replace")


def connect(url: str, *, timeout: float = 10) -> socket.socket:
    parts = urlsplit(url)
    assert parts.hostname is not None and parts.port is not None
    return socket.create_connection((parts.hostname, parts.port), timeout=timeout)


def read_answer(sock: socket.socket) -> Answer:
    """One response: its head, then Content-Length bytes of body (or up to the close)."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = _recv(sock)
        if not chunk:
            if data:
                raise AssertionError(f"the connection closed inside a response head: {data!r}")
            return Answer(status=None)
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for line in header_lines:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    length = headers.get("content-length")
    while length is None or len(body) < int(length):
        chunk = _recv(sock)
        if not chunk:
            break
        body += chunk
    return Answer(status=int(status_line.split()[1]), headers=headers, body=body)


def closed_by_server(sock: socket.socket, *, within: float) -> bool:
    """Does the server close the connection within ``within`` seconds (reading it dry)?"""
    deadline = time.monotonic() + within
    while (left := deadline - time.monotonic()) > 0:
        sock.settimeout(left)
        try:
            if not sock.recv(65536):
                return True
        except TimeoutError:
            return False
        except ConnectionResetError:
            return True
    return False


def exchange(url: str, data: bytes, *, shut_write: bool = False, timeout: float = 10) -> Answer:
    """Send ``data`` on a new connection and read one answer (``shut_write``: then send EOF)."""
    with connect(url, timeout=timeout) as sock:
        # The server may answer and close before taking all of it: read the answer.
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            sock.sendall(data)
        if shut_write:
            with contextlib.suppress(OSError):  # ENOTCONN: the server closed it already
                sock.shutdown(socket.SHUT_WR)
        return read_answer(sock)


def _recv(sock: socket.socket) -> bytes:
    try:
        return sock.recv(65536)
    except ConnectionResetError:
        return b""
