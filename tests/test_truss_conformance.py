"""Every config the editor writes loads in the real truss 0.18.36 with the intended
docker_auth and secrets, and passes the extra-key check `truss push` runs."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.config.invariants import SCENARIOS, run_scenario

pytestmark = pytest.mark.truss

FIXTURES = Path(__file__).parent / "config" / "fixtures"

LOADER = r"""
import json, pathlib, sys
from truss.base.truss_config import TrussConfig

out = {}
for path in sys.argv[1:]:
    try:
        cfg = TrussConfig.from_yaml(pathlib.Path(path))
        cfg.validate_forbid_extra()
        auth = cfg.base_image.docker_auth if cfg.base_image else None
        out[path] = {
            "image": cfg.base_image.image if cfg.base_image else None,
            "docker_auth": auth.model_dump(mode="json") if auth else None,
            "secrets": dict(cfg.secrets),
        }
    except Exception as e:
        out[path] = {"error": f"{type(e).__name__}: {e}"}
print(json.dumps(out))
"""


def _truss_load(python: Path, paths: list[Path]) -> dict[str, dict]:
    proc = subprocess.run(
        [str(python), "-c", LOADER, *map(str, paths)], capture_output=True, text=True, timeout=300
    )
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def test_every_written_config_loads_in_truss(truss_python: Path, tmp_path: Path) -> None:
    written: dict[Path, tuple[str, dict | None, str | None]] = {}
    for fixture in sorted(FIXTURES.glob("*.yaml")):
        for sc in SCENARIOS:
            target = tmp_path / f"{fixture.stem}--{sc.name}" / "config.yaml"
            target.parent.mkdir()
            shutil.copyfile(fixture, target)
            run_scenario(target, sc)
            written[target] = (sc.image, sc.docker_auth, sc.secret)
    # And a method switch on top of another, for every scenario.
    for first, second in zip(SCENARIOS, SCENARIOS[1:] + SCENARIOS[:1], strict=True):
        target = tmp_path / f"switch--{first.name}--{second.name}" / "config.yaml"
        target.parent.mkdir()
        shutil.copyfile(FIXTURES / "commented.yaml", target)
        run_scenario(target, first)
        run_scenario(target, second)
        written[target] = (second.image, second.docker_auth, second.secret)

    loaded = _truss_load(truss_python, list(written))
    problems = []
    for path, (image, auth, secret) in written.items():
        got = loaded[str(path)]
        if "error" in got:
            problems.append(f"{path.parent.name}: truss refused it: {got['error']}")
            continue
        if got["image"] != image:
            problems.append(f"{path.parent.name}: image {got['image']!r}")
        if auth is None:
            if got["docker_auth"] is not None:
                problems.append(f"{path.parent.name}: unexpected docker_auth {got['docker_auth']}")
        else:
            have = {k: got["docker_auth"].get(k) for k in auth} if got["docker_auth"] else None
            if have != auth:
                problems.append(f"{path.parent.name}: docker_auth {got['docker_auth']}")
        if secret is not None and (secret not in got["secrets"] or got["secrets"][secret]):
            problems.append(f"{path.parent.name}: secrets {got['secrets']}")
    assert not problems, "\n".join(problems)
    assert len(written) == 14 * len(SCENARIOS) + len(SCENARIOS)
