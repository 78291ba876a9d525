"""Use cases: each takes the caller's account and plain values, applies the domain rules and calls the store."""
