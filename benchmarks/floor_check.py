"""The least a Python process can do for one pull check: the CPython floor beside skopeo.

    printf %s "$PASSWORD" | python benchmarks/floor_check.py HOST:PORT/NAME:TAG USER

Plain http on a socket, the standard library only, the Docker Registry v2 flow and
nothing else: `GET /v2/`, the token (Bearer) or Basic, `HEAD` the manifest, print its
digest. No TLS probe, no realm guard, no credential analysis, no redaction: what
`registry-wizard check` does beyond this is the wizard's own cost. bench_check.py times
it beside both.
"""

from __future__ import annotations

import base64
import json
import socket
import sys
from urllib.parse import urlencode, urlsplit

ACCEPT = ", ".join(
    [
        "application/vnd.oci.image.index.v1+json",
        "application/vnd.oci.image.manifest.v1+json",
        "application/vnd.docker.distribution.manifest.list.v2+json",
        "application/vnd.docker.distribution.manifest.v2+json",
    ]
)


def get(
    url: str, headers: dict[str, str], method: str = "GET"
) -> tuple[int, dict[str, str], bytes]:
    """One request on its own connection (`Connection: close`): status, headers, body."""
    parts = urlsplit(url)
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    lines = [f"{method} {target} HTTP/1.1", f"Host: {parts.netloc}", "Connection: close"]
    lines += [f"{k}: {v}" for k, v in headers.items()]
    with socket.create_connection((parts.hostname, parts.port or 80), timeout=10) as sock:
        sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    status, *fields = head.decode("latin-1").split("\r\n")
    found = {k.strip().lower(): v.strip() for k, _, v in (f.partition(":") for f in fields)}
    return int(status.split()[1]), found, body


def main() -> int:
    ref, user = sys.argv[1], sys.argv[2]
    password = sys.stdin.read()
    host, _, rest = ref.partition("/")
    name, _, tag = rest.rpartition(":")
    basic = "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()
    challenge = get(f"http://{host}/v2/", {})[1].get("www-authenticate", "")
    auth = basic
    if challenge.lower().startswith("bearer"):
        params = dict(
            (k.strip(), v.strip('"'))
            for k, _, v in (p.partition("=") for p in challenge[7:].split(","))
        )
        query = urlencode(
            {"service": params.get("service", ""), "scope": f"repository:{name}:pull"}
        )
        body = json.loads(get(f"{params['realm']}?{query}", {"Authorization": basic})[2])
        auth = "Bearer " + (body.get("token") or body["access_token"])
    status, found, _ = get(
        f"http://{host}/v2/{name}/manifests/{tag}",
        {"Authorization": auth, "Accept": ACCEPT},
        method="HEAD",
    )
    if status != 200:
        print(f"HTTP {status}", file=sys.stderr)
        return 1
    print(found.get("docker-content-digest"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
