"""Hostile config shapes, one file each in configs/: setup, doctor and doctor --fix never
show a traceback; a file they cannot use is refused with its name (exit 2) and left
byte-identical; a shape the editor handles is edited into a config doctor accepts; and
no secret value in the file is ever printed."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from wizard.cli import main

HERE = Path(__file__).parent / "configs"
CASES = sorted(p for p in HERE.iterdir() if p.suffix == ".yaml")
CANARIES = ("CANARY", "AAAA")


def _expect(path: Path) -> str:
    head = path.read_bytes()[:200].replace(b"\x00", b"")
    for word in (b"refused", b"edited"):
        if b"expect: " + word in head:
            return word.decode()
    raise AssertionError(f"{path.name}: say `# expect: refused` or `# expect: edited`")


@pytest.fixture(autouse=True)
def _quiet(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.delenv("BASETEN_API_KEY", raising=False)
    monkeypatch.setenv("USER_TRUSSRC_PATH", str(tmp_path / "no-trussrc"))


@pytest.mark.parametrize("case", CASES, ids=[c.stem for c in CASES])
def test_each_shape(case: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "config.yaml"
    shutil.copyfile(case, config)
    before = config.read_bytes()
    code = main(["setup", "--config", str(config), "--image", "ghcr.io/acme/app:1.0", "--yes"])
    out = capsys.readouterr()
    said = out.out + out.err
    assert "Traceback" not in said
    if _expect(case) == "refused":
        assert code == 2, said
        assert str(config) in said
        assert config.read_bytes() == before
    else:
        assert code == 0, said
        assert main(["doctor", str(config), "--truss-version", "0.18.36"]) == 0
        assert config.read_bytes() != before
    for word in CANARIES:
        assert word not in said

    # doctor and doctor --fix on the hostile original
    config.write_bytes(before)
    for args in ([], ["--format", "json"], ["--format", "sarif"], ["--fix", "--dry-run"]):
        code = main(["doctor", str(config), "--truss-version", "0.18.36", *args])
        out = capsys.readouterr()
        assert code in (0, 1), out.err
        assert "Traceback" not in out.out + out.err
        for word in CANARIES:
            assert word not in out.out + out.err
    assert config.read_bytes() == before
