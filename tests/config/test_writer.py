"""Atomic writes: mode kept, symlinks followed, concurrent changes refused, no debris."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from wizard.config.document import ConfigError, read_config
from wizard.config.writer import ConfigChanged, write_config


def _files(directory: Path) -> set[str]:
    return {p.name for p in directory.iterdir()}


def test_write_keeps_mode_and_leaves_no_temp_file(tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    config.write_text("a: 1\n")
    config.chmod(0o640)
    write_config(read_config(config), "a: 2\n")
    assert config.read_text() == "a: 2\n"
    assert config.stat().st_mode & 0o777 == 0o640
    assert _files(tmp_path) == {"config.yaml"}


def test_symlinked_config_is_written_through(tmp_path: Path) -> None:
    real = tmp_path / "shared" / "config.yaml"
    real.parent.mkdir()
    real.write_text("a: 1\n")
    link = tmp_path / "project" / "config.yaml"
    link.parent.mkdir()
    link.symlink_to(real)
    write_config(read_config(link), "a: 2\n")
    assert link.is_symlink()
    assert real.read_text() == "a: 2\n"


def test_a_file_changed_since_reading_is_not_overwritten(tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    config.write_text("a: 1\n")
    doc = read_config(config)
    config.write_text("a: 1  # edited meanwhile\n")
    with pytest.raises(ConfigChanged, match="changed on disk"):
        write_config(doc, "a: 2\n")
    assert config.read_text() == "a: 1  # edited meanwhile\n"
    assert _files(tmp_path) == {"config.yaml"}


def test_a_file_created_since_reading_is_not_overwritten(tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    doc = read_config(config)
    config.write_text("a: 1\n")
    with pytest.raises(ConfigChanged):
        write_config(doc, "b: 2\n")


def test_read_only_file_is_refused_untouched(tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    config.write_text("a: 1\n")
    config.chmod(0o444)
    with pytest.raises(ConfigError, match="read-only"):
        write_config(read_config(config), "a: 2\n")
    assert config.read_text() == "a: 1\n"
    assert _files(tmp_path) == {"config.yaml"}


def test_writability_is_judged_at_write_time_not_at_read_time(tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    config.write_text("a: 1\n")
    config.chmod(0o444)
    doc = read_config(config)  # read while read-only, as the wizard's start does
    config.chmod(0o644)  # the user's chmod in another window
    write_config(doc, "a: 2\n")
    assert config.read_text() == "a: 2\n"
    doc = read_config(config)
    config.chmod(0o444)  # and the other way round
    with pytest.raises(ConfigError, match="read-only"):
        write_config(doc, "a: 3\n")
    assert config.read_text() == "a: 2\n"


def test_new_file_gets_umask_mode(tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    old = os.umask(0o022)
    try:
        write_config(read_config(config), "a: 1\n")
    finally:
        os.umask(old)
    assert config.stat().st_mode & 0o777 == 0o644
