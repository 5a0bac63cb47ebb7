"""The one domain error type and its kinds.

A refused action raises a DomainError whose message names the current state (or the missing
right) and what is allowed. Messages are rendered in Chinese by default and English on
request; the CLI maps every DomainError to exit code 2, the API to a 4xx status.
"""

from __future__ import annotations

from cobuild.models.messages import render


class DomainError(Exception):
    """A command was refused; nothing has been changed."""

    http_status = 422

    def __init__(self, code: str, /, **params: object) -> None:
        self.code = code
        self.params = params
        super().__init__(self.message("zh"))

    def message(self, lang: str = "zh") -> str:
        return render(self.code, lang, **self.params)


class NotAuthenticated(DomainError):
    """No one is signed in, or the sign-in failed."""

    http_status = 401


class TooManyAttempts(DomainError):
    http_status = 429


class InvalidInput(DomainError):
    http_status = 422


class NotFound(DomainError):
    http_status = 404


class PermissionDenied(DomainError):
    http_status = 403


class IllegalTransition(DomainError):
    http_status = 409


class Conflict(DomainError):
    http_status = 409


class Busy(DomainError):
    """The database stayed locked past its busy timeout; nothing was changed."""

    http_status = 503
