"""Shippable's API (seeds 000 and 002) at the root, with Switchyard's own routes beside it."""
