"""The wizard flow through a scripted prompter that fails on any unexpected question,
and the promise that plain answers and flags write byte-identical configs."""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from wizard.flow import INFO_IDS, Flow, Kind, Question
from wizard.model import catalog
from wizard.model.secret import Secret
from wizard.ui import plain

ECR = "123456789012.dkr.ecr.us-east-1.amazonaws.com"
ROLE = "arn:aws:iam::123456789012:role/baseten-ecr"
SA = "baseten-puller@my-project.iam.gserviceaccount.com"
WIP = "projects/123456789012/locations/global/workloadIdentityPools/baseten/providers/baseten"
FIXTURE = Path(__file__).parents[1] / "config" / "fixtures" / "commented.yaml"


class ScriptedPrompter:
    """Answers from a script, in order; any other question fails the test."""

    def __init__(self, script: list[tuple[str, Any]]) -> None:
        self.script = list(script)
        self.shown: list[str] = []
        self.errors: list[str] = []

    def _next(self, q: Question) -> Any:
        assert self.script, f"unexpected question {q.id!r}: {q.prompt}"
        qid, value = self.script.pop(0)
        assert qid == q.id, f"expected question {qid!r}, got {q.id!r} ({q.prompt})"
        if isinstance(value, BaseException):
            raise value
        return value

    choice = text = confirm = _next

    def secret(self, q: Question) -> Secret:
        value = self._next(q)
        return value if isinstance(value, Secret) else Secret(value)

    def show(self, title: str, body: str) -> None:
        self.shown.append(title)

    def error(self, message: str) -> None:
        self.errors.append(message)


# registry x method: (image, method, the method's answers in flow order, setup flags)
CASES: dict[str, tuple[str, str | None, list[tuple[str, str]]]] = {
    "ecr-oidc": (f"{ECR}/team/app:1.0", "oidc", [("role-arn", ROLE)]),
    "ecr-assume-role": (f"{ECR}/team/app:1.0", "assume-role", [("role-arn", ROLE)]),
    "ecr-iam": (
        f"{ECR}/team/app:1.0",
        "iam",
        [("access-key-id-secret", "k_id"), ("secret-access-key-secret", "k_secret")],
    ),
    "ecr-token": (f"{ECR}/team/app:1.0", "token", []),
    "gar-oidc": (
        "us-docker.pkg.dev/my-project/repo/app:1",
        "oidc",
        [("service-account", SA), ("workload-provider", WIP)],
    ),
    "gar-service-account": (
        "us-docker.pkg.dev/my-project/repo/app:1",
        "service-account",
        [("secret-name", "gcp-key")],
    ),
    "gar-token": ("gcr.io/my-project/app:1", "token", []),
    "dockerhub-token": ("acme/app:1.0", None, []),
    "ghcr-token": ("ghcr.io/acme/llm:1.2", None, []),
    "ngc-token": ("nvcr.io/nvidia/pytorch:24.01-py3", None, []),
    "other-token": ("quay.io/acme/app:1", None, []),
}


def script_for(name: str) -> list[tuple[str, Any]]:
    image, method, values = CASES[name]
    registry = name.split("-")[0]
    steps: list[tuple[str, Any]] = [("image", image), ("registry", registry)]
    if method is not None:
        steps.append(("method", method))
    steps += values
    if method in ("oidc",):
        steps += [("org-id", ""), ("team-id", "")]
        if registry == "gar":
            steps.append(("project-number", ""))
    if method == "assume-role":
        steps += [("baseten-role-arn", ""), ("external-id", "")]
    if registry == "ecr" and method in ("oidc", "assume-role"):
        steps.append(("provision", False))
    if method == "token" or method is None:
        steps += [("username", ""), ("token", "")]
    if method == "service-account":
        steps.append(("key-file", ""))
    steps.append(("yes", True))
    return steps


def flags_for(name: str) -> list[str]:
    image, method, values = CASES[name]
    args = ["--image", image]
    if method:
        args += ["--method", method]
    for fid, value in values:
        args += [f"--{fid}", value]
    return args


@pytest.fixture(autouse=True)
def _no_baseten(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("BASETEN_API_KEY", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("USER_TRUSSRC_PATH", str(tmp_path / "no-trussrc"))


@pytest.mark.parametrize("name", sorted(CASES))
def test_plain_answers_and_flags_write_the_same_bytes(tmp_path: Path, name: str) -> None:
    by_prompt = tmp_path / "prompt" / "config.yaml"
    by_flags = tmp_path / "flags" / "config.yaml"
    for target in (by_prompt, by_flags):
        target.parent.mkdir()
        shutil.copyfile(FIXTURE, target)
    prompter = ScriptedPrompter(script_for(name))
    assert plain.run(Flow(by_prompt), prompter) == 0
    assert not prompter.script, f"questions never asked: {prompter.script}"
    assert not prompter.errors
    assert "Cloud-side setup" in prompter.shown and "Review" in prompter.shown
    r = subprocess.run(
        [
            sys.executable,
            "-m",
            "wizard",
            "setup",
            "--config",
            str(by_flags),
            *flags_for(name),
            "--yes",
        ],
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "NO_COLOR": "1"},
    )
    assert r.returncode == 0, r.stderr
    assert by_prompt.read_bytes() == by_flags.read_bytes()
    assert by_prompt.read_bytes() != FIXTURE.read_bytes()


def test_flags_pre_answer_and_are_never_asked(tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    flow = Flow(
        config,
        presets={
            "image": f"{ECR}/a:1",
            "method": "oidc",
            "role-arn": ROLE,
            "org-id": "o",
            "team-id": "t",
            "provision": "no",
        },
    )
    asked = []
    while (q := flow.next()) is not None:
        asked.append(q.id)
        flow.answer(q.id, True if q.kind is Kind.CONFIRM else None)
    assert asked == ["registry", "guide", "yes"]
    assert "region" not in asked  # the ECR host gives it


def test_back_undoes_the_last_answer(tmp_path: Path) -> None:
    prompter = ScriptedPrompter(
        [
            ("image", "ghcr.io/acme/llm:1.2"),
            ("registry", plain.Back()),
            ("image", "nvcr.io/nvidia/x:1"),
            ("registry", "ngc"),
            ("username", ""),
            ("token", ""),
            ("yes", True),
        ]
    )
    config = tmp_path / "config.yaml"
    config.write_text("model_name: m\n")
    assert plain.run(Flow(config), prompter) == 0
    assert "DOCKER_REGISTRY_nvcr.io: null" in config.read_text()
    assert "ghcr" not in config.read_text()


def test_back_right_after_the_guide_goes_to_the_last_answer(tmp_path: Path) -> None:
    """The guide is only shown: Back from the question after it returns to the answer
    before it (the guide shows again on the way forward), not to the guide itself."""
    prompter = ScriptedPrompter(
        [
            ("image", "ghcr.io/acme/llm:1.2"),
            ("registry", "ghcr"),
            ("username", plain.Back()),
            ("registry", "ghcr"),
            ("username", ""),
            ("token", ""),
            ("yes", True),
        ]
    )
    (tmp_path / "config.yaml").write_text("model_name: m\n")
    assert plain.run(Flow(tmp_path / "config.yaml"), prompter) == 0
    assert not prompter.script
    assert prompter.shown.count("Cloud-side setup") == 2


def test_ctrl_c_changes_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "config.yaml"
    config.write_text("model_name: m\n")
    prompter = ScriptedPrompter([("image", "ghcr.io/a/b:1"), ("registry", KeyboardInterrupt())])
    assert plain.run(Flow(config), prompter) == 2
    assert "No changes were made." in capsys.readouterr().err
    assert config.read_text() == "model_name: m\n"


def test_declining_the_write_changes_nothing(tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    config.write_text("model_name: m\n")
    prompter = ScriptedPrompter([*script_for("ghcr-token")[:-1], ("yes", False)])
    assert plain.run(Flow(config), prompter) == 2
    assert config.read_text() == "model_name: m\n"


def test_existing_config_values_are_the_defaults(tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    config.write_text(
        f"base_image:\n  image: {ECR}/a:1\n  docker_auth:\n    auth_method: AWS_IAM\n"
        f"    registry: {ECR}\n    aws_access_key_id_secret_name: my_id\n"
    )
    flow = Flow(config)
    image = flow.next()
    assert image is not None and image.default == f"{ECR}/a:1" and image.current == f"{ECR}/a:1"
    flow.answer("image", "")  # Enter keeps it
    flow.answer("registry", "")
    method = flow.next()
    assert method is not None and method.default == "iam" and method.current == "iam"
    assert "AWS_IAM" in method.help  # the current setup is shown
    flow.answer("method", "")
    key_id = flow.next()
    assert key_id is not None and key_id.id == "access-key-id-secret"
    assert key_id.default == "my_id"


def test_invalid_values_get_an_example_from_the_users_image(tmp_path: Path) -> None:
    flow = Flow(tmp_path / "config.yaml", presets={"image": f"{ECR}/a:1", "method": "oidc"})
    flow.answer("registry", "ecr")
    error = flow.answer("role-arn", "arn:aws:iam::1:role/x")
    assert error and "arn:aws:iam::123456789012:role/baseten-ecr-pull" in error
    assert flow.answer("registry", "ghcr") is None or True  # registry already answered
    wrong = Flow(tmp_path / "config.yaml", presets={"image": "ghcr.io/a/b:1"})
    assert "GitHub Container Registry" in (wrong.answer("registry", "ecr") or "")


def _setup_parser_flags() -> set[str]:
    from wizard.cli import build_parser

    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    setup = sub.choices["setup"]
    return {opt for a in setup._actions for opt in a.option_strings if opt.startswith("--")}


# Flags that steer the run rather than answer a question.
NOT_QUESTIONS = {
    "--help",
    "--config",
    "--demo",
    "--dry-run",
    "--plain",
    "--aws-profile",
    "--no-baseten",
    # how the live check reaches a registry: options, not answers
    "--insecure-registry",
    "--allow-realm",
    "--ca-bundle",
    "--timeout",
}


def test_every_question_has_a_flag_and_every_flag_a_question(tmp_path: Path) -> None:
    seen: dict[str, Question] = {}
    for name in CASES:
        image, method, values = CASES[name]
        presets = {
            "image": image,
            **({"method": method} if method else {}),
            **dict(values),
            "username": "u",
            "key-file": "k.json",
        }
        flow = Flow(tmp_path / "config.yaml", presets=presets)
        flow.secrets["token"] = Secret("t")
        for q in flow.questions():
            seen.setdefault(q.id, q)
    flags = _setup_parser_flags()
    answering = {q.flag for q in seen.values() if q.kind is not Kind.INFO}
    # The catalog's method fields are questions even where a flow skips one
    # (no --region question: an ECR host always gives the region).
    answering |= {f.flag for f in catalog.all_fields().values()}
    assert answering <= flags, answering - flags
    assert flags - NOT_QUESTIONS <= answering, (flags - NOT_QUESTIONS) - answering
    assert {q.id for q in seen.values() if q.kind is Kind.INFO} == set(INFO_IDS)
    assert {f for f in catalog.all_fields() if f != "region"} <= set(seen)


def test_plain_without_a_terminal_names_the_missing_flags(tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    r = subprocess.run(
        [
            sys.executable,
            "-m",
            "wizard",
            "setup",
            "--plain",
            "--config",
            str(config),
            "--image",
            f"{ECR}/a:1",
        ],
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=60,
    )
    assert r.returncode == 2
    assert "not interactive: pass --yes with these flags:" in r.stderr
    assert "--method" in r.stderr
    assert "Traceback" not in r.stderr
    assert not config.exists()


def run_keys(config: Path, keys: list[str]) -> int:
    """The plain wizard with real questionary prompts, `keys` typed into them."""
    from prompt_toolkit.input import create_pipe_input
    from prompt_toolkit.output import DummyOutput

    with create_pipe_input() as pipe:
        for k in keys:
            pipe.send_text(k)
        return plain.run(Flow(config), plain.QuestionaryPrompter(input=pipe, output=DummyOutput()))


def test_a_read_only_config_is_said_before_the_first_question(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Corpus examples copied with cp are 0444: the plain wizard said so only after the
    last answer and the final yes (a newcomer's pass). Now first, and a chmod before the
    write is enough."""
    config = tmp_path / "config.yaml"
    config.write_text("model_name: m\n")
    config.chmod(0o444)
    keys = ["ghcr.io/acme/llm:1.2\r", "\r", "\r", "\r"]
    try:
        assert run_keys(config, [*keys, "n\r"]) != 0  # declined: nothing written
        err = capsys.readouterr().err
        assert f"{config}: is read-only; make it writable (chmod u+w); the steps can be" in err
        assert err.index("is read-only") < err.index("ghcr.io")  # before any answer shows
        assert config.read_text() == "model_name: m\n"
    finally:
        config.chmod(0o644)


def test_real_questionary_prompts_over_pipe_input(tmp_path: Path) -> None:

    config = tmp_path / "config.yaml"
    config.write_text("model_name: m\n")
    keys = [
        "ghcr.io/acme/llm:1.2\r",  # image
        "\r",  # registry: the detected one is pre-selected
        "\r",  # guide shown (info: no prompt) -> username
        "\r",  # token: empty, skip the live check
        "y\r",  # write? (y, then Enter: a yes/no never submits on one key)
    ]
    code = run_keys(config, keys)
    assert code == 0
    assert "DOCKER_REGISTRY_ghcr.io: null" in config.read_text()


def test_a_flag_that_does_not_fit_the_image_is_asked_again_saying_why(tmp_path: Path) -> None:
    """Flags given before the image is known (typed later in the wizard): a --method the
    registry does not offer, a --registry the image contradicts, a --region the ECR host
    contradicts. Each question is asked after all, with the reason; nothing is written
    that the flags got wrong."""
    config = tmp_path / "config.yaml"
    config.write_text("model_name: m\n")

    def walk(presets: dict[str, str], image: str) -> tuple[Flow, Question]:
        flow = Flow(config, presets=presets)
        assert flow.preset_errors() == []  # nothing to judge before the image
        q = flow.next()
        assert q is not None and q.id == "image"
        assert flow.answer("image", image) is None
        for _ in range(20):
            q = flow.next()
            assert q is not None, "every question answered: the wrong flag went unnoticed"
            if flow.preset_error(q) is not None:
                return flow, q
            assert flow.answer(q.id, {"role-arn": ROLE}.get(q.id, q.default)) is None, q.id
        raise AssertionError("the flow did not stop at the wrong flag")

    flow, q = walk({"method": "oidc"}, "ghcr.io/acme/app:1")
    assert q.id == "method"
    assert flow.preset_error(q) == "--method oidc does not fit here: choose one of token"
    assert flow.answer("method", "token") is None
    assert flow.method is not None and flow.method.id == "token"

    flow, q = walk({"registry": "ecr"}, "ghcr.io/acme/app:1")
    assert q.id == "registry"
    assert "ghcr.io is GitHub Container Registry (ghcr)" in (flow.preset_error(q) or "")

    flow, q = walk({"method": "oidc", "region": "us-west-2"}, f"{ECR}/team/app:1")
    assert q.id == "region"
    assert "--region us-west-2 does not match the repository's region us-east-1" in (
        flow.preset_error(q) or ""
    )
    assert flow.answer("region", "") is None  # Enter takes the image's region
    assert flow.value("region") == "us-east-1"


def test_wrong_flags_are_named_before_any_question_once_the_image_is_known(
    tmp_path: Path,
) -> None:
    flow = Flow(
        tmp_path / "config.yaml",
        presets={"image": f"{ECR}/team/app:1", "method": "oidc", "region": "us-west-2"},
    )
    assert [e.split(" does")[0] for e in flow.preset_errors()] == ["--region us-west-2"]
    flow = Flow(tmp_path / "config.yaml", presets={"image": "ghcr.io/a/b:1", "method": "iam"})
    assert flow.preset_errors() == ["--method iam does not fit here: choose one of token"]


def test_review_names_method_flags_the_chosen_method_does_not_take(tmp_path: Path) -> None:
    """--role-arn given, then a GHCR image typed: token takes no role; the flag is not
    written, and Review says so rather than dropping it unseen."""
    (tmp_path / "config.yaml").write_text("model_name: m\n")
    flow = Flow(tmp_path / "config.yaml", presets={"role-arn": ROLE, "yes": "yes"})
    flow.answer("image", "ghcr.io/acme/app:1")
    flow.answer("registry", "ghcr")
    diff, warnings = flow.review()
    assert "role" not in diff
    assert warnings == ["--role-arn not used: --method token does not take it"]


def test_the_image_region_is_the_default_over_a_stale_one_in_the_file(tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    config.write_text(
        "base_image:\n"
        "  image: 123456789012.dkr.ecr.us-west-2.amazonaws.com/team/app:1\n"
        "  docker_auth:\n"
        "    auth_method: AWS_OIDC\n"
        f"    aws_oidc_role_arn: {ROLE}\n"
        "    aws_oidc_region: us-west-2\n"
        "    registry: 123456789012.dkr.ecr.us-west-2.amazonaws.com\n"
    )
    flow = Flow(config, presets={"image": f"{ECR}/team/app:1", "region": "eu-west-1"})
    flow.answer("registry", "ecr")
    flow.answer("method", "oidc")
    flow.answer("role-arn", "")
    q = flow.next()
    assert q is not None and q.id == "region" and flow.preset_error(q)
    assert q.current == "us-west-2" and q.default == "us-east-1"
    assert flow.answer("region", "") is None and flow.value("region") == "us-east-1"


@pytest.mark.parametrize("prompter_kind", ["questionary", "lines"])
def test_less_than_at_the_write_question_goes_back_not_out(
    tmp_path: Path, prompter_kind: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`<` goes back at every prompt, the yes/no too: at "Write these changes?" it went
    on as the default (no) and ended the run, every answer lost."""
    import io

    config = tmp_path / "config.yaml"
    config.write_text("model_name: m\n")
    keys = [
        "ghcr.io/acme/llm:1.2\r",  # image
        "\r",  # registry: the detected one
        "\r",  # username: empty
        "\r",  # token: empty (no live check)
        "<\r",  # write? back...
        "\r",  # ...to the token, empty again
        "y\r",  # write? yes
    ]
    if prompter_kind == "lines":
        import getpass

        lines = ["ghcr.io/acme/llm:1.2", "", "", "", "<", "", "y"]
        stdin = io.StringIO("\n".join(lines) + "\n")
        # getpass reads the terminal itself (its echo off): here, the same lines
        monkeypatch.setattr(getpass, "getpass", lambda *a, **k: stdin.readline().rstrip("\n"))
        code = plain.run(Flow(config), plain.LinePrompter(stdin, io.StringIO()))
    else:
        code = run_keys(config, keys)
    assert code == 0
    assert "DOCKER_REGISTRY_ghcr.io: null" in config.read_text()


def test_the_guide_is_built_when_its_page_is_shown(tmp_path: Path) -> None:
    """Every answer lists the questions again; the cloud-side guide (templates, ~13 ms)
    is built only when a front end shows its page, with the answers given by then."""
    config = tmp_path / "config.yaml"
    config.write_text("model_name: m\nbase_image:\n  image: ghcr.io/acme/llm:1.2\n")
    flow = Flow(config)
    guide = next(q for q in flow.questions() if q.id == "guide")
    assert guide.help == "" and not flow._guides  # listed, not built
    flow.answer("username", "octocat")
    text = next(q for q in flow.questions() if q.id == "guide").help_text()
    assert "read:packages" in text and "octocat" in text
    assert len(flow._guides) == 1


def test_a_yes_no_takes_a_typed_word_not_the_last_y_or_n(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    """questionary's confirm took the last y or n among the keys: "no way" at the write
    question answered yes, and Enter wrote the file. Now an answer that is not y/yes or
    n/no is asked again, saying what to type."""

    config = tmp_path / "config.yaml"
    config.write_text("model_name: m\n")
    before = config.read_bytes()
    keys = ["ghcr.io/acme/llm:1.2\r", "\r", "\r", "\r", "no way\r", "maybe\r", "\r"]
    code = run_keys(config, keys)
    assert code != 0 and config.read_bytes() == before  # Enter alone: no, never a write
    assert capsys.readouterr().err.count("Type y or n (or < to go back), then Enter.") == 2


def test_back_at_the_first_question_says_there_is_nothing_before_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import getpass
    import io

    config = tmp_path / "config.yaml"
    config.write_text("model_name: m\n")
    stdin = io.StringIO("\n".join(["<", "ghcr.io/acme/llm:1.2", "", "", "", "n"]) + "\n")
    monkeypatch.setattr(getpass, "getpass", lambda *a, **k: stdin.readline().rstrip("\n"))
    out = io.StringIO()
    plain.run(Flow(config), plain.LinePrompter(stdin, out))
    assert "This is the first question: there is nothing to go back to." in out.getvalue()
    assert config.read_text() == "model_name: m\n"


@pytest.mark.parametrize("key", ["\x03", "\x04"], ids=["ctrl-c", "ctrl-d"])
def test_ctrl_c_or_ctrl_d_at_a_prompt_cancels_without_a_traceback(tmp_path: Path, key: str) -> None:
    """Ctrl-D (end of input) reached the user as prompt_toolkit's EOFError traceback."""

    config = tmp_path / "config.yaml"
    config.write_text("model_name: m\n")
    for keys in (["ghcr.io/acme/llm:1.2\r", "\r", "\r", "\r", key], [key]):  # yes/no, text
        assert run_keys(config, keys) == 2
        assert config.read_text() == "model_name: m\n"
