"""The static doctor reads half of a large tree in a second process: the same report as
reading it all here, the truss version a config needed found on either side."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from wizard import doctor
from wizard.doctor import diagnosis

CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "corpus" / "truss-examples"
ASSUME_ROLE = """model_name: m
base_image:
  image: 123456789012.dkr.ecr.us-east-1.amazonaws.com/team/app:1.0
  docker_auth:
    auth_method: AWS_ASSUME_ROLE
    registry: 123456789012.dkr.ecr.us-east-1.amazonaws.com
    aws_assume_role_arn: arn:aws:iam::123456789012:role/pull
secrets: {}
"""

pytestmark = pytest.mark.skipif(not diagnosis._can_fork(), reason="fork on Linux only")


def _tree(root: Path, count: int) -> Path:
    sources = sorted(CORPUS.glob("*.yaml")) or []
    for i in range(count):
        project = root / f"p{i:03d}"
        project.mkdir(parents=True)
        if sources:
            shutil.copyfile(sources[i % len(sources)], project / "config.yaml")
        else:
            (project / "config.yaml").write_text(ASSUME_ROLE)
    # The last file (read by the second process) is the only one that needs truss.
    (root / f"p{count - 1:03d}" / "config.yaml").write_text(ASSUME_ROLE)
    return root


def _json(report: doctor.DoctorReport) -> str:
    return json.dumps(doctor.to_json(report), sort_keys=True)


def test_two_processes_report_what_one_does(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import importlib.metadata

    real = importlib.metadata.version
    monkeypatch.setattr(
        importlib.metadata, "version", lambda n: "0.18.26" if n == "truss" else real(n)
    )
    tree = _tree(tmp_path / "models", 60)
    monkeypatch.setattr(diagnosis, "PARALLEL_FROM", 10)
    forked = diagnosis.diagnose([tree], keep_trees=False)
    monkeypatch.setattr(diagnosis, "PARALLEL_FROM", 10**9)
    alone = diagnosis.diagnose([tree], keep_trees=False)
    assert _json(forked) == _json(alone)
    assert forked.truss_version == "0.18.26"  # found by the second process, brought back
    assert "truss-too-old" in {d.rule for f in forked.files for d in f.findings}
    assert len(forked.files) == 60


def test_fix_keeps_reading_in_one_process(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    tree = _tree(tmp_path / "models", 30)
    monkeypatch.setattr(diagnosis, "PARALLEL_FROM", 10)
    report = diagnosis.diagnose([tree], truss_version="0.18.36")  # keep_trees by default
    assert all(f.data is not None for f in report.files if f.parsed)


def test_live_over_two_processes_reports_what_one_does(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """--live reads half the tree in a second process too: it brings back each file's data
    and where its keys are, so the live findings are placed on the same lines."""
    tree = tmp_path / "models"
    for i in range(30):
        project = tree / f"p{i:03d}"
        project.mkdir(parents=True)
        comments = "# a comment\n" * (i % 4)  # the image on a different line per file
        (project / "config.yaml").write_text(
            f"model_name: m{i}\n{comments}base_image:\n  image: 127.0.0.1:9/team/app:{i % 3}\n"
        )
    opts = doctor.LiveOptions(timeout=5, use_baseten=False)

    loaded: list[int] = []

    def live(parallel_from: int) -> doctor.DoctorReport:
        monkeypatch.setattr(diagnosis, "PARALLEL_FROM", parallel_from)
        report = diagnosis.diagnose(
            [tree],
            truss_version="0.18.36",
            keep_trees=False,
            keep_data=True,
            meanwhile=lambda: loaded.append(parallel_from),  # the live checks load then
        )
        doctor.run_live(report, opts)
        return report

    forked, alone = live(10), live(10**9)
    assert _json(forked) == _json(alone)
    assert loaded == [10]  # while the second process read its half
    placed = {
        (f.path.parent.name, d.line) for f in forked.files for d in f.findings
        if d.rule == "pull-unchecked"
    }  # fmt: skip
    assert len(placed) == 30 and ("p029", 4) in placed  # the second half's, on its line
