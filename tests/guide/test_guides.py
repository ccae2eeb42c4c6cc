"""Every registry × method guide: goldens with known and with unknown values, no unfilled
template tags, placeholders exactly where a value is unknown, config snippets truss takes."""

from __future__ import annotations

import base64
import json
import os
import re
import subprocess
import sys
from functools import cache
from pathlib import Path

import pytest
import yaml

from wizard.guide import guides as g
from wizard.model import catalog, rules
from wizard.model import policies as pol
from wizard.model.facts import BasetenFacts
from wizard.model.image import detect_registry, parse_image
from wizard.model.record import replace
from wizard.verify.analyze import secret_value_command

GOLDEN = Path(__file__).parent / "golden"
ALL = g.all_guides()
IDS = [f"{r}-{m}" for r, m in ALL]

FACTS = BasetenFacts(
    org_id="abc123",
    team_id="team456",
    aws_role_arn="arn:aws:iam::999999999999:role/baseten-image-puller",
    external_id="ext-7f3a9c",
)
ANSWERS: dict[str, dict[str, str]] = {
    "gar": {"project-number": "123456789"},
    "dockerhub": {"username": "acmebot"},
    "ghcr": {"username": "octocat"},
    "other": {"username": "acme+puller"},
}


def assert_golden(name: str, text: str) -> None:
    """Compare with golden/name; rewrite it instead only when UPDATE_GOLDEN=1."""
    path = GOLDEN / name
    if os.environ.get("UPDATE_GOLDEN") == "1":
        GOLDEN.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return
    assert path.exists(), f"missing golden {path}: run with UPDATE_GOLDEN=1"
    assert text == path.read_text(encoding="utf-8"), f"{name} differs: UPDATE_GOLDEN=1 to accept"


@cache
def known_values(registry_id: str) -> g.GuideValues:
    """Everything known: the catalog's example image, Baseten's facts, a few answers."""
    ref = parse_image(catalog.REGISTRIES[registry_id].example_image)
    return g.values_from(ref, detect_registry(ref), FACTS, ANSWERS.get(registry_id, {}))


def known(registry_id: str, method_id: str) -> g.Guide:
    return g.build_guide(registry_id, method_id, known_values(registry_id))


def unknown(registry_id: str, method_id: str) -> g.Guide:
    return g.build_guide(registry_id, method_id, g.GuideValues())


def everything(guide: g.Guide) -> str:
    return guide.markdown + "".join(guide.documents.values())


def test_every_catalog_method_has_a_template() -> None:
    assert len(ALL) == 12
    for registry_id, method_id in ALL:
        assert g.template_path(registry_id, method_id).is_file()


@pytest.mark.parametrize(("registry_id", "method_id"), ALL, ids=IDS)
def test_golden_known(registry_id: str, method_id: str) -> None:
    assert_golden(f"{registry_id}-{method_id}.md", known(registry_id, method_id).markdown)


@pytest.mark.parametrize(("registry_id", "method_id"), ALL, ids=IDS)
def test_golden_unknown(registry_id: str, method_id: str) -> None:
    assert_golden(f"{registry_id}-{method_id}.unknown.md", unknown(registry_id, method_id).markdown)


@pytest.mark.parametrize(("registry_id", "method_id"), ALL, ids=IDS)
@pytest.mark.parametrize("build", [known, unknown], ids=["known", "unknown"])
def test_no_template_tag_left(registry_id: str, method_id: str, build: object) -> None:
    guide = build(registry_id, method_id)  # type: ignore[operator]
    for text in (guide.markdown, *guide.documents.values()):
        assert "{{" not in text and "}}" not in text
        assert "\x00" not in text
    assert guide.markdown.startswith(f"# {guide.title}\n")


@pytest.mark.parametrize(("registry_id", "method_id"), ALL, ids=IDS)
def test_documents_are_embedded_and_valid(registry_id: str, method_id: str) -> None:
    guide = known(registry_id, method_id)
    anonymous = catalog.REGISTRIES[registry_id].method(method_id).anonymous  # type: ignore[union-attr]
    expected = {g.CONFIG_SNIPPET} if anonymous else {g.COMMANDS, g.CONFIG_SNIPPET}
    assert expected <= set(guide.documents)
    for name, text in guide.documents.items():
        assert text.rstrip("\n") in guide.markdown, name
        assert text.endswith("\n") and not text.endswith("\n\n")
        if name.endswith(".json"):
            json.loads(text)


@pytest.mark.parametrize(("registry_id", "method_id"), ALL, ids=IDS)
def test_steps_are_numbered_in_order(registry_id: str, method_id: str) -> None:
    markdown = known(registry_id, method_id).markdown
    numbers = [int(n) for n in re.findall(r"^## (\d+)\. ", markdown, re.MULTILINE)]
    least = 2 if method_id == "anonymous" else 3  # nothing to create: config, then check
    assert numbers == list(range(1, len(numbers) + 1)) and len(numbers) >= least
    assert "## #." not in markdown


@pytest.mark.parametrize(("registry_id", "method_id"), ALL, ids=IDS)
def test_guide_ends_with_config_and_next_commands(registry_id: str, method_id: str) -> None:
    guide = known(registry_id, method_id)
    md = guide.markdown
    config_at = md.index(guide.documents[g.CONFIG_SNIPPET].rstrip("\n"))
    write = (
        "registry-wizard doctor config.yaml"
        if method_id == "anonymous"
        else f"registry-wizard setup \\\n    --registry {registry_id}"
    )
    setup_at = md.index(write)
    assert config_at < setup_at < md.index("registry-wizard check") < md.index("truss push")
    assert md.rstrip().endswith("truss push\n```")


# --- placeholders exactly where a value is unknown --------------------------------------


@pytest.mark.parametrize(("registry_id", "method_id"), ALL, ids=IDS)
def test_known_values_leave_no_placeholder(registry_id: str, method_id: str) -> None:
    guide = known(registry_id, method_id)
    assert pol.find_placeholders(everything(guide)) == []
    assert "Fill these in first" not in guide.markdown


@pytest.mark.parametrize(("registry_id", "method_id"), ALL, ids=IDS)
def test_unknown_values_are_listed_with_a_hint(registry_id: str, method_id: str) -> None:
    guide = unknown(registry_id, method_id)
    found = pol.find_placeholders(everything(guide))
    assert found
    head = guide.markdown.split("\n## ", 1)[0]
    assert "Fill these in first" in head
    for ph in found:
        assert f"- `{ph}`: " in head


def _fields(registry_id: str) -> list[str]:
    values = known_values(registry_id)
    return [name for name in g.PLACEHOLDER_NAMES if getattr(values, name)]


CASES = [(r, m, f) for r, m in ALL for f in _fields(r)]


@pytest.mark.parametrize(
    ("registry_id", "method_id", "name"), CASES, ids=[f"{r}-{m}-{f}" for r, m, f in CASES]
)
def test_placeholder_exactly_where_unknown(registry_id: str, method_id: str, name: str) -> None:
    """One value unknown: its placeholder appears iff the guide uses the value, and no
    other placeholder appears."""
    values = known_values(registry_id)

    def text(value: str | None) -> str:
        changed = replace(values, **{name: value})
        return everything(g.build_guide(registry_id, method_id, changed))

    base, unknown_text = text(getattr(values, name)), text(None)
    if name == "registry_host" and registry_id != "other":
        # Derived from the account and region, the location, or the registry's fixed host.
        assert unknown_text == base
        return
    used = text("zz-probe-value") != base
    expected = [f"<{g.PLACEHOLDER_NAMES[name]}>"] if used else []
    assert pol.find_placeholders(unknown_text) == expected


def test_org_and_team_placeholders_point_to_truss_whoami() -> None:
    for registry_id in ("ecr", "gar"):
        values = replace(known_values(registry_id), org_id=None, team_id=None)
        md = g.build_guide(registry_id, "oidc", values).markdown
        assert "- `<ORG_ID>`: `truss whoami --show-oidc` prints it" in md
        assert "- `<TEAM_ID>`: `truss whoami --show-oidc` prints it" in md
        assert "oidc.baseten.co:sub" in md or "startsWith('v=1:org=<ORG_ID>:team=<TEAM_ID>:')" in md


def test_assume_role_placeholders_point_to_truss_whoami() -> None:
    values = replace(known_values("ecr"), baseten_role_arn=None, external_id=None)
    md = g.build_guide("ecr", "assume-role", values).markdown
    assert "`<BASETEN_ROLE_ARN>`: `truss whoami --show-aws-assume-role` prints it" in md
    assert '"AWS": "<BASETEN_ROLE_ARN>"' in md
    assert '"sts:ExternalId": "<EXTERNAL_ID>"' in md


# --- content -----------------------------------------------------------------------------


def test_ecr_oidc_guide_content() -> None:
    guide = known("ecr", "oidc")
    trust = json.loads(guide.documents[g.TRUST_POLICY])
    assert trust == pol.oidc_trust_policy("123456789012", "abc123", "team456")
    read = json.loads(guide.documents[g.ECR_READ_POLICY])
    assert read == pol.ecr_read_policy("123456789012", "us-east-1", "team/app")
    md = guide.markdown
    assert "--thumbprint-list" in md and "older" in md.lower()
    assert "aws iam create-open-id-connect-provider" in md
    assert "--client-id-list oidc.baseten.co" in guide.documents[g.COMMANDS]
    assert "truss whoami --show-oidc" in md
    assert "aws_oidc_role_arn: arn:aws:iam::123456789012:role/baseten-ecr-pull" in md


def test_ecr_assume_role_guide_content() -> None:
    guide = known("ecr", "assume-role")
    trust = json.loads(guide.documents[g.TRUST_POLICY])
    assert trust == pol.assume_role_trust_policy(FACTS.aws_role_arn, FACTS.external_id)  # type: ignore[arg-type]
    assert "truss whoami --show-aws-assume-role" in guide.markdown
    assert "open-id-connect" not in guide.documents[g.COMMANDS]


def test_gar_oidc_provider_path_uses_the_project_number() -> None:
    guide = known("gar", "oidc")
    path = (
        "projects/123456789/locations/global/workloadIdentityPools/baseten-pool"
        "/providers/baseten-oidc"
    )
    assert f"gcp_oidc_workload_id_provider: {path}" in guide.markdown
    assert "principalSet://iam.googleapis.com/projects/123456789/" in guide.documents[g.COMMANDS]
    assert "projects/my-project/locations" not in everything(guide)
    # Unknown number: a placeholder, never the project ID in its place.
    values = replace(known_values("gar"), project_number=None)
    text = everything(g.build_guide("gar", "oidc", values))
    assert "projects/<PROJECT_NUMBER>/locations/global/workloadIdentityPools/" in text
    assert "projects/my-project/locations" not in text


def test_gar_oidc_from_a_provider_answer() -> None:
    ref = parse_image(catalog.GAR.example_image)
    answers = {
        "workload-provider": (
            "projects/42/locations/global/workloadIdentityPools/pool-a/providers/prov-b"
        ),
        "service-account": "puller@my-project.iam.gserviceaccount.com",
    }
    values = g.values_from(ref, detect_registry(ref), FACTS, answers)
    assert (values.project_number, values.pool, values.provider) == ("42", "pool-a", "prov-b")
    assert values.service_account_name == "puller"
    commands = g.build_guide("gar", "oidc", values).documents[g.COMMANDS]
    assert "gcloud iam service-accounts create puller" in commands
    assert "workloadIdentityPools/pool-a/*" in commands


def test_gcr_host_maps_to_its_artifact_registry_repository() -> None:
    ref = parse_image("eu.gcr.io/my-project/app:1")
    values = g.values_from(ref, detect_registry(ref), FACTS, {})
    assert (values.location, values.gar_repository) == ("europe", "eu.gcr.io")


def test_role_arn_answer_names_the_role() -> None:
    ref = parse_image(catalog.ECR.example_image)
    answers = {"role-arn": "arn:aws:iam::123456789012:role/ci/puller", "region": "us-east-1"}
    values = g.values_from(ref, detect_registry(ref), FACTS, answers)
    assert values.role_name == "puller"
    guide = g.build_guide("ecr", "oidc", values)
    assert "aws_oidc_role_arn: arn:aws:iam::123456789012:role/ci/puller" in guide.markdown
    assert "--role-name puller" in guide.documents[g.COMMANDS]


def test_china_region_uses_the_aws_cn_partition() -> None:
    ref = parse_image("123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn/app:1")
    values = g.values_from(ref, detect_registry(ref), FACTS, {})
    guide = g.build_guide("ecr", "oidc", values)
    assert "arn:aws-cn:iam::123456789012:oidc-provider/oidc.baseten.co" in guide.markdown
    assert "arn:aws-cn:ecr:cn-north-1:123456789012:repository/app" in guide.markdown


def test_single_team_is_used_when_facts_name_no_team() -> None:
    ref = parse_image(catalog.ECR.example_image)
    facts = BasetenFacts(org_id="o1", teams=[("t1", "Default")])
    assert g.values_from(ref, detect_registry(ref), facts, {}).team_id == "t1"
    facts = BasetenFacts(org_id="o1", teams=[("t1", "A"), ("t2", "B")])
    assert g.values_from(ref, detect_registry(ref), facts, {}).team_id is None


def test_answers_beat_facts() -> None:
    ref = parse_image(catalog.ECR.example_image)
    answers = {"org-id": "o2", "team-id": "t2", "external-id": "e2", "baseten-role-arn": "r2"}
    values = g.values_from(ref, detect_registry(ref), FACTS, answers)
    assert (values.org_id, values.team_id, values.external_id, values.baseten_role_arn) == (
        "o2",
        "t2",
        "e2",
        "r2",
    )


def test_ghcr_guide_content() -> None:
    md = known("ghcr", "token").markdown
    assert "https://github.com/settings/tokens/new?scopes=read:packages" in md
    assert "classic" in md and "fine-grained" in md
    assert "VALUE=$(printf '%s:%s' 'octocat' \"$TOKEN\" | base64 -w0)" in md
    assert "DOCKER_REGISTRY_ghcr.io: null" in md


def test_ngc_username_is_single_quoted() -> None:
    guide = known("ngc", "token")
    assert "printf '%s:%s' '$oauthtoken' \"$TOKEN\" | base64 -w0" in guide.documents[g.COMMANDS]
    assert '"$oauthtoken' not in guide.documents[g.COMMANDS]


def test_dockerhub_guide_content() -> None:
    md = known("dockerhub", "token").markdown
    assert "Read-only" in md and "Public Repo Read-only" in md
    assert "not your\nemail" in md or "not your email" in md
    assert "DOCKER_REGISTRY_https://index.docker.io/v1/: null" in md


@pytest.mark.parametrize(("registry_id", "lifetime"), [("ecr", "12 hours"), ("gar", "1 hour")])
def test_cloud_tokens_warn_and_reuse_the_checked_command(registry_id: str, lifetime: str) -> None:
    guide = known(registry_id, "token")
    assert f"expires after {lifetime}" in guide.markdown
    assert "OIDC" in guide.markdown.split("\n## ", 1)[0]
    ref = parse_image(catalog.REGISTRIES[registry_id].example_image)
    command = secret_value_command(detect_registry(ref).kind, ref.registry)
    assert f"VALUE=$({command})" in guide.documents[g.COMMANDS]


@pytest.mark.parametrize(("registry_id", "method_id"), [p for p in ALL if p[1] == "token"])
def test_token_guides_explain_the_secret_value(registry_id: str, method_id: str) -> None:
    md = known(registry_id, method_id).markdown
    assert "base64 -w0" in md
    assert "base64 | tr -d '\\n'" in md
    assert "`echo` adds a newline" in md
    assert (
        'test -n "${VALUE:?build the secret value first}" &&\n'
        "    printf '%s' \"$VALUE\" | registry-wizard check --config config.yaml --secret-stdin"
    ) in md


TOKEN_USERS = {
    "ecr": "AWS",
    "gar": "oauth2accesstoken",
    "ngc": "$oauthtoken",
    **{r: a["username"] for r, a in ANSWERS.items() if "username" in a},
}


@pytest.mark.parametrize("registry_id", sorted(TOKEN_USERS))
def test_token_commands_build_the_right_value(registry_id: str, tmp_path: Path) -> None:
    """Run the generated commands in bash, the token pasted on stdin or printed by a stand-in
    `aws` / `gcloud`, and decode the value they build."""
    token = "tok$en\\x"
    for cli in ("aws", "gcloud"):
        stub = tmp_path / cli
        stub.write_text(f"#!/bin/sh\nprintf '%s\\n' '{token}'\n")
        stub.chmod(0o755)
    commands = known(registry_id, "token").documents[g.COMMANDS]
    script = tmp_path / "commands.sh"
    script.write_text(commands + 'printf "%s" "$VALUE"\n')
    env = {**os.environ, "PATH": f"{tmp_path}{os.pathsep}{os.environ['PATH']}"}
    out = subprocess.run(
        ["bash", str(script)],
        input=token + "\n",
        capture_output=True,
        text=True,
        check=True,
        env=env,
    ).stdout
    assert "\n" not in out
    assert base64.b64decode(out).decode() == f"{TOKEN_USERS[registry_id]}:{token}"


@pytest.mark.parametrize(("registry_id", "method_id"), ALL, ids=IDS)
def test_config_snippet_passes_the_truss_rules(registry_id: str, method_id: str) -> None:
    snippet = known(registry_id, method_id).documents[g.CONFIG_SNIPPET]
    config = yaml.safe_load(snippet)
    findings = [f for f in rules.check(config) if f.severity is rules.Severity.ERROR]
    assert findings == []
    assert all(v is None for v in (config.get("secrets") or {}).values())
    method = catalog.REGISTRIES[registry_id].method(method_id)
    assert method is not None
    if method.anonymous:
        assert config == {"base_image": {"image": config["base_image"]["image"]}}
    elif method.is_token:
        assert "docker_auth" not in config["base_image"]
        assert list(config["secrets"]) == [next(iter(config["secrets"]))]
        assert next(iter(config["secrets"])).startswith("DOCKER_REGISTRY_")
    else:
        assert config["base_image"]["docker_auth"]["auth_method"] == method.auth_method.value  # type: ignore[union-attr]


@pytest.mark.parametrize(("registry_id", "method_id"), ALL, ids=IDS)
def test_unknown_config_snippet_is_still_yaml(registry_id: str, method_id: str) -> None:
    config = yaml.safe_load(unknown(registry_id, method_id).documents[g.CONFIG_SNIPPET])
    assert config["base_image"]["image"] == "<IMAGE>"


def test_unknown_registry_or_method() -> None:
    with pytest.raises(ValueError, match="unknown registry"):
        g.build_guide("acr", "token", g.GuideValues())
    with pytest.raises(ValueError, match="no method 'oidc'"):
        g.build_guide("ghcr", "oidc", g.GuideValues())


def test_guide_json() -> None:
    guide = known("ghcr", "token")
    data = g.guide_json(guide)
    assert data == {"title": guide.title, "markdown": guide.markdown, "documents": guide.documents}
    json.dumps(data)


def test_a_guide_on_a_terminal_keeps_every_command_whole(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """`guide` on a terminal: prose wrapped to its width, each code line as written (a
    command broken across lines does not work when copied)."""
    import sys

    from wizard.cli.output import print_guide

    guide = known("gar", "oidc")
    monkeypatch.setenv("COLUMNS", "60")
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True)
    print_guide(guide)
    out = capsys.readouterr().out
    code = [
        line.strip()
        for block in guide.markdown.split("```")[1::2]
        for line in block.splitlines()[1:]
        if line.strip() and not line.lstrip().startswith("#")  # comments wrap as comments
    ]
    shown = {line.strip() for line in out.splitlines()}
    assert code and all(line in shown for line in code), [c for c in code if c not in shown]
    assert max(len(c) for c in code) > 60  # the test has long commands to keep whole


def test_guide_modules_import_no_ui_or_rich() -> None:
    probe = (
        "import sys, json, wizard.guide.guides, wizard.model.policies\n"
        "print(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    ).stdout
    loaded = set(json.loads(out.splitlines()[-1]))
    assert loaded.isdisjoint({"textual", "questionary", "prompt_toolkit", "rich"})
