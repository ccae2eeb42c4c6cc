"""Live-check speed on loopback: 50 image references checked concurrently by the wizard
vs the same 50 with `skopeo inspect --raw`, one after another (Debian `skopeo`).

    python benchmarks/bench_check.py [--rounds N] [--htpasswd]

The registry uses token auth (as ECR, GAR, GHCR and Docker Hub do); --htpasswd uses
Basic auth instead, where every request pays the server's bcrypt check.

Targets (issue: live verification): >= 5x faster than the sequential peer, and one
`registry-wizard check` process <= 0.6 s on loopback.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.e2e.registry_server import ALICE, RegistryServer, push_image
from wizard.model.image import parse_image
from wizard.model.secret import Secret
from wizard.verify.registry import Options
from wizard.verify.service import CheckItem, CredentialSource, check_many

N = 50


def wizard_batch(refs: list[str], allowed: frozenset[str]) -> float:
    source = CredentialSource(username=ALICE[0], password=Secret(ALICE[1]))
    items = [CheckItem(parse_image(r), source) for r in refs]
    start = time.perf_counter()
    results = asyncio.run(check_many(items, Options(timeout=10, allowed_realms=allowed)))
    took = time.perf_counter() - start
    bad = [r for r in results if not r.ok]
    assert not bad, bad[0].detail
    return took


def skopeo_sequential(refs: list[str]) -> float:
    start = time.perf_counter()
    for ref in refs:
        subprocess.run(
            [
                "skopeo",
                "inspect",
                "--raw",
                "--tls-verify=false",
                "--creds",
                f"{ALICE[0]}:{ALICE[1]}",
                f"docker://{ref}",
            ],
            check=True,
            stdout=subprocess.DEVNULL,
        )
    return time.perf_counter() - start


def single_process(ref: str, allowed: frozenset[str]) -> float:
    start = time.perf_counter()
    realms = [a for realm in allowed for a in ("--allow-realm", realm)]
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "wizard",
            "check",
            "--image",
            ref,
            *realms,
            "--username",
            ALICE[0],
            "--password-stdin",
        ],
        input=ALICE[1],
        capture_output=True,
        text=True,
    )
    took = time.perf_counter() - start
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return took


def main() -> int:
    rounds = int(sys.argv[sys.argv.index("--rounds") + 1]) if "--rounds" in sys.argv else 5
    # Token auth, as ECR, GAR, GHCR and Docker Hub do it; the token service is the harness's.
    mode = "htpasswd" if "--htpasswd" in sys.argv else "token"
    grants = {"grants": {ALICE[0]: {"*": ["pull", "push"]}}} if mode == "token" else {}
    with RegistryServer(mode, users=dict([ALICE]), **grants) as reg:
        allowed = (
            frozenset({reg.token_server.url.split("//")[1].split("/")[0]})
            if reg.token_server
            else frozenset()
        )
        refs = []
        for i in range(N):
            push_image(reg, f"bench/app{i % 10}", f"v{i}", "oci", salt=str(i))
            refs.append(reg.ref(f"bench/app{i % 10}", f"v{i}"))
        wizard = statistics.median(wizard_batch(refs, allowed) for _ in range(rounds))
        print(f"wizard, {N} refs concurrently: median {wizard * 1000:.0f} ms over {rounds} rounds")
        one = statistics.median(single_process(refs[0], allowed) for _ in range(max(rounds, 5)))
        print(f"one `registry-wizard check` process: median {one * 1000:.0f} ms (target 600 ms)")
        if shutil.which("skopeo") is None:
            print("skopeo is not installed (apt-get install skopeo): no peer comparison")
            return 0 if one <= 0.6 else 1
        os.environ.setdefault("HOME", "/tmp")
        peer = statistics.median(skopeo_sequential(refs) for _ in range(max(1, rounds // 2)))
        print(f"skopeo inspect --raw, {N} refs one after another: median {peer * 1000:.0f} ms")
        ratio = peer / wizard
        print(f"ratio: {ratio:.1f}x (target >= 5x)")
        return 0 if ratio >= 5 and one <= 0.6 else 1


if __name__ == "__main__":
    sys.exit(main())
