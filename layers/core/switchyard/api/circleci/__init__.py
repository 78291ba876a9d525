"""CircleCI API v1.1 (seed 001 and the routes scripts call beside it) at /api/v1.1."""
