"""A config that cannot be read is one clear line naming file:line, a usage exit and no
traceback, from every command that reads one (main() catches ConfigError for all)."""

from __future__ import annotations

from pathlib import Path

import pytest

from wizard.cli.main import main
from wizard.model.exits import EXIT_USAGE

BROKEN = b"model_name: demo\nbase_image:\n  image: [ghcr.io/acme/app:1\n"


@pytest.mark.parametrize(
    "argv",
    [
        ["check"],
        ["setup", "--image", "ghcr.io/acme/app:1", "--dry-run"],
        ["guide"],
    ],
    ids=lambda a: a[0],
)
def test_broken_yaml_is_one_line_naming_the_file(
    argv: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "config.yaml"
    config.write_bytes(BROKEN)
    code = main([*argv, "--config", str(config)])
    err = capsys.readouterr().err
    assert code == EXIT_USAGE, err
    assert err.startswith(f"registry-wizard: error: {config}:3: invalid YAML"), err
    assert "fix the file and run again" in err and "Traceback" not in err
    assert config.read_bytes() == BROKEN


def test_other_errors_are_not_taken_for_a_config_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The catch names ConfigError only: a bug elsewhere is not dressed as a usage error."""
    import wizard.cli.check as check

    def boom(args: object) -> int:
        raise RuntimeError("a bug")

    monkeypatch.setattr(check, "_run_check", boom)
    with pytest.raises(RuntimeError, match="a bug"):
        main(["check", "--image", "ghcr.io/acme/app:1"])
