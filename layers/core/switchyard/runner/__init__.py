"""The job runner's AWS-free core: run commands, stream and mask their console, read reports, pack artifacts."""
