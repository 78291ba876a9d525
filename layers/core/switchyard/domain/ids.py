"""Identifiers: 24-hex object ids (what Shippable and KernelCI clients expect) and derived ids."""

from __future__ import annotations

import hashlib
import os
import re
import time

_HEX24 = re.compile(r"^[0-9a-f]{24}$")
_counter = int.from_bytes(os.urandom(3), "big")


def new_id() -> str:
    """A Mongo-style ObjectId: 4 bytes of seconds, 5 random bytes, a 3 byte counter; sorts by creation time."""
    global _counter
    _counter = (_counter + 1) % 0xFFFFFF
    return f"{int(time.time()):08x}{os.urandom(5).hex()}{_counter:06x}"


def derived_id(*parts: str) -> str:
    """A stable 24-hex id from a natural key, so a redelivered message maps to the same record."""
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:24]


def is_object_id(value: object) -> bool:
    return isinstance(value, str) and bool(_HEX24.match(value))
