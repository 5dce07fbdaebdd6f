"""DigitalOcean-shaped error bodies: `{"id": ..., "message": ..., "request_id": ...}`."""

from __future__ import annotations

import uuid
from http import HTTPStatus

# ids and messages from the spec's shared/responses/*.yml and description.yml.
_DEFAULTS: dict[int, tuple[str, str]] = {
    400: ("bad_request", "The request could not be understood."),
    401: ("unauthorized", "Unable to authenticate you."),
    403: ("forbidden", "You do not have access for the attempted action."),
    404: ("not_found", "The resource you were accessing could not be found."),
    409: ("conflict", "The request conflicts with the current state of the resource."),
    422: ("unprocessable_entity", "The request could not be processed."),
    429: ("too_many_requests", "API rate limit exceeded."),
    500: ("server_error", "Server Error"),
    502: ("bad_gateway", "Bad Gateway"),
    503: ("service_unavailable", "Service Unavailable"),
    504: ("gateway_timeout", "Gateway Timeout"),
}


def error_body(
    status: int, message: str | None = None, error_id: str | None = None
) -> dict[str, str]:
    default_id, default_message = _DEFAULTS.get(status, _from_http_status(status))
    return {
        "id": error_id or default_id,
        "message": message or default_message,
        # Real responses usually carry one; clients should log it, never parse it.
        "request_id": str(uuid.uuid4()),
    }


def _from_http_status(status: int) -> tuple[str, str]:
    try:
        phrase = HTTPStatus(status).phrase
    except ValueError:
        phrase = "Error"
    return phrase.lower().replace(" ", "_").replace("-", "_"), phrase


class ApiError(Exception):
    """Raised by the world to make the server answer with an error body."""

    def __init__(self, status: int, message: str | None = None, error_id: str | None = None):
        super().__init__(f"{status}: {message or ''}")
        self.status = status
        self.message = message
        self.error_id = error_id

    def body(self) -> dict[str, str]:
        return error_body(self.status, self.message, self.error_id)


def not_found() -> ApiError:
    return ApiError(404)


def invalid_argument(message: str) -> ApiError:
    # What the live API answers for a refused rollback is unverified (research notes §1.1);
    # 400 invalid_argument is the assumption this simulator makes.
    return ApiError(400, message, "invalid_argument")
