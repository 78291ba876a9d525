"""SCM webhooks, pure: verify a delivery's signature, parse its payload into a build or a reason to ignore it."""
