"""Guides off the happy path: a role in another AWS account or with an IAM path, a GCP
service account or pool in another project, an existing OIDC provider without Baseten's
audience, AssumeRole's prerequisites, public images and registries Baseten cannot reach,
Google's subject limit. Goldens for each case, then what each must say."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.guide.test_guides import FACTS, assert_golden
from wizard.guide import cloud_steps
from wizard.guide import guides as g
from wizard.model import catalog, rules
from wizard.model import policies as pol
from wizard.model.facts import BasetenFacts, subject
from wizard.model.image import detect_registry, parse_image

ECR_IMAGE = "123456789012.dkr.ecr.us-east-1.amazonaws.com/team/app:1.0"
OTHER_ROLE = "arn:aws:iam::111111111111:role/pull"
PATH_ROLE = "arn:aws:iam::123456789012:role/service-role/baseten-pull"
GAR_IMAGE = "us-central1-docker.pkg.dev/img-project/my-repo/app:1.0"
OTHER_SA = "puller@sa-project.iam.gserviceaccount.com"
OTHER_POOL = "projects/999999999/locations/global/workloadIdentityPools/pool-a/providers/prov-b"


def guide(
    image: str,
    method_id: str,
    answers: dict[str, str] | None = None,
    facts: BasetenFacts = FACTS,
    extra: tuple[rules.Finding, ...] = (),
) -> g.Guide:
    ref = parse_image(image)
    info = detect_registry(ref)
    values = g.values_from(ref, info, facts, answers or {})
    return g.build_guide(info.kind.value, method_id, values, extra)


CASES: dict[str, tuple[str, str, dict[str, str]]] = {
    "ecr-oidc.cross-account": (ECR_IMAGE, "oidc", {"role-arn": OTHER_ROLE}),
    "ecr-assume-role.cross-account": (ECR_IMAGE, "assume-role", {"role-arn": OTHER_ROLE}),
    "ecr-oidc.role-path": (ECR_IMAGE, "oidc", {"role-arn": PATH_ROLE}),
    "gar-oidc.other-projects": (
        GAR_IMAGE,
        "oidc",
        {"service-account": OTHER_SA, "workload-provider": OTHER_POOL},
    ),
    "gar-service-account.other-project": (
        GAR_IMAGE,
        "service-account",
        {"service-account": OTHER_SA},
    ),
    "dockerhub-token.official-image": ("ubuntu:22.04", "token", {"username": "acmebot"}),
    "other-token.loopback": ("localhost:5000/team/app:1.0", "token", {"username": "me"}),
    "other-token.private-address": ("192.168.1.20:5000/team/app:1.0", "token", {"username": "me"}),
}


@pytest.mark.parametrize("name", list(CASES))
def test_golden(name: str) -> None:
    image, method_id, answers = CASES[name]
    assert_golden(f"{name}.md", guide(image, method_id, answers).markdown)


@pytest.mark.parametrize("name", list(CASES))
def test_documents_are_embedded_valid_and_complete(name: str) -> None:
    image, method_id, answers = CASES[name]
    built = guide(image, method_id, answers)
    for doc_name, text in built.documents.items():
        assert text.rstrip("\n") in built.markdown, doc_name
        if doc_name.endswith(".json"):
            json.loads(text)
    assert "{{" not in built.markdown and pol.find_placeholders(built.markdown) == []


# --- 1. a role in another account than the repository ------------------------------------


@pytest.mark.parametrize("method_id", ["oidc", "assume-role"])
def test_cross_account_puts_the_role_in_its_account_and_grants_it_on_the_repository(
    method_id: str,
) -> None:
    built = guide(ECR_IMAGE, method_id, {"role-arn": OTHER_ROLE})
    md = built.markdown
    if method_id == "oidc":
        trust = json.loads(built.documents[g.TRUST_POLICY])
        assert trust["Statement"][0]["Principal"] == {
            "Federated": "arn:aws:iam::111111111111:oidc-provider/oidc.baseten.co"
        }
        assert "123456789012:oidc-provider" not in md
    # The role's commands run in the role's account ...
    create = md.index("aws iam create-role")
    assert md.rfind("AWS credentials for account\n`111111111111`", 0, create) != -1
    # ... its pull policy names the repository in the image's account ...
    read = json.loads(built.documents[g.ECR_READ_POLICY])
    assert read["Statement"][1]["Resource"] == (
        "arn:aws:ecr:us-east-1:123456789012:repository/team/app"
    )
    # ... and the repository grants the role, set with the repository account's credentials.
    repo = json.loads(built.documents[g.ECR_REPOSITORY_POLICY])
    (statement,) = repo["Statement"]
    assert statement["Principal"] == {"AWS": OTHER_ROLE}
    assert statement["Effect"] == "Allow"
    assert statement["Action"] == [
        "ecr:BatchGetImage",
        "ecr:GetDownloadUrlForLayer",
        "ecr:BatchCheckLayerAvailability",
    ]
    step = md[md.index("Let the role pull from the repository in account `123456789012`") :]
    assert "with AWS credentials for account `123456789012`" in step
    assert (
        "aws ecr set-repository-policy \\\n    --repository-name team/app \\\n"
        "    --region us-east-1 \\\n    --policy-text file://ecr-repository-policy.json"
    ) in step
    assert "aws ecr get-repository-policy" in step and "replaces" in step
    assert step.index("get-repository-policy") < step.index("aws ecr set-repository-policy")
    assert md.index("aws iam create-role") < md.index("aws ecr set-repository-policy")
    # The rulebook's warning, as setup and doctor give it.
    found = rules.role_account_finding(OTHER_ROLE, detect_registry(parse_image(ECR_IMAGE)))
    assert found is not None and f"**Warning:** {found.message}" in md


@pytest.mark.parametrize("method_id", ["oidc", "assume-role"])
def test_same_account_has_no_repository_policy_step(method_id: str) -> None:
    built = guide(ECR_IMAGE, method_id, {"role-arn": "arn:aws:iam::123456789012:role/pull"})
    assert g.ECR_REPOSITORY_POLICY not in built.documents
    assert "set-repository-policy" not in built.markdown
    assert "role-other-account" not in built.markdown


# --- 2. a role with an IAM path ----------------------------------------------------------


def test_role_path_is_created_with_the_role() -> None:
    built = guide(ECR_IMAGE, "oidc", {"role-arn": PATH_ROLE})
    commands = built.documents[g.COMMANDS]
    assert (
        "aws iam create-role \\\n    --role-name baseten-pull \\\n    --path /service-role/ \\\n"
        "    --assume-role-policy-document file://trust-policy.json"
    ) in commands
    assert "--path" not in guide(ECR_IMAGE, "oidc", {}).documents[g.COMMANDS]
    assert f"aws_oidc_role_arn: {PATH_ROLE}" in built.markdown
    assert f"The last command prints the role ARN, `{PATH_ROLE}`" in built.markdown


def test_role_path_commands_create_that_arn_in_a_shell(tmp_path: Path) -> None:
    """A stand-in `aws` prints the ARN create-role would make from its arguments."""
    stub = tmp_path / "aws"
    stub.write_text(
        "#!/bin/sh\n"
        'if [ "$2" = create-role ]; then path=/; shift 2\n'
        '  while [ $# -gt 0 ]; do case "$1" in --role-name) n=$2;; --path) path=$2;; esac; '
        "shift; done\n"
        '  echo "arn:aws:iam::123456789012:role${path}${n}" > "$ARN_OUT"; fi\n'
    )
    stub.chmod(0o755)
    commands = guide(ECR_IMAGE, "oidc", {"role-arn": PATH_ROLE}).documents[g.COMMANDS]
    out = tmp_path / "arn"
    env = {**os.environ, "PATH": f"{tmp_path}{os.pathsep}{os.environ['PATH']}", "ARN_OUT": str(out)}
    subprocess.run(["bash", "-c", commands], check=True, env=env, cwd=tmp_path)
    assert out.read_text().strip() == PATH_ROLE


# --- 3. GCP projects ---------------------------------------------------------------------


def test_service_account_and_pool_act_in_their_own_projects() -> None:
    built = guide(GAR_IMAGE, "oidc", {"service-account": OTHER_SA, "workload-provider": OTHER_POOL})
    commands = built.documents[g.COMMANDS].replace(" \\\n    ", " ")
    assert "gcloud iam service-accounts create puller --project=sa-project" in commands
    assert (
        "gcloud artifacts repositories add-iam-policy-binding my-repo --project=img-project "
        "--location=us-central1 --member=serviceAccount:puller@sa-project.iam.gserviceaccount.com"
    ) in commands
    assert "gcloud iam workload-identity-pools create pool-a --project=999999999" in commands
    assert "providers create-oidc prov-b --project=999999999" in commands
    assert (
        f"gcloud iam service-accounts add-iam-policy-binding {OTHER_SA} --project=sa-project"
    ) in commands
    assert "principalSet://iam.googleapis.com/projects/999999999/locations/global/" in commands
    assert "gcloud services enable iamcredentials.googleapis.com --project=sa-project" in commands
    assert "--project=img-project --location=global" not in commands
    md = built.markdown
    assert "project number `999999999`" in md
    assert (
        "projects `img-project` (the repository), `sa-project` (the service account) and "
        "`999999999` (the workload identity pool)"
    ) in md
    assert f"gcp_oidc_workload_id_provider: {OTHER_POOL}" in md


def test_a_provider_path_number_beats_the_image_projects_number() -> None:
    answers = {"project-number": "123456789", "workload-provider": OTHER_POOL}
    commands = guide(GAR_IMAGE, "oidc", answers).documents[g.COMMANDS]
    assert "projects/999999999/locations/global/workloadIdentityPools/pool-a/*" in commands
    assert "projects/123456789/" not in commands


def test_service_account_key_in_another_project() -> None:
    commands = (
        guide(GAR_IMAGE, "service-account", {"service-account": OTHER_SA})
        .documents[g.COMMANDS]
        .replace(" \\\n    ", " ")
    )
    assert "gcloud iam service-accounts create puller --project=sa-project" in commands
    assert "add-iam-policy-binding my-repo --project=img-project" in commands
    assert f"keys create key.json --iam-account={OTHER_SA} --project=sa-project" in commands


def test_same_project_keeps_one_project_everywhere() -> None:
    commands = guide(GAR_IMAGE, "oidc", {"project-number": "42"}).documents[g.COMMANDS]
    projects = {w for w in commands.split() if w.startswith("--project=")}
    assert projects == {"--project=img-project"}


# --- 4. an existing provider without Baseten's audience ----------------------------------


def test_existing_provider_gets_the_audience_added() -> None:
    md = guide(ECR_IMAGE, "oidc", {"role-arn": OTHER_ROLE}).markdown
    arn = "arn:aws:iam::111111111111:oidc-provider/oidc.baseten.co"
    assert (
        f"aws iam get-open-id-connect-provider \\\n    --open-id-connect-provider-arn {arn} \\\n"
        "    --query ClientIDList"
    ) in md
    assert (
        "aws iam add-client-id-to-open-id-connect-provider \\\n"
        f"    --open-id-connect-provider-arn {arn} \\\n    --client-id oidc.baseten.co"
    ) in md
    assert "EntityAlreadyExists" in md


# --- 5. AssumeRole's prerequisites -------------------------------------------------------


def test_assume_role_says_truss_version_and_enablement_up_front() -> None:
    md = guide(ECR_IMAGE, "assume-role").markdown
    head = md.split("\n## 1.", 1)[0]
    since = ".".join(map(str, rules.METHOD_SINCE[rules.truss.AuthMethod.AWS_ASSUME_ROLE]))
    assert f"truss {since} or newer" in head
    assert "`truss whoami --show-aws-assume-role`" in head
    assert "not enabled for this organization" in head and "Baseten support" in head
    assert "use OIDC, which needs neither" in head


# --- 6. public images, unreachable registries --------------------------------------------


def test_ecr_public_is_anonymous_end_to_end() -> None:
    built = guide("public.ecr.aws/docker/library/python:3.11-slim", "anonymous")
    assert built.documents[g.CONFIG_SNIPPET] == (
        "base_image:\n  image: public.ecr.aws/docker/library/python:3.11-slim\n"
    )
    assert "> **Note:** public.ecr.aws is Amazon ECR Public" in built.markdown
    for word in ("DOCKER_REGISTRY_public", "Token:", "base64", "registry-wizard setup"):
        assert word not in built.markdown
    assert "registry-wizard check --config config.yaml\n" in built.markdown


def test_a_docker_hub_official_image_says_no_credential_is_needed() -> None:
    md = guide("ubuntu:22.04", "token", {"username": "acmebot"}).markdown
    head = md.split("\n## 1.", 1)[0]
    assert "> **Note:** docker.io/library/ubuntu is a Docker Hub official" in head
    assert "official image" not in guide("acme/app:1.0", "token").markdown
    assert "`image-public`" not in md  # the guide speaks sentences; rule codes are doctor's


@pytest.mark.parametrize(
    ("image", "reason"),
    [
        ("localhost:5000/team/app:1.0", "a loopback address"),
        ("10.1.2.3:5000/team/app:1.0", "a private network address"),
        ("192.168.1.20:5000/team/app:1.0", "a private network address"),
    ],
)
def test_unreachable_registry_is_a_warning_in_the_guide(image: str, reason: str) -> None:
    md = guide(image, "token", {"username": "me"}).markdown
    head = md.split("\n## 1.", 1)[0]
    host = parse_image(image).registry
    assert f"> **Warning:** {host} is {reason}" in head


@pytest.fixture
def public_registry() -> Iterator[Any]:
    """A real registry serving nvidia/pytorch:24.01-py3 to anyone, as NGC serves its
    public images; and one behind a password."""
    from tests.conftest import unavailable
    from tests.e2e.registry_server import RegistryServer, find_registry_binary, push_image

    if find_registry_binary() is None:
        unavailable("docker-registry is not installed (apt-get install docker-registry)")
    public = RegistryServer("none").start()
    private = RegistryServer("htpasswd", users={"octocat": "s3cret-pass"}).start()
    try:
        push_image(public, "nvidia/pytorch", "24.01-py3", "oci")
        push_image(private, "acme/app", "1.0", "oci")
        yield public, private
    finally:
        public.stop()
        private.stop()


def test_a_live_anonymous_pull_tells_the_guide_the_image_is_public(
    public_registry: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from wizard.guide import service

    public, private = public_registry
    monkeypatch.setenv(
        "REGISTRY_WIZARD_ENDPOINTS", json.dumps({"nvcr.io": public.url, "ghcr.io": private.url})
    )
    config = tmp_path / "config.yaml"

    def build(image: str, probe: bool = True) -> tuple[Any, Any]:
        req = service.GuideRequest(config, image=image, use_baseten=False, probe_public=probe)
        return service.build(req)

    built, ctx = build("nvcr.io/nvidia/pytorch:24.01-py3")
    assert "> **Note:** nvcr.io/nvidia/pytorch pulled anonymously" in built.markdown
    assert "an anonymous pull works: the image is public" in ctx.notes
    built, ctx = build("ghcr.io/acme/app:1.0")
    assert "pulled anonymously" not in built.markdown
    assert "an anonymous pull did not work: the image needs a credential" in ctx.notes
    built, ctx = build("nvcr.io/nvidia/pytorch:24.01-py3", probe=False)
    assert "pulled anonymously" not in built.markdown
    assert not any("anonymous" in n for n in ctx.notes)


@pytest.mark.parametrize(
    "image",
    [ECR_IMAGE, "ubuntu:22.04", "public.ecr.aws/a/b:1", "localhost:5000/a:1", "10.0.0.1/a:1"],
)
def test_no_live_probe_where_the_answer_is_known(image: str) -> None:
    from wizard.guide.service import worth_probing

    assert not worth_probing(parse_image(image))


# --- 7. Google's 127-byte subject --------------------------------------------------------


@pytest.mark.parametrize(("org", "team"), [("abc123", "team456"), (None, None)])
def test_environment_budget_keeps_the_subject_within_googles_limit(
    org: str | None, team: str | None
) -> None:
    fixed, budget = cloud_steps.environment_budget(org, team)
    ids = {"model": "m" * 8, "deployment": "d" * 8}

    def size(environment: str) -> int:
        sub = subject(org or "o" * 8, team or "t" * 8, environment=environment, **ids)
        return len(sub.encode())

    assert size("") == fixed
    assert size("e" * budget) == cloud_steps.GOOGLE_SUBJECT_LIMIT
    assert size("e" * (budget + 1)) > cloud_steps.GOOGLE_SUBJECT_LIMIT
    facts = BasetenFacts(org_id=org, team_id=team)
    md = guide(GAR_IMAGE, "oidc", {"project-number": "42"}, facts=facts).markdown
    assert f"environment\n  names of up to {budget} bytes work" in md
    assert "127 bytes" in md


# --- 8. smaller --------------------------------------------------------------------------


def test_workload_identity_enables_every_api_it_uses() -> None:
    commands = guide(GAR_IMAGE, "oidc").documents[g.COMMANDS]
    enable = commands[commands.index("gcloud services enable") :].split("\n", 1)[0]
    for api in (
        "iam.googleapis.com",
        "cloudresourcemanager.googleapis.com",
        "iamcredentials.googleapis.com",
        "sts.googleapis.com",
    ):
        assert api in enable


def test_thumbprint_note_states_awss_rule() -> None:
    md = guide(ECR_IMAGE, "oidc").markdown
    assert "trusted root\n  certificate authorities" in md
    assert "uses thumbprints only for an issuer whose certificate does\n  not chain" in md
    assert "--thumbprint-list" in md and "AWS CLI\n  versions older" in md
    assert "ignores thumbprints" not in md


@pytest.mark.parametrize("registry_id", ["dockerhub", "ghcr", "ngc", "other", "ecr", "gar"])
def test_token_check_never_runs_with_an_undefined_value(registry_id: str, tmp_path: Path) -> None:
    """The check line names VALUE, which the commands above define: without them the
    shell refuses to run it, rather than sending an empty secret."""
    reg = catalog.REGISTRIES[registry_id]
    md = guide(reg.example_image, "token", {"username": "u"}).markdown
    lines = md.splitlines()
    at = next(i for i, ln in enumerate(lines) if "--secret-stdin" in ln)
    line = "\n".join(lines[at - 1 : at + 1])
    assert line.startswith('test -n "${VALUE:?')
    stub = tmp_path / "registry-wizard"
    stub.write_text("#!/bin/sh\ncat > /dev/null; echo ran\n")
    stub.chmod(0o755)
    env = {k: v for k, v in os.environ.items() if k != "VALUE"}
    env["PATH"] = f"{tmp_path}{os.pathsep}{env['PATH']}"
    r = subprocess.run(["bash", "-c", line], capture_output=True, text=True, env=env)
    assert r.returncode != 0 and "ran" not in r.stdout
    assert "build the secret value first" in r.stderr
    r = subprocess.run(
        ["bash", "-c", line], capture_output=True, text=True, env={**env, "VALUE": "x"}
    )
    assert r.stdout.strip() == "ran"
