"""The [ci skip] / [skip ci] marker: a head commit message carrying it queues nothing."""

from __future__ import annotations

import re

from ..domain.model import Trigger

_MARKER = re.compile(r"\[(?:ci skip|skip ci)\]", re.IGNORECASE)


def skip_reason(trigger: Trigger) -> str | None:
    """Why this trigger must not build because of its commit message, or None to build it."""
    match = _MARKER.search(trigger.commit.message or "")
    if match is None:
        return None
    return f"commit message contains {match.group(0)}"
