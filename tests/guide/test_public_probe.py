"""`guide --check-public`: an anonymous pull against the registry (a loopback stand-in)
decides whether the guide says "no credential needed"."""

from __future__ import annotations

import hashlib
import json
import os

import pytest

from tests.e2e.loopback import LoopbackServer, Response
from wizard.cli import main

BODY = b'{"schemaVersion": 2}'
OCI = "application/vnd.oci.image.manifest.v1+json"


def _registry(public: bool) -> LoopbackServer:
    digest = "sha256:" + hashlib.sha256(BODY).hexdigest()

    def handler(method: str, path: str, headers: object, body: bytes) -> Response:
        if not public:
            return Response(401, {"WWW-Authenticate": 'Basic realm="private"'})
        if path == "/v2/":
            return Response(200, {})
        return Response(200, {"Content-Type": OCI, "Docker-Content-Digest": digest}, BODY)

    return LoopbackServer(handler).start()


@pytest.mark.parametrize("public", [True, False])
def test_the_probe_decides_what_the_guide_says(
    public: bool, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    srv = _registry(public)
    try:
        monkeypatch.setenv("REGISTRY_WIZARD_ENDPOINTS", json.dumps({"quay.io": srv.url}))
        monkeypatch.delenv("BASETEN_API_KEY", raising=False)
        args = ["guide", "--image", "quay.io/acme/app:1", "--format", "markdown", "--no-baseten"]
        assert main([*args, "--check-public", "--timeout", "5"]) == 0
    finally:
        srv.stop()
    out = capsys.readouterr()
    assert ("pulled anonymously" in out.out) is public
    assert ("anonymous pull works" in out.err) is public
    assert os.environ.get("REGISTRY_WIZARD_ENDPOINTS")  # still the stand-in, never quay.io
    assert srv.requests  # the probe really asked the registry
