"""moto's server for DynamoDB, SQS, S3 and KMS, in this process, behind the journaling middleware."""

from __future__ import annotations

import base64
import json
import threading
from pathlib import Path

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from .blobfiles import install_blob_storage
from .durable import ACCOUNT, DurableStore, JournalingMiddleware
from .journal import CorruptDataError, write_private_file


class _KeepAliveHandler(WSGIRequestHandler):
    """HTTP/1.1 so boto3's pooled connections are reused instead of reconnecting per call."""

    protocol_version = "HTTP/1.1"

    def log_request(self, *args, **kwargs) -> None:
        return


class Emulator:
    def __init__(self, data_dir: Path, region: str, host: str = "127.0.0.1", port: int = 0, durable: bool = True):
        self.data_dir = data_dir
        self.region = region
        self.host = host
        self.port = port
        self.store = DurableStore(data_dir, region, enabled=durable)
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def endpoint(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self) -> None:
        import moto.backends
        from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app

        # moto lists its own package directory on every request to route it; the answer never changes
        modules = tuple(moto.backends.list_of_moto_modules())
        moto.backends.list_of_moto_modules = lambda: modules

        install_blob_storage(self.data_dir / "blobs")
        app = JournalingMiddleware(DomainDispatcherApplication(create_backend_app), self.store)
        self.app = app
        self._server = make_server(self.host, self.port, app, threaded=True, request_handler=_KeepAliveHandler)
        self._server.daemon_threads = True
        self.port = self._server.server_port
        self._thread = threading.Thread(target=self._server.serve_forever, name="moto", daemon=True)
        self._thread.start()

    def restore_kms_keys(self, logical_ids: list[str]) -> dict[str, str]:
        """Keys survive restarts: their id and material live in DATA/kms.json (mode 0600)."""
        from moto.kms.models import kms_backends

        backend = kms_backends[ACCOUNT][self.region]
        path = self.data_dir / "kms.json"
        try:
            saved = json.loads(path.read_text()) if path.exists() else {}
        except ValueError as err:
            raise CorruptDataError(f"{path}: not valid JSON ({err}); restore it from a backup") from err
        physical: dict[str, str] = {}
        for logical in logical_ids:
            key = backend.create_key(
                policy="", key_usage="ENCRYPT_DECRYPT", key_spec="SYMMETRIC_DEFAULT", description=logical, tags=None
            )
            if logical in saved:
                backend.keys.pop(key.id)
                key.id = saved[logical]["id"]
                key.key_material = base64.b64decode(saved[logical]["material"])
                key.arn = key.arn.rsplit("/", 1)[0] + "/" + key.id
                backend.keys[key.id] = key
            saved[logical] = {"id": key.id, "material": base64.b64encode(key.key_material).decode()}
            physical[logical] = key.id
        write_private_file(path, json.dumps(saved))
        return physical

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        self.store.close()
