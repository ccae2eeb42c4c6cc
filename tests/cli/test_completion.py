"""`registry-wizard completion bash|zsh|fish`: the script is loaded into the real shell
and asked for completions, as a user's Tab would."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import unavailable
from wizard.model import catalog


def completion_script(shell: str) -> str:
    r = subprocess.run(
        [sys.executable, "-m", "wizard", "completion", shell],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert r.returncode == 0, r.stderr
    return r.stdout


@pytest.fixture(scope="module")
def bash_script(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("completion") / "registry-wizard.bash"
    path.write_text(completion_script("bash"))
    return path


def bash_complete(script: Path, *words: str, cwd: Path | None = None) -> list[str]:
    """What bash offers for the last of `words` (the word being typed), asking the
    completion function the way bash's `complete -F` calls it."""
    quoted = " ".join(f"'{w}'" for w in ("registry-wizard", *words))
    program = f"""
source {str(script)!r}
COMP_WORDS=({quoted})
COMP_CWORD=$(( ${{#COMP_WORDS[@]}} - 1 ))
COMP_LINE="${{COMP_WORDS[*]}}"
COMP_POINT=${{#COMP_LINE}}
COMPREPLY=()
_shtab_registry_wizard registry-wizard "${{COMP_WORDS[COMP_CWORD]}}" "${{COMP_WORDS[COMP_CWORD-1]}}"
printf '%s\\n' "${{COMPREPLY[@]}}"
"""
    r = subprocess.run(
        ["bash", "--norc", "--noprofile", "-c", program],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=30,
    )
    assert r.returncode == 0, r.stderr
    return [line for line in r.stdout.splitlines() if line]


def test_commands_complete(bash_script: Path) -> None:
    offered = bash_complete(bash_script, "")
    assert {"setup", "check", "guide", "secret", "doctor", "completion"} <= set(offered)
    assert bash_complete(bash_script, "do") == ["doctor"]


def starting(values: object, prefix: str) -> list[str]:
    return [v for v in values if v.startswith(prefix)]  # type: ignore[attr-defined]


def test_registry_values_complete(bash_script: Path) -> None:
    assert bash_complete(bash_script, "setup", "--registry", "") == list(catalog.REGISTRIES)
    assert bash_complete(bash_script, "setup", "--registry", "g") == starting(
        catalog.REGISTRIES, "g"
    )
    assert "ghcr" in bash_complete(bash_script, "guide", "--registry", "g")


def test_method_values_complete(bash_script: Path) -> None:
    assert bash_complete(bash_script, "setup", "--method", "") == list(catalog.METHOD_IDS)
    assert bash_complete(bash_script, "guide", "--method", "assume") == starting(
        catalog.METHOD_IDS, "assume"
    )


def test_flags_complete(bash_script: Path) -> None:
    flags = bash_complete(bash_script, "setup", "--")
    assert {"--config", "--image", "--registry", "--method", "--dry-run", "--yes"} <= set(flags)
    assert bash_complete(bash_script, "doctor", "--format", "") == ["text", "json", "sarif"]


def test_config_completes_file_names(bash_script: Path, tmp_path: Path) -> None:
    (tmp_path / "config.yaml").write_text("model_name: m\n")
    (tmp_path / "models").mkdir()
    for words in (("setup", "--config", ""), ("--config", ""), ("check", "--config", "")):
        assert {"config.yaml", "models"} <= set(bash_complete(bash_script, *words, cwd=tmp_path))
    assert bash_complete(bash_script, "setup", "--config", "con", cwd=tmp_path) == ["config.yaml"]
    assert "models" in bash_complete(bash_script, "doctor", "", cwd=tmp_path)


def test_completion_names_its_shells(bash_script: Path) -> None:
    assert bash_complete(bash_script, "completion", "") == ["bash", "zsh", "fish"]


def test_fish_completes_registries_methods_and_files(tmp_path: Path) -> None:
    if shutil.which("fish") is None:
        unavailable("fish is not installed (apt-get install fish)")
    script = tmp_path / "registry-wizard.fish"
    script.write_text(completion_script("fish"))
    (tmp_path / "config.yaml").write_text("model_name: m\n")

    def complete(line: str) -> list[str]:
        r = subprocess.run(
            ["fish", "--no-config", "-c", f"source {script}; complete -C{line!r}"],
            capture_output=True,
            text=True,
            cwd=tmp_path,
            timeout=30,
        )
        assert r.returncode == 0, r.stderr
        return [line.split("\t")[0] for line in r.stdout.splitlines()]

    assert complete("registry-wizard setup --method ") == list(catalog.METHOD_IDS)
    assert complete("registry-wizard setup --registry g") == starting(catalog.REGISTRIES, "g")
    assert "config.yaml" in complete("registry-wizard setup --config ")


def test_zsh_script_is_a_valid_completion_function(tmp_path: Path) -> None:
    if shutil.which("zsh") is None:
        unavailable("zsh is not installed (apt-get install zsh)")
    script = completion_script("zsh")
    assert script.startswith("#compdef registry-wizard")
    for value in (*catalog.REGISTRIES, *catalog.METHOD_IDS):
        assert value in script
    path = tmp_path / "_registry-wizard"
    path.write_text(script)
    r = subprocess.run(["zsh", "-n", str(path)], capture_output=True, text=True, timeout=30)
    assert r.returncode == 0, r.stderr


def test_the_completion_command_alone_loads_shtab() -> None:
    """shtab is imported by the completion command, never by the rest of the CLI."""
    probe = (
        "import sys, wizard.cli as c\n"
        "try:\n    c.main(['--help'])\nexcept SystemExit:\n    pass\n"
        "print('shtab' in sys.modules)"
    )
    r = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60)
    assert r.stdout.strip().splitlines()[-1] == "False"
