"""What a question says about a value as it is entered: advice that accepts it (an image
without a tag), and a key file read as the live check will read it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.standins import COMPLETE_KEY
from wizard.flow import Flow
from wizard.flow.state import image_note


@pytest.fixture(autouse=True)
def _no_baseten(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("BASETEN_API_KEY", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("USER_TRUSSRC_PATH", str(tmp_path / "no-trussrc"))


def test_an_untagged_image_is_accepted_with_the_latest_note(tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    config.write_text("model_name: ranker\n")
    flow = Flow(config)
    q = flow.next()
    assert q is not None and q.id == "image" and q.note is not None
    note = q.note("acme/llm-base")
    assert note is not None and "latest" in note and "digest" in note
    assert q.note("acme/llm-base:1.2") is None
    assert q.note("acme/llm-base@sha256:" + "a" * 64) is None
    assert image_note("not an image!") is None
    assert flow.answer("image", "acme/llm-base") is None  # advice, not a refusal
    assert flow.answer("registry", "dockerhub") is None
    _, warnings = flow.review()
    assert any("latest" in w for w in warnings), warnings
    flow2 = Flow(config)
    flow2.answer("image", "acme/llm-base:1.2")
    flow2.answer("registry", "dockerhub")
    assert not any("latest" in w for w in flow2.review()[1])


GAR = "us-docker.pkg.dev/my-project/repo/app:1"


def _to_key_file(tmp_path: Path) -> Flow:
    flow = Flow(tmp_path / "config.yaml")
    for qid, value in [
        ("image", GAR),
        ("registry", "gar"),
        ("method", "service-account"),
        ("secret-name", "gcp-key"),
        ("guide", None),
    ]:
        assert flow.answer(qid, value) is None, qid
    q = flow.next()
    assert q is not None and q.id == "key-file"
    return flow


def test_the_key_file_is_read_when_given_not_at_the_live_check(tmp_path: Path) -> None:
    flow = _to_key_file(tmp_path)
    q = flow.next()
    assert q is not None and q.validate is not None
    missing = q.validate(str(tmp_path / "nope.json"))
    assert missing is not None and "cannot read the key file" in missing
    assert "gcloud iam service-accounts keys create" in missing  # the hint: where keys come from
    not_json = tmp_path / "notes.txt"
    not_json.write_text("hello")
    error = flow.answer("key-file", str(not_json))
    assert error is not None and "is not a service-account JSON key" in error
    wrong = tmp_path / "other.json"
    wrong.write_text('{"type": "authorized_user"}')
    assert "service_account" in (flow.answer("key-file", str(wrong)) or "")
    good = tmp_path / "key.json"
    cut = tmp_path / "cut.json"  # a key pasted in part: said as such, not as its token_uri
    cut.write_text('{"type": "service_account", "client_email": "a@p.iam.gserviceaccount.com"}')
    error = flow.answer("key-file", str(cut))
    assert (
        error is not None and "incomplete service-account key: no private_key, token_uri" in error
    )
    good.write_text(json.dumps(COMPLETE_KEY))
    assert flow.answer("key-file", str(good)) is None


def test_the_key_file_path_may_start_with_a_tilde(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "home"
    home.mkdir()
    key = dict(COMPLETE_KEY)
    # a token_uri the check refuses before contacting anything: the file was read
    key["token_uri"] = "https://tokens.example.invalid/token"
    (home / "key.json").write_text(json.dumps(key))
    monkeypatch.setenv("HOME", str(home))
    flow = _to_key_file(tmp_path)
    assert flow.answer("key-file", "~/key.json") is None
    # The live check reads the file the form's check read (it said "no such file").
    result = flow.run_check()
    assert result is not None and not result.ok
    assert "cannot read the key file" not in result.detail, result.detail
    assert "token_uri" in result.detail, result.detail
    empty = _to_key_file(tmp_path)
    assert empty.answer("key-file", "") is None  # empty: skip the live check


def test_keyless_values_are_prefilled_with_what_the_guide_creates(tmp_path: Path) -> None:
    flow = Flow(tmp_path / "config.yaml")
    for qid, value in [
        ("image", "123456789012.dkr.ecr.us-gov-west-1.amazonaws.com/team/app:1.0"),
        ("registry", "ecr"),
        ("method", "oidc"),
    ]:
        assert flow.answer(qid, value) is None, qid
    q = flow.next()
    assert q is not None and q.id == "role-arn"
    assert q.default == "arn:aws-us-gov:iam::123456789012:role/baseten-ecr-pull"
    assert flow.missing() and flow.missing()[0].id == "role-arn"  # a script still names it
    assert flow.answer("role-arn", "") is None  # Enter takes it
    assert flow.value("role-arn") == q.default

    gar = Flow(tmp_path / "config.yaml", presets={"project-number": "555"})
    for qid, value in [
        ("image", "us-docker.pkg.dev/my-project/repo/app:1"),
        ("registry", "gar"),
        ("method", "oidc"),
    ]:
        assert gar.answer(qid, value) is None, qid
    by_id = {q.id: q for q in gar.questions()}
    assert by_id["service-account"].default == "baseten-puller@my-project.iam.gserviceaccount.com"
    assert by_id["workload-provider"].default == (
        "projects/555/locations/global/workloadIdentityPools/baseten-pool/providers/baseten-oidc"
    )
    unknown = Flow(tmp_path / "config.yaml")
    for qid, value in [
        ("image", "us-docker.pkg.dev/my-project/repo/app:1"),
        ("registry", "gar"),
        ("method", "oidc"),
    ]:
        unknown.answer(qid, value)
    assert {q.id: q for q in unknown.questions()}["workload-provider"].default is None


def test_the_keyless_check_step_names_the_file_written(tmp_path: Path) -> None:
    """After --demo or --config elsewhere, a bare `registry-wizard check` would check the
    config.yaml of wherever the user is, not the file just written."""
    import shlex

    from wizard.config.plan import SetupRequest, plan_setup
    from wizard.flow.steps import next_steps

    config = tmp_path / "my models" / "config.yaml"
    config.parent.mkdir()
    config.write_text("model_name: m\n")
    plan = plan_setup(
        SetupRequest(
            config,
            image="123456789012.dkr.ecr.us-east-1.amazonaws.com/team/app:1.0",
            method="oidc",
            values={"role-arn": "arn:aws:iam::123456789012:role/baseten-ecr"},
        )
    )
    steps = next_steps(plan)
    assert f"`registry-wizard check --config {shlex.quote(str(config))}`" in steps[-1], steps


def test_a_provider_path_asked_before_its_guide_says_how_to_get_it(tmp_path: Path) -> None:
    """GCP OIDC asks for the workload identity provider on the Method step, before the guide
    that creates it; without the project number there is nothing to prefill, and it said
    only "is required" (a newcomer's pass). Its help now names the path the guide creates
    and how to get the number; "let the wizard create it" is said only where it can."""
    flow = Flow(tmp_path / "config.yaml")
    for qid, value in [("image", GAR), ("registry", "gar"), ("method", "oidc")]:
        assert flow.answer(qid, value) is None, qid
    questions = {q.id: q for q in flow.questions()}
    provider = questions["workload-provider"].help_text()
    assert (
        "creates projects/<project NUMBER>/locations/global/workloadIdentityPools/"
        "baseten-pool/providers/baseten-oidc" in provider
    ), provider
    assert "gcloud projects describe my-project --format='value(projectNumber)'" in provider
    account = questions["service-account"].help_text()
    assert "keep it if you follow the guide." in account and "let the wizard" not in account


def test_a_key_path_under_no_users_home_is_an_answer_not_a_crash(tmp_path: Path) -> None:
    """`~nosuchuser/k.json` raised RuntimeError out of the form's check: a traceback and
    every answer lost (an attack on the ~ expansion)."""
    flow = _to_key_file(tmp_path)
    error = flow.answer("key-file", "~nosuchuser-xyz/k.json")
    assert error is not None and "no such user's home" in error, error
    assert "give the key's full path" in error
