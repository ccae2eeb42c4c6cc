"""Live-check speed on loopback against skopeo, the Go peer, in the same run.

    python benchmarks/bench_check.py [--rounds N] [--bcrypt-cost C] [--bare-site | --python PATH]

Two registries (CNCF distribution, Debian's `docker-registry`): token auth (as ECR, GAR,
GHCR and Docker Hub do it) and htpasswd, where every Basic-authenticated request pays the
server's bcrypt check (`--bcrypt-cost`, default 10; `htpasswd -B` writes 5).

For each registry:
- one check process: `registry-wizard check --password-stdin` against
  `skopeo inspect --raw --creds`, interleaved pairs, the median of the paired ratios
  (target <= 1.2), with the interpreter floor (`python -c pass`) and peak RSS beside,
  and the CPython floor for a check (`floor_check.py`: the bare v2 flow on the standard
  library) against skopeo too, so the ratio left to the wizard's own code shows;
- 50 checks of 50 tags: the wizard's `check_many` (one process, concurrently) against
  skopeo one after another (token auth: target >= 10x). With htpasswd every check pays
  a bcrypt, so the 50 are reported against that floor instead: authenticated requests x
  the server's time per request / cores.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import measure

from tests.e2e import registry_server
from tests.e2e.registry_server import ALICE, RegistryServer, push_image

N = 50


def wizard_batch(refs: list[str], allowed: frozenset[str]) -> float:
    from wizard.model.image import parse_image
    from wizard.model.secret import Secret
    from wizard.verify.registry import Options
    from wizard.verify.service import CheckItem, CredentialSource, check_many

    source = CredentialSource(username=ALICE[0], password=Secret(ALICE[1]))
    items = [CheckItem(parse_image(r), source) for r in refs]
    start = time.perf_counter()
    results = asyncio.run(check_many(items, Options(timeout=30, allowed_realms=allowed)))
    took = time.perf_counter() - start
    bad = [r for r in results if not r.ok]
    assert not bad, bad[0].detail
    return took


def skopeo(ref: str) -> measure.Run:
    r = measure.run(
        [
            "skopeo",
            "inspect",
            "--raw",
            "--tls-verify=false",
            "--creds",
            f"{ALICE[0]}:{ALICE[1]}",
            f"docker://{ref}",
        ]
    )
    assert r.returncode == 0, "skopeo failed"
    return r


def wizard_check(ref: str, allowed: frozenset[str]) -> measure.Run:
    realms = [a for realm in allowed for a in ("--allow-realm", realm)]
    cmd = [*measure.wizard(), "check", "--image", ref, *realms]
    r = measure.run([*cmd, "--username", ALICE[0], "--password-stdin"], stdin=ALICE[1].encode())
    assert r.returncode == 0, r.stdout
    return r


def floor_check(ref: str) -> measure.Run:
    script = Path(__file__).resolve().parent / "floor_check.py"
    r = measure.run([*measure.python(), str(script), ref, ALICE[0]], stdin=ALICE[1].encode())
    assert r.returncode == 0, "floor_check failed"
    return r


def per_request_seconds(reg: RegistryServer) -> float:
    """The server's time for one Basic-authenticated request (its bcrypt check)."""
    import base64
    import http.client

    auth = "Basic " + base64.b64encode(f"{ALICE[0]}:{ALICE[1]}".encode()).decode()
    times = []
    for _ in range(5):
        conn = http.client.HTTPConnection(reg.host, timeout=30)
        start = time.perf_counter()
        conn.request("GET", "/v2/", headers={"Authorization": auth})
        conn.getresponse().read()
        times.append(time.perf_counter() - start)
        conn.close()
    return measure.median(times)


def doctor_live(
    reg: RegistryServer, refs: list[str], allowed: frozenset[str], batch: float
) -> bool:
    """`doctor --live` over 1,000 configs naming the 50 images (docker login's store holds
    the credential): its live part (the run minus the same run without --live) against
    the 50 checks' time. Target: within 2x."""
    import base64
    import json
    import tempfile

    with tempfile.TemporaryDirectory(prefix="bench-live-") as tmp:
        tree = Path(tmp) / "models"
        for i in range(1000):
            project = tree / f"g{i // 50:02d}" / f"p{i:04d}"
            project.mkdir(parents=True)
            host = refs[i % N].split("/")[0]
            (project / "config.yaml").write_text(
                f"model_name: m{i}\nbase_image:\n  image: {refs[i % N]}\n"
                f"secrets:\n  DOCKER_REGISTRY_{host}: null\n"
            )
        auth = base64.b64encode(f"{ALICE[0]}:{ALICE[1]}".encode()).decode()
        docker = Path(tmp) / "docker.json"
        docker.write_text(json.dumps({"auths": {reg.host: {"auth": auth}}}))
        realms = [a for realm in allowed for a in ("--allow-realm", realm)]
        base = [*measure.wizard(), "doctor", str(tree), "--format", "json", "--no-baseten"]
        live = [*base, "--live", "--docker-config", str(docker), *realms]
        # Interleaved pairs, the median of their differences: the live part is a
        # difference of two ~0.5 s runs, and a median of three of each moved by 0.1 s.
        statics, runs = [], []
        for _ in range(7):
            statics.append(measure.run(base).seconds)
            runs.append(measure.run(live))
        report = json.loads(runs[-1].stdout)
        rules = {d["rule"] for f in report["files"] for d in f.get("findings", [])}
        assert "pull-failed" not in rules, rules
        static = measure.median(statics)
        took = measure.median([r.seconds for r in runs])
        extra = measure.median([r.seconds - s for r, s in zip(runs, statics, strict=True)])
        print(
            f"doctor --live over 1,000 configs naming {N} images: {took * 1000:.0f} ms, "
            f"static {static * 1000:.0f} ms; the live part {extra * 1000:.0f} ms = "
            f"{extra / batch:.1f}x the {N} checks (target <= 2x)"
        )
        return extra <= 2 * batch


def bench(mode: str, rounds: int) -> bool:
    grants = {"grants": {ALICE[0]: {"*": ["pull", "push"]}}} if mode == "token" else {}
    ok = True
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
        print(f"\n== {mode} registry ==")
        ours, peer, ratio = measure.paired(
            lambda: wizard_check(refs[0], allowed), lambda: skopeo(refs[0]), rounds
        )
        floor = [measure.run(measure.floor()) for _ in range(rounds)]
        lean, _, lean_ratio = measure.paired(
            lambda: floor_check(refs[0]), lambda: skopeo(refs[0]), rounds
        )
        print(measure.describe("one `registry-wizard check` process", ours))
        print(measure.describe("one `skopeo inspect --raw`", peer))
        print(measure.describe("interpreter floor `python -c pass`", floor))
        print(measure.describe("CPython floor for a check (floor_check.py)", lean))
        verdict = "ok" if ratio <= 1.2 else "OVER"
        print(f"one check / skopeo: {ratio:.2f}x (target <= 1.2) {verdict}")
        over = measure.median([r.seconds for r in ours]) / measure.median([r.seconds for r in lean])
        print(
            f"CPython floor for a check / skopeo: {lean_ratio:.2f}x; the wizard / it: {over:.2f}x"
        )
        ok &= ratio <= 1.2
        batch = measure.median([wizard_batch(refs, allowed) for _ in range(3)])
        print(f"wizard, {N} checks concurrently (one process): median {batch * 1000:.0f} ms")
        if mode == "token":
            ok &= doctor_live(reg, refs, allowed, batch)
            start = time.perf_counter()
            for ref in refs:
                skopeo(ref)
            sequential = time.perf_counter() - start
            speedup = sequential / batch
            print(f"skopeo, {N} one after another: {sequential * 1000:.0f} ms")
            print(f"{N} checks: {speedup:.1f}x skopeo (target >= 10x)")
            ok &= speedup >= 10
        else:
            per = per_request_seconds(reg)
            cores = os.cpu_count() or 1
            bound = N * per / cores
            print(
                f"server floor: {N} authenticated requests x {per * 1000:.0f} ms (its bcrypt) "
                f"/ {cores} cores = {bound * 1000:.0f} ms; the wizard: {batch / bound:.2f}x it"
            )
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--bcrypt-cost", type=int, default=10)
    parser.add_argument("--bare-site", action="store_true", help="see benchmarks/measure.py")
    parser.add_argument("--python", help="a clean virtualenv's python: see benchmarks/measure.py")
    args = parser.parse_args()
    if shutil.which("skopeo") is None:
        print("skopeo is not installed (apt-get install skopeo): it is the peer measured against")
        return 2
    registry_server.BCRYPT_ROUNDS = args.bcrypt_cost
    os.environ.setdefault("HOME", "/tmp")
    print(
        f"htpasswd bcrypt cost {args.bcrypt_cost}; bare site: {measure.BARE_SITE}; "
        f"python: {measure.PYTHON}"
    )
    results = [bench(mode, args.rounds) for mode in ("htpasswd", "token")]
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
