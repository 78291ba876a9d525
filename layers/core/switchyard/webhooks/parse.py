"""One entry point for every SCM: headers and raw body in, a Ping, an Ignored reason or a Push out."""

from __future__ import annotations

from collections.abc import Mapping
from types import ModuleType

from ..domain.errors import Invalid
from . import bitbucket, github, gitlab
from .events import Event
from .payload import body_digest, header, load_object

_PROVIDERS = {"github": github, "gitlab": gitlab, "bitbucket": bitbucket}
# GitHub can be set to post `payload=<json>` as a form; the signature still covers the raw body.
_FORM_FIELD = {"github": "payload"}


def event_name(provider: str, headers: Mapping[str, str]) -> str | None:
    """The SCM's name for the delivery's event, from its header."""
    return header(headers, _module(provider).EVENT_HEADER)


def delivery_id(provider: str, headers: Mapping[str, str], body: bytes) -> str:
    """The id a redelivery repeats: the SCM's delivery header, else a digest of the raw body."""
    for name in _module(provider).DELIVERY_HEADERS:
        value = header(headers, name)
        if value is not None:
            return value
    return body_digest(body)


def parse_event(provider: str, headers: Mapping[str, str], body: bytes) -> Event:
    """Read one delivery. Raises Invalid for an unknown provider, a missing event header or a malformed body."""
    module = _module(provider)
    name = event_name(provider, headers)
    if name is None:
        raise Invalid(f"missing {module.EVENT_HEADER} header", field=module.EVENT_HEADER)
    doc = load_object(body, form_field=_FORM_FIELD.get(provider))
    return module.parse(name, doc, delivery_id(provider, headers, body))


def _module(provider: str) -> ModuleType:
    module = _PROVIDERS.get(provider)
    if module is None:
        raise Invalid(f"unknown webhook provider '{provider}'; expected one of {', '.join(_PROVIDERS)}")
    return module
