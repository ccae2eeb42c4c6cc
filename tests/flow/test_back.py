"""Back never throws an answer away: each is the default when its question comes again,
each method keeps its own values, and Review names the answers that no longer apply."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.standins import COMPLETE_KEY
from wizard.flow import Flow, Kind
from wizard.model.secret import Secret

ECR = "123456789012.dkr.ecr.us-east-1.amazonaws.com/team/app:1.0"
ROLE = "arn:aws:iam::123456789012:role/baseten-ecr"
OTHER_ROLE = "arn:aws:iam::123456789012:role/assume-me"
ORG, TEAM = "abcd1234", "wxyz5678"


@pytest.fixture(autouse=True)
def _no_baseten(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("BASETEN_API_KEY", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("USER_TRUSSRC_PATH", str(tmp_path / "no-trussrc"))


def question(flow: Flow, qid: str):  # type: ignore[no-untyped-def]
    q = flow.next()
    assert q is not None and q.id == qid, (q.id if q else None, qid)
    return q


def go(flow: Flow, *answers: tuple[str, object]) -> None:
    for qid, value in answers:
        question(flow, qid)
        assert flow.answer(qid, value) is None, qid  # type: ignore[arg-type]


def test_back_keeps_every_answer_as_the_default(tmp_path: Path) -> None:
    flow = Flow(tmp_path / "config.yaml")
    go(flow, ("image", ECR), ("registry", "ecr"), ("method", "oidc"), ("role-arn", ROLE))
    go(flow, ("org-id", ORG), ("team-id", TEAM))
    assert question(flow, "guide")
    for _ in range(3):  # team, org, role ARN
        flow.back()
    assert question(flow, "role-arn").default == ROLE
    go(flow, ("role-arn", ""))  # Enter keeps it
    assert question(flow, "org-id").default == ORG
    go(flow, ("org-id", ""))
    assert question(flow, "team-id").default == TEAM
    assert flow.value("role-arn") == ROLE


def test_each_method_keeps_its_own_values(tmp_path: Path) -> None:
    flow = Flow(tmp_path / "config.yaml")
    go(flow, ("image", ECR), ("registry", "ecr"), ("method", "oidc"), ("role-arn", ROLE))
    flow.back()
    flow.back()  # the method
    q = question(flow, "method")
    assert q.default == "oidc" and q.recalled  # the list opens on the choice made
    go(flow, ("method", "assume-role"), ("role-arn", OTHER_ROLE))
    flow.back()
    flow.back()
    assert question(flow, "method").default == "assume-role"
    go(flow, ("method", "oidc"))
    assert question(flow, "role-arn").default == ROLE  # OIDC's, not AssumeRole's
    go(flow, ("role-arn", ""))
    assert any(OTHER_ROLE in d and "AssumeRole" in d for d in flow.dropped()), (
        flow.dropped()
    )  # Review names it


def test_back_from_the_credentials_keeps_the_username_and_token(tmp_path: Path) -> None:
    flow = Flow(tmp_path / "config.yaml")
    go(flow, ("image", "ghcr.io/acme/llm:1.2"), ("registry", "ghcr"), ("guide", None))
    go(flow, ("username", "fakeuser"))
    question(flow, "token")
    assert flow.answer("token", Secret("ghp_" + "x" * 36)) is None
    assert question(flow, "check").kind is Kind.INFO
    flow.back()
    flow.back()
    assert question(flow, "username").default == "fakeuser"
    secret = flow.kept_secret("token")
    assert secret is not None and secret.reveal() == "ghp_" + "x" * 36


def test_an_answer_that_no_longer_fits_is_dropped(tmp_path: Path) -> None:
    flow = Flow(tmp_path / "config.yaml")
    go(flow, ("image", ECR), ("registry", "ecr"), ("method", "oidc"), ("role-arn", ROLE))
    for _ in range(4):
        flow.back()
    go(flow, ("image", "ghcr.io/acme/llm:1.2"))
    assert question(flow, "registry").default == "ghcr"
    assert any(ROLE in d for d in flow.dropped())


def test_store_secret_is_offered_only_where_there_is_a_secret(tmp_path: Path) -> None:
    key = tmp_path / "key.json"
    key.write_text(json.dumps(COMPLETE_KEY))
    flow = Flow(tmp_path / "config.yaml")
    go(
        flow,
        ("image", "us-docker.pkg.dev/my-project/repo/app:1"),
        ("registry", "gar"),
        ("method", "service-account"),
        ("secret-name", "gcp-key"),
        ("guide", None),
        ("key-file", str(key)),
    )
    ids = [q.id for q in flow.questions()]
    assert "check" in ids and "store-secret" not in ids


def test_storing_a_secret_after_a_failed_check_says_so(tmp_path: Path) -> None:
    """The plain wizard went from a failed live check straight to "Store the secret in
    Baseten now?" (a newcomer's pass): the question now carries the failure."""
    from wizard.verify.verdict import CheckResult, Verdict

    flow = Flow(tmp_path / "config.yaml")
    go(
        flow,
        ("image", "ghcr.io/acme/llm:1.2"),
        ("registry", "ghcr"),
        ("guide", None),
        ("username", "octocat"),
    )
    assert flow.answer("token", Secret("ghp_" + "a" * 36)) is None

    def store() -> str:
        (q,) = [q for q in flow.questions() if q.id == "store-secret"]
        return q.help_text()

    assert store() == ""  # not checked yet
    flow.check_result = CheckResult(
        Verdict.BAD_CREDENTIALS, "ghcr.io/acme/llm:1.2", "ghcr.io", "the token was refused", ""
    )
    assert "The live check did not pass" in store()
    flow.check_result = CheckResult(Verdict.OK, "ghcr.io/acme/llm:1.2", "ghcr.io", "", "", "d")
    assert store() == ""
