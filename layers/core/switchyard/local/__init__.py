"""The embedded stack behind `switchyard serve`: moto, a gateway, pollers and runners, built from template.yaml."""
