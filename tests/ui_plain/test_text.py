"""The plain front end's text, without a terminal: guides rendered for reading, wrapping
at word boundaries, line prompts, the write question's default, the summary."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import pytest

from wizard.flow import Flow, Kind, Question
from wizard.ui import console, plain

SAMPLE = Path(__file__).parents[2] / "assets" / "sample-truss"
GUIDE = """# Title here

Baseten pulls `ghcr.io/acme/llm:1.2` with a **classic** token that has `read:packages`,
see [the docs](https://docs.github.com/x).

## 2. Build it

1. Open https://github.com/settings/tokens/new?scopes=read:packages (GitHub → Settings)
   and sign in.
2. Second step.

```sh
# Write base_image and secrets into config.yaml (shows the diff, asks first)
COMMAND
```

| Secret name | Value |
|---|---|
| `A_B` | the key |
""".replace(
    "COMMAND",
    "VALUE=$(printf '%s:%s' '<GITHUB_USERNAME>' \"$TOKEN\" | base64 -w0) && "
    "registry-wizard check --secret-stdin",
)


@pytest.fixture(autouse=True)
def _offline(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("BASETEN_API_KEY", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("USER_TRUSSRC_PATH", str(tmp_path / "no-trussrc"))


def test_a_guide_is_text_with_whole_commands_and_prose_wrapped_between_words() -> None:
    text = console.render_markdown(GUIDE, 40)
    assert "\x1b" not in text  # no colour asked: no escape sequence at all
    for mark in ("#", "```", "**", "`", "]("):
        assert mark not in text.replace("    # ", "").replace("# Write", ""), mark
    lines = text.splitlines()
    command = (
        "    VALUE=$(printf '%s:%s' '<GITHUB_USERNAME>' \"$TOKEN\" | base64 -w0) && "
        "registry-wizard check --secret-stdin"
    )
    assert command in lines  # never wrapped: a folded command breaks when copied
    # a long comment becomes more comment lines
    assert "    # Write base_image and secrets into" in lines
    assert all(line.startswith("    # ") for line in lines if "asks first" in line)
    # prose: at most 40 columns, cut only between words; a URL too long for its
    # indent is whole, at the left edge
    prose = [line for line in lines if not line.startswith("    ")]
    url = "https://github.com/settings/tokens/new?scopes=read:packages"
    assert url in lines
    assert all(len(line) <= 40 for line in prose if line != url), prose
    assert "read:packages," in text
    assert "the docs (https://docs.github.com/x)" in " ".join(text.split())
    assert "  1. Open" in lines and "  2. Second step." in lines
    assert "  A_B          the key" in lines
    assert text.startswith("Title here\n==========\n")


def test_colour_only_when_asked() -> None:
    assert "\x1b[1m" in console.render_markdown(GUIDE, 60, color=True)


def test_wrap_keeps_words_and_hangs_list_items() -> None:
    text = "  ✗ image reference 'ghcr.io/acme/Bad Image' is invalid: it contains whitespace"
    wrapped = console.wrap(text, 30)
    assert wrapped.splitlines()[1].startswith("    ")
    assert wrapped.replace("\n    ", " ") == text
    assert console.wrap("scopes=read:packages", 10) == "scopes=read:packages"


def test_writing_is_never_the_default() -> None:
    write = Question("yes", Kind.CONFIRM, "Write these changes to config.yaml?", default="yes")
    assert plain.write_default(write) is False
    other = Question("provision", Kind.CONFIRM, "Create?", default="no")
    assert plain.write_default(other) is False
    assert plain.write_default(Question("x", Kind.CONFIRM, "?", default="yes")) is True


def _line_run(tmp_path: Path, typed: str) -> tuple[int, str, Path]:
    project = tmp_path / "project"
    shutil.copytree(SAMPLE, project)
    out = io.StringIO()
    prompter = plain.LinePrompter(stdin=io.StringIO(typed), out=out)
    prompter.secret = lambda q: plain.Secret("")  # type: ignore[method-assign]
    code = plain.run(Flow(project / "config.yaml"), prompter)
    return code, out.getvalue(), project / "config.yaml"


@pytest.mark.parametrize("answer", ["", "n", "nope\nno"])
def test_line_prompts_write_only_on_a_typed_yes(tmp_path: Path, answer: str) -> None:
    code, out, config = _line_run(tmp_path, f"\n\noctocat\n{answer}\n")
    assert code == 2
    assert config.read_bytes() == (SAMPLE / "config.yaml").read_bytes()
    assert "Write these changes to config.yaml? [y/N]" in out
    assert "\x1b" not in out


def test_line_prompts_number_the_choices_and_echo_defaults(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, config = _line_run(tmp_path, "ghcr.io/a b\n\n<\n\n9\n5\noctocat\nyes\n")
    assert code == 0, out
    assert "DOCKER_REGISTRY_ghcr.io: null" in config.read_text()
    # the whole validation message, then the question again
    assert "it contains whitespace" in out
    assert out.count("? Base image [ghcr.io/acme/llm-base:1.2]") == 3  # bad, then Back
    assert "  → ghcr.io/acme/llm-base:1.2" in out
    assert "  5. GitHub Container Registry (default): ghcr.io" in out
    assert "Type a number from 1 to 7" in out
    # each question's help, once, as text: what to type, with an example
    assert out.count("The private image Baseten must pull, e.g.") == 1
    err = capsys.readouterr().err
    assert "Baseten secret to create: DOCKER_REGISTRY_ghcr.io" in err
    assert "--username octocat" in err and "<user>" not in err and "`" not in err
    assert "truss push" not in err  # the secret is still to create


def test_a_failed_live_check_is_said_and_keeps_truss_push_back(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from wizard.flow.finish import finish

    project = tmp_path / "project"
    shutil.copytree(SAMPLE, project)
    flow = Flow(project / "config.yaml", presets={"username": "octocat"})
    flow.review_plan()

    from wizard.verify.verdict import CheckResult, Verdict

    failed = CheckResult(
        Verdict.BAD_CREDENTIALS,
        "ghcr.io/acme/llm-base:1.2",
        "ghcr.io",
        "the registry refused the token",
    )
    flow.check_result = failed
    outcome = finish(flow, None, flow.reviewed)
    console.print_outcome(outcome, flow)
    err = capsys.readouterr().err
    assert "Live check: failed" in err and "refused the token" in err
    assert "truss push" not in err


def test_a_check_fix_names_the_wizards_command_not_a_base64_one_liner() -> None:
    """The analysis every front end shows (the live check's, the TUI's inline one) builds
    the value with the wizard's own command for the image, not a base64 one-liner."""
    from wizard.model.image import RegistryKind
    from wizard.model.secret import Secret
    from wizard.verify.analyze import analyze_credentials

    image = "ghcr.io/acme/llm-base:1.2"
    findings = analyze_credentials(
        "octo cat", Secret("<token>"), RegistryKind.GHCR, host="ghcr.io", image=image
    )
    assert findings
    text = console.plain_inline(findings[0].fix)
    assert "base64 -w0" not in text and "`" not in text
    assert (
        "printf '%s' \"$TOKEN\" | registry-wizard secret encode "
        "--image ghcr.io/acme/llm-base:1.2 --username 'octo cat'" in text
    )


def test_messages_and_prompts_carry_no_code_marks() -> None:
    out = io.StringIO()
    prompter = plain.LinePrompter(stdin=io.StringIO("x\n"), out=out)
    prompter.error("run `truss whoami --show-oidc` for the org ID")
    prompter.text(Question("org-id", Kind.TEXT, "Org ID (`truss whoami`)", required=False))
    assert "`" not in out.getvalue()
    assert "run truss whoami --show-oidc for the org ID" in out.getvalue()


def test_marks_are_dropped_from_markdown_never_from_a_value() -> None:
    """One function, console.plain_inline, drops marks for every front end: a masked
    value ("********") and underscores inside a word are no bold marks, and an answer
    echoed back (a default kept with Enter) is shown exactly as it is."""
    assert console.plain_inline("**Bold** and __bold__ `a__b__c`") == "Bold and bold a__b__c"
    assert console.plain_inline("the key ******** was refused") == "the key ******** was refused"
    assert console.plain_inline("image acme/my__app__x:1") == "image acme/my__app__x:1"
    out = io.StringIO()
    prompter = plain.LinePrompter(stdin=io.StringIO("\n"), out=out)
    image = "acme/**my__app__x**:1"
    prompter.text(Question("image", Kind.TEXT, "The **image**", default=image))
    assert "? The image [acme/**my__app__x**:1]" in out.getvalue()
    assert f"→ {image}" in out.getvalue()


def test_not_a_truss_config_offers_the_projects_below(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    if not hasattr(Flow, "project_problem"):
        pytest.skip("this flow does not tell a Truss project from other YAML")
    (tmp_path / "config.yaml").write_text("name: not truss\n")
    shutil.copytree(SAMPLE, tmp_path / "models" / "llm")
    flow = Flow(tmp_path / "config.yaml")
    out = io.StringIO()
    prompter = plain.LinePrompter(stdin=io.StringIO("\n"), out=out)
    assert plain._project(flow, prompter)
    assert flow.config == tmp_path / "models" / "llm" / "config.yaml"
    assert "no Truss keys" in capsys.readouterr().err
    assert "  1. models/llm/config.yaml (default)" in out.getvalue()


def test_no_config_yaml_is_created_with_the_setup_after_a_typed_yes(tmp_path: Path) -> None:
    out = io.StringIO()
    typed = "ghcr.io/acme/app:1\n\n\nyes\n"
    prompter = plain.LinePrompter(stdin=io.StringIO(typed), out=out)
    prompter.secret = lambda q: plain.Secret("")  # type: ignore[method-assign]
    assert plain.run(Flow(tmp_path / "config.yaml"), prompter) == 0
    assert "DOCKER_REGISTRY_ghcr.io: null" in (tmp_path / "config.yaml").read_text()


def test_an_untagged_image_gets_the_latest_note_where_it_is_typed(tmp_path: Path) -> None:
    code, out, _ = _line_run(tmp_path, "ghcr.io/acme/llm-base\n\noctocat\n\n")
    assert code == 2  # Enter at the write question: nothing written
    between = out[out.index("? Base image") : out.index("? Registry")]
    assert "uses the latest tag" in between and "pin a digest" in between, between
