"""The HTTP dialects: each a Powertools Router (routes), request models and pure views."""
