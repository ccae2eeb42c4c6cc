"""Reading config.yaml: every refusal names file:line and says what to do."""

from __future__ import annotations

from pathlib import Path

import pytest

from wizard.config.document import ConfigError, read_config


@pytest.mark.parametrize(
    ("content", "line", "words"),
    [
        (b"model_name: a\nresources:\n  cpu: '1\n", 3, "invalid YAML"),
        (b"model_name: a\nbase_image:\n  image: x\n  image: y\n", 4, "duplicate key 'image'"),
        (b"model_name: a\nmodel_name: b\n", 2, "first at line 1"),
        (b"- a\n- b\n", 1, "is a list"),
        (b"just a string\n", 1, "single value"),
        (b"{model_name: a}\n", 1, "flow-style"),
        (b"model_name: a\n\xff\xfe\n", 2, "not UTF-8"),
        (b"a: [1, 2\n", None, "invalid YAML"),
    ],
)
def test_refusals_name_the_line(
    tmp_path: Path, content: bytes, line: int | None, words: str
) -> None:
    config = tmp_path / "config.yaml"
    config.write_bytes(content)
    with pytest.raises(ConfigError) as err:
        read_config(config)
    assert words in str(err.value)
    if line is not None:
        assert err.value.line == line
        assert f"{config}:{line}:" in str(err.value)


def test_a_directory_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="is a directory"):
        read_config(tmp_path)


def test_missing_file_is_an_empty_config_but_missing_dir_is_an_error(tmp_path: Path) -> None:
    doc = read_config(tmp_path / "config.yaml")
    assert not doc.exists and doc.root is None
    with pytest.raises(ConfigError, match="does not exist"):
        read_config(tmp_path / "nope" / "config.yaml")


def test_lines_and_values_are_located(tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    config.write_text(
        "# c\nbase_image:\n  image: a/b:1\n  docker_auth:\n    auth_method: AWS_IAM\n"
    )
    doc = read_config(config)
    assert doc.line_of("base_image", "docker_auth", "auth_method") == 5
    assert doc.line_of("base_image", "docker_auth", "registry") == 4  # deepest existing key
    assert doc.section("base_image") == {
        "image": "a/b:1",
        "docker_auth": {"auth_method": "AWS_IAM"},
    }
