"""Absolute URLs a CircleCI answer hands out: the build itself, artifact downloads, signed step output."""

from __future__ import annotations

import hashlib
import hmac
import time
from urllib.parse import quote

from ...domain.model import Job, Project

API_PREFIX = "/api/v1.1"
VCS_TYPES = {"github": "github", "bitbucket": "bitbucket", "gitlab": "gitlab"}
OUTPUT_URL_SECONDS = 3600


class Links:
    """Builds URLs under the API's public base; step output URLs carry an expiring signature instead of a token,
    as CircleCI's presigned `output_url`s do."""

    def __init__(self, base: str, signing_key: str):
        self.base = base.rstrip("/")
        self._key = signing_key.encode()

    def project(self, project: Project) -> str:
        vcs = VCS_TYPES.get(project.provider, project.provider)
        return f"{self.base}{API_PREFIX}/project/{vcs}/{project.full_name}"

    def build(self, project: Project, build_num: int) -> str:
        return f"{self.project(project)}/{build_num}"

    def artifact(self, project: Project, build_num: int, node_index: int, path: str) -> str:
        # The file name is the last segment and there is no query string: pycircleci saves under that name.
        return f"{self.build(project, build_num)}/artifacts/{node_index}/{quote(path)}"

    def output(self, project: Project, job: Job, step: int, now: float | None = None) -> str:
        expires = int((now if now is not None else time.time()) + OUTPUT_URL_SECONDS)
        signature = self.signature(job.id, step, job.node_index, expires)
        return (f"{self.build(project, job.build_num)}/output/{step}/{job.node_index}"
                f"?expires={expires}&signature={signature}")

    def signature(self, job_id: str, step: int, index: int, expires: int) -> str:
        message = f"output:{job_id}:{step}:{index}:{expires}".encode()
        return hmac.new(self._key, message, hashlib.sha256).hexdigest()

    def output_allowed(self, job: Job, step: int, index: int, expires: str, signature: str,
                       now: float | None = None) -> bool:
        """Whether a signed output URL is genuine and not yet expired."""
        if not self._key or not expires.isdigit() or int(expires) < (now if now is not None else time.time()):
            return False
        return hmac.compare_digest(self.signature(job.id, step, index, int(expires)), signature)
