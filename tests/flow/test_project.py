"""A folder without a Truss project: the flow says so, finds the nearest Truss config
below, or creates config.yaml with a model name; it never writes one without."""

from __future__ import annotations

from pathlib import Path

import pytest

from wizard.config.plan import SetupError
from wizard.flow import Flow
from wizard.flow import finish as finish_mod


@pytest.fixture(autouse=True)
def _no_baseten(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("BASETEN_API_KEY", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("USER_TRUSSRC_PATH", str(tmp_path / "no-trussrc"))


def _answer_ghcr(flow: Flow) -> None:
    for qid, value in [("image", "ghcr.io/acme/llm:1.2"), ("registry", "ghcr"), ("guide", None)]:
        assert flow.answer(qid, value) is None, qid


def test_an_empty_directory_is_no_truss_project_and_nothing_is_written(tmp_path: Path) -> None:
    config = tmp_path / "empty" / "config.yaml"
    config.parent.mkdir()
    flow = Flow(config)
    assert flow.project_problem is not None
    assert "No config.yaml in" in flow.project_problem and "not a Truss project" in (
        flow.project_problem
    )
    assert flow.can_create_project
    _answer_ghcr(flow)
    with pytest.raises(SetupError, match="not a Truss project"):
        flow.review()
    assert not config.exists()


def test_a_yaml_file_without_truss_keys_is_never_edited(tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    config.write_text("server:\n  port: 8080\nlogging:\n  level: info\n")
    flow = Flow(config)
    assert flow.project_problem is not None and "has no Truss keys" in flow.project_problem
    assert not flow.can_create_project
    assert flow.create_project("x") is not None  # an unrelated file is not replaced
    _answer_ghcr(flow)
    with pytest.raises(SetupError):
        flow.review()
    assert config.read_text() == "server:\n  port: 8080\nlogging:\n  level: info\n"


def test_a_truss_config_is_no_problem(tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    config.write_text("model_name: ranker\n")
    assert Flow(config).project_problem is None


def test_the_nearest_truss_config_below_is_found_shallowly(tmp_path: Path) -> None:
    (tmp_path / "models" / "ranker").mkdir(parents=True)
    (tmp_path / "models" / "ranker" / "config.yaml").write_text("model_name: ranker\n")
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "config.yaml").write_text("server: {}\n")  # not Truss: not offered
    for skipped in ("node_modules/x", ".git/x", "venv/x", "env/x"):
        (tmp_path / skipped).mkdir(parents=True)
        (tmp_path / skipped / "config.yaml").write_text("model_name: no\n")
    (tmp_path / "env" / "pyvenv.cfg").write_text("")
    deep = tmp_path / "1" / "2" / "3" / "4"
    deep.mkdir(parents=True)
    (deep / "config.yaml").write_text("model_name: too-deep\n")
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "config.yaml").write_text("model_name: b\n")
    flow = Flow(tmp_path / "config.yaml")
    found = flow.truss_configs_below()
    assert found == [tmp_path / "b" / "config.yaml", tmp_path / "models" / "ranker" / "config.yaml"]
    flow.use_config(found[1])
    assert flow.project_problem is None and flow.config == found[1]
    assert flow.next() is not None and flow.next().id == "image"  # type: ignore[union-attr]


def test_creating_the_project_writes_its_model_name(tmp_path: Path) -> None:
    project_dir = tmp_path / "ranker"
    project_dir.mkdir()
    config = project_dir / "config.yaml"
    flow = Flow(config)
    assert flow.default_model_name() == "ranker"
    assert flow.create_project() is None
    assert flow.project_problem is None
    _answer_ghcr(flow)
    assert flow.answer("yes", "yes") is None
    diff, _ = flow.review()
    assert "+model_name: ranker" in diff
    outcome = finish_mod.finish(flow)
    assert outcome.created_file
    text = config.read_text()
    assert text.startswith("model_name: ranker\n") and "ghcr.io/acme/llm:1.2" in text

    other = tmp_path / "two" / "config.yaml"
    other.parent.mkdir()
    flow = Flow(other)
    assert flow.create_project("my: model") is None  # quoted, read back as typed
    _answer_ghcr(flow)
    flow.review()
    finish_mod.finish(flow)
    assert other.read_text().startswith('model_name: "my: model"\n')


@pytest.mark.parametrize(
    "name", ["yes", "No", "ON", "off", "1:20", "0x1f", "a\u2028b", "#x", "-x", "é", "🙂"]
)
def test_a_created_model_name_reads_back_in_truss_exactly(tmp_path: Path, name: str) -> None:
    """truss reads config.yaml with PyYAML (YAML 1.1): `yes` would be True, `1:20` 80."""
    import yaml

    config = tmp_path / "p" / "config.yaml"
    config.parent.mkdir()
    flow = Flow(config)
    assert flow.create_project(name) is None
    _answer_ghcr(flow)
    flow.review()
    finish_mod.finish(flow)
    assert yaml.safe_load(config.read_text(encoding="utf-8"))["model_name"] == name
