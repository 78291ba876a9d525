"""Domain errors: plain exceptions each dialect maps to its own HTTP shape in one handler."""

from __future__ import annotations


class DomainError(Exception):
    """Base of every error the domain raises on purpose."""

    def __init__(self, message: str, *, field: str | None = None, details: object = None):
        super().__init__(message)
        self.message = message
        self.field = field
        self.details = details


class Invalid(DomainError):
    """The request is malformed or names a field with a bad value (400)."""


class Unauthenticated(DomainError):
    """No token, or a token that matches no account (401; KernelCI says 403)."""


class Forbidden(DomainError):
    """Authenticated, but not allowed to do this (403)."""


class NotFound(DomainError):
    """The thing does not exist, or the caller may not know it exists (404)."""


class Conflict(DomainError):
    """The request collides with the current state: a duplicate, a finished job (409)."""


class TooLarge(DomainError):
    """The request body is over the route's limit (413)."""


class Unsupported(DomainError):
    """Wrong content type (415)."""


class Unavailable(DomainError):
    """A dependency outside Switchyard could not be reached (424 from the API)."""


class InvalidTransition(Conflict):
    """A state change the canonical machine does not allow."""
