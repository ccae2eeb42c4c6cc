from __future__ import annotations

import pickle
import subprocess
import sys
import textwrap

import pytest

from wizard.model.image import (
    DOCKER_HUB_AUTH_KEY,
    ImageRef,
    ImageRefError,
    RegistryInfo,
    RegistryKind,
    detect_registry,
    ecr_host,
    is_always_public,
    parse_image,
    unreachable_reason,
)

SHA256 = "sha256:" + "0123456789abcdef" * 4
SHA512 = "sha512:" + "0123456789abcdef" * 8
ECR = "123456789012.dkr.ecr.us-east-1.amazonaws.com"

# text, host, port, repository, tag, digest, registry, str()
VALID = [
    ("ubuntu", "docker.io", None, "library/ubuntu", None, None, "docker.io",
     "docker.io/library/ubuntu:latest"),
    ("ubuntu:22.04", "docker.io", None, "library/ubuntu", "22.04", None, "docker.io",
     "docker.io/library/ubuntu:22.04"),
    ("library/ubuntu", "docker.io", None, "library/ubuntu", None, None, "docker.io",
     "docker.io/library/ubuntu:latest"),
    ("acme/app:1.0", "docker.io", None, "acme/app", "1.0", None, "docker.io",
     "docker.io/acme/app:1.0"),
    ("docker.io/ubuntu", "docker.io", None, "library/ubuntu", None, None, "docker.io",
     "docker.io/library/ubuntu:latest"),
    ("index.docker.io/acme/app:v1", "docker.io", None, "acme/app", "v1", None, "docker.io",
     "docker.io/acme/app:v1"),
    ("registry-1.docker.io/ubuntu", "docker.io", None, "library/ubuntu", None, None, "docker.io",
     "docker.io/library/ubuntu:latest"),
    ("DOCKER.IO/acme/app", "docker.io", None, "acme/app", None, None, "docker.io",
     "docker.io/acme/app:latest"),
    # A port makes it a different registry, and so no `library/` either.
    ("docker.io:443/app", "docker.io", 443, "app", None, None, "docker.io:443",
     "docker.io:443/app:latest"),
    ("localhost/app", "localhost", None, "app", None, None, "localhost", "localhost/app:latest"),
    ("localhost:5000/acme/app:dev", "localhost", 5000, "acme/app", "dev", None, "localhost:5000",
     "localhost:5000/acme/app:dev"),
    ("LocalHost:5000/app", "localhost", 5000, "app", None, None, "localhost:5000",
     "localhost:5000/app:latest"),
    ("127.0.0.1:5000/app", "127.0.0.1", 5000, "app", None, None, "127.0.0.1:5000",
     "127.0.0.1:5000/app:latest"),
    ("[::1]:5000/x", "::1", 5000, "x", None, None, "[::1]:5000", "[::1]:5000/x:latest"),
    ("[2001:DB8::1]/team/app:1", "2001:db8::1", None, "team/app", "1", None, "[2001:db8::1]",
     "[2001:db8::1]/team/app:1"),
    (f"ghcr.io/acme/app:1.0@{SHA256}", "ghcr.io", None, "acme/app", "1.0", SHA256, "ghcr.io",
     f"ghcr.io/acme/app:1.0@{SHA256}"),
    (f"ghcr.io/acme/app@{SHA256}", "ghcr.io", None, "acme/app", None, SHA256, "ghcr.io",
     f"ghcr.io/acme/app@{SHA256}"),
    (f"example.com/app@{SHA512}", "example.com", None, "app", None, SHA512, "example.com",
     f"example.com/app@{SHA512}"),
    # An algorithm go-digest does not know only has to fit the grammar.
    ("example.com/app@md5+b64.v2:" + "a" * 32, "example.com", None, "app", None,
     "md5+b64.v2:" + "a" * 32, "example.com", "example.com/app@md5+b64.v2:" + "a" * 32),
    ("us-central1-docker.pkg.dev/my-proj/my-repo/team/model:v2", "us-central1-docker.pkg.dev",
     None, "my-proj/my-repo/team/model", "v2", None, "us-central1-docker.pkg.dev",
     "us-central1-docker.pkg.dev/my-proj/my-repo/team/model:v2"),
    ("123456789012.dkr.ecr-fips.us-gov-west-1.amazonaws.com/app:1",
     "123456789012.dkr.ecr-fips.us-gov-west-1.amazonaws.com", None, "app", "1", None,
     "123456789012.dkr.ecr-fips.us-gov-west-1.amazonaws.com",
     "123456789012.dkr.ecr-fips.us-gov-west-1.amazonaws.com/app:1"),
    ("123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn/ns/app:latest",
     "123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn", None, "ns/app", "latest", None,
     "123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn",
     "123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn/ns/app:latest"),
    ("nvcr.io/nvidia/pytorch:24.01-py3", "nvcr.io", None, "nvidia/pytorch", "24.01-py3", None,
     "nvcr.io", "nvcr.io/nvidia/pytorch:24.01-py3"),
    # Every separator the grammar allows, and a tag with upper case, '_', '.' and '-'.
    ("reg.example.com:443/a.b/c__d/e---f/g_h:Tag_1.2-rc", "reg.example.com", 443,
     "a.b/c__d/e---f/g_h", "Tag_1.2-rc", None, "reg.example.com:443",
     "reg.example.com:443/a.b/c__d/e---f/g_h:Tag_1.2-rc"),
    ("ghcr.io/acme/app:" + "T" * 128, "ghcr.io", None, "acme/app", "T" * 128, None, "ghcr.io",
     "ghcr.io/acme/app:" + "T" * 128),
    ("a/x:_", "docker.io", None, "a/x", "_", None, "docker.io", "docker.io/a/x:_"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("text", "host", "port", "repository", "tag", "digest", "registry", "full"), VALID
)
def test_parse_valid(
    text: str,
    host: str,
    port: int | None,
    repository: str,
    tag: str | None,
    digest: str | None,
    registry: str,
    full: str,
) -> None:
    ref = parse_image(text)
    assert (ref.host, ref.port, ref.repository, ref.tag, ref.digest) == (
        host,
        port,
        repository,
        tag,
        digest,
    )
    assert ref.original == text
    assert ref.registry == registry
    assert ref.name == f"{registry}/{repository}"
    assert str(ref) == full
    assert ImageRef.parse(text) == ref


@pytest.mark.parametrize("text", [row[0] for row in VALID])
def test_normalised_form_parses_back_to_the_same_reference(text: str) -> None:
    ref = parse_image(text)
    again = parse_image(str(ref))
    assert (again.host, again.port, again.repository, again.digest) == (
        ref.host,
        ref.port,
        ref.repository,
        ref.digest,
    )
    assert again.reference == ref.reference


@pytest.mark.parametrize(
    ("text", "reference"),
    [
        ("ubuntu", "latest"),
        ("ghcr.io/acme/app:1.0", "1.0"),
        (f"ghcr.io/acme/app@{SHA256}", SHA256),
        (f"ghcr.io/acme/app:1.0@{SHA256}", SHA256),
    ],
)
def test_reference_prefers_digest_then_tag_then_latest(text: str, reference: str) -> None:
    assert parse_image(text).reference == reference


@pytest.mark.parametrize(
    ("text", "hub"),
    [
        ("ubuntu", True),
        ("index.docker.io/acme/app", True),
        ("registry-1.docker.io/acme/app", True),
        ("docker.io:443/acme/app", False),
        ("hub.docker.com/acme/app", False),
        ("ghcr.io/acme/app", False),
    ],
)
def test_is_docker_hub_and_auth_key(text: str, hub: bool) -> None:
    ref = parse_image(text)
    assert ref.is_docker_hub is hub
    assert ref.auth_key == (DOCKER_HUB_AUTH_KEY if hub else ref.registry)


def test_equality_ignores_how_it_was_written() -> None:
    a = parse_image("ubuntu:22.04")
    b = parse_image("index.docker.io/library/ubuntu:22.04")
    assert a == b
    assert hash(a) == hash(b)
    assert (a.original, b.original) == ("ubuntu:22.04", "index.docker.io/library/ubuntu:22.04")
    assert parse_image("ubuntu") != parse_image("ubuntu:latest")  # tag written vs implied


@pytest.mark.parametrize(
    ("text", "fragments"),
    [
        ("", ["it is empty"]),
        (" ubuntu", ["whitespace"]),
        ("ubuntu\n", ["whitespace"]),
        ("ghcr.io/acme/my app", ["whitespace"]),
        (
            "https://ghcr.io/acme/app:1.0",
            ["drop the scheme 'https://'", "(e.g. ghcr.io/acme/app:1.0)"],
        ),
        ("docker://ubuntu", ["drop the scheme 'docker://'", "(e.g. ubuntu)"]),
        ("Foo/Bar", ["repository names must be lowercase", "'foo/bar'"]),
        ("ghcr.io/Acme/App:1.0", ["must be lowercase", "'acme/app'"]),
        ("MyApp", ["must be lowercase"]),
        ("ghcr.io/acme/app/", ["trailing '/'", "(e.g. ghcr.io/acme/app)"]),
        ("ghcr.io/acme/app:1.0/", ["trailing '/'"]),
        ("/app", ["must not start with '/'"]),
        ("ghcr.io//app", ["empty component"]),
        ("ghcr.io/acme/-app", ["path component '-app' is invalid"]),
        ("ghcr.io/acme/app_", ["path component 'app_'"]),
        ("ghcr.io/acme/a..b", ["path component 'a..b'"]),
        ("ghcr.io/acme/a___b", ["path component 'a___b'"]),
        ("ghcr.io/acme/app:", ["tag after ':' is empty"]),
        ("ghcr.io/acme/app:-x", ["tag '-x' is invalid"]),
        ("ghcr.io/acme/app:.x", ["tag '.x' is invalid"]),
        ("ghcr.io/acme/app:ü", ["tag 'ü' is invalid"]),  # Go's \w is ASCII
        ("ghcr.io/acme/app:" + "t" * 129, ["129 characters", "limit is 128"]),
        ("ghcr.io/acme/app@", ["digest '' is invalid"]),
        ("ghcr.io/acme/app@sha256:abc", ["digest 'sha256:abc' is invalid", "algorithm:hex"]),
        ("ghcr.io/acme/app@sha256:" + "a" * 63, ["exactly 64 lowercase hex"]),
        ("ghcr.io/acme/app@sha256:" + "a" * 65, ["exactly 64 lowercase hex"]),
        ("ghcr.io/acme/app@sha256:" + "A" * 64, ["exactly 64 lowercase hex"]),
        ("ghcr.io/acme/app@SHA256:" + "a" * 64, ["write sha256:"]),
        ("ghcr.io/acme/app@sha512:" + "a" * 64, ["exactly 128"]),
        (f"ghcr.io/acme/app@{SHA256}@x", ["digest"]),
        (f"@{SHA256}", ["repository name is missing"]),
        (":1.0", ["repository name is missing"]),
        ("localhost:99999/app", ["port '99999'", "1 to 65535"]),
        ("localhost:0/app", ["port '0'"]),
        ("localhost:/app", ["port ''"]),
        ("local_host.com/app", ["registry host 'local_host.com' is invalid"]),
        ("-bad.example.com/app", ["registry host '-bad.example.com'"]),
        ("[::1/app", ["not a valid IPv6 address"]),
        ("[::g]:5000/app", ["not a valid IPv6 address"]),
        ("[1:2:3:4:5:6:7:8:9]/app", ["not a valid IPv6 address"]),
        ("[::1]x/app", ["not a valid IPv6 address"]),
        ("nvcr.io", ["'nvcr.io' is a registry host without a repository", "nvcr.io/acme/app"]),
        ("localhost:5000", ["'localhost:5000' is a registry host without a repository"]),
        ("[::1]:5000", ["registry host without a repository"]),
        ("0123456789abcdef" * 4, ["image ID"]),
        ("ghcr.io/" + "a" * 248, ["256 characters", "at most 255"]),
        ("a" * 238, ["'docker.io/library/" + "a" * 238 + "' is 256 characters"]),
        ("x" * 5000, ["5000 characters long"]),
    ],
)
def test_parse_invalid(text: str, fragments: list[str]) -> None:
    with pytest.raises(ImageRefError) as info:
        parse_image(text)
    message = str(info.value)
    if len(text) < 1000:
        assert message.startswith(f"image reference {text!r} is invalid: ")
    assert "(e.g. " in message
    for fragment in fragments:
        assert fragment in message


def test_name_length_limit_is_inclusive() -> None:
    assert len(parse_image("ghcr.io/" + "a" * 247).name) == 255
    assert parse_image("a" * 237).repository == "library/" + "a" * 237


def test_error_is_a_value_error_with_its_parts_and_survives_pickling() -> None:
    with pytest.raises(ValueError) as info:
        parse_image("https://ghcr.io/acme/app")
    err = info.value
    assert isinstance(err, ImageRefError)
    assert err.text == "https://ghcr.io/acme/app"
    assert err.example == "ghcr.io/acme/app"
    copy = pickle.loads(pickle.dumps(err))
    assert (type(copy), str(copy), copy.problem) == (ImageRefError, str(err), err.problem)


def test_parse_rejects_non_strings() -> None:
    with pytest.raises(TypeError):
        parse_image(None)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (f"{ECR}/app:1", RegistryInfo(RegistryKind.ECR, account="123456789012",
                                      region="us-east-1")),
        (f"{ECR}:443/app", RegistryInfo(RegistryKind.ECR, account="123456789012",
                                        region="us-east-1")),
        ("123456789012.dkr.ecr-fips.us-gov-west-1.amazonaws.com/app",
         RegistryInfo(RegistryKind.ECR, account="123456789012", region="us-gov-west-1",
                      fips=True)),
        ("210987654321.dkr.ecr.cn-north-1.amazonaws.com.cn/app",
         RegistryInfo(RegistryKind.ECR, account="210987654321", region="cn-north-1")),
        ("123456789012.dkr-ecr.us-west-2.on.aws/app",
         RegistryInfo(RegistryKind.ECR, account="123456789012", region="us-west-2")),
        ("123456789012.dkr.ecr.us-iso-east-1.c2s.ic.gov/app",
         RegistryInfo(RegistryKind.ECR, account="123456789012", region="us-iso-east-1")),
        ("123456789012.dkr.ecr.us-isob-east-1.sc2s.sgov.gov/app",
         RegistryInfo(RegistryKind.ECR, account="123456789012", region="us-isob-east-1")),
        ("123456789012.dkr.ecr.eu-isoe-west-1.cloud.adc-e.uk/app",
         RegistryInfo(RegistryKind.ECR, account="123456789012", region="eu-isoe-west-1")),
        ("123456789012.dkr.ecr.us-isof-south-1.csp.hci.ic.gov/app",
         RegistryInfo(RegistryKind.ECR, account="123456789012", region="us-isof-south-1")),
        ("us-central1-docker.pkg.dev/my-proj/my-repo/img:1",
         RegistryInfo(RegistryKind.GAR, location="us-central1", project="my-proj",
                      gar_repository="my-repo")),
        ("europe-docker.pkg.dev/p/r/team/img",
         RegistryInfo(RegistryKind.GAR, location="europe", project="p", gar_repository="r")),
        # Two components cannot be project/repository/image: no repository to report.
        ("us-docker.pkg.dev/p/img", RegistryInfo(RegistryKind.GAR, location="us", project="p")),
        ("gcr.io/my-proj/img", RegistryInfo(RegistryKind.GAR, project="my-proj")),
        ("us.gcr.io/p/img", RegistryInfo(RegistryKind.GAR, location="us", project="p")),
        ("eu.gcr.io/p/img", RegistryInfo(RegistryKind.GAR, location="eu", project="p")),
        ("asia.gcr.io/p/team/img", RegistryInfo(RegistryKind.GAR, location="asia", project="p")),
        ("ghcr.io/acme/app", RegistryInfo(RegistryKind.GHCR)),
        ("GHCR.IO/acme/app", RegistryInfo(RegistryKind.GHCR)),
        ("nvcr.io/nvidia/pytorch:24.01-py3", RegistryInfo(RegistryKind.NGC)),
        ("ubuntu", RegistryInfo(RegistryKind.DOCKERHUB)),
        ("acme/app", RegistryInfo(RegistryKind.DOCKERHUB)),
        ("index.docker.io/acme/app", RegistryInfo(RegistryKind.DOCKERHUB)),
        ("registry-1.docker.io/acme/app", RegistryInfo(RegistryKind.DOCKERHUB)),
        # near misses
        ("12345678901.dkr.ecr.us-east-1.amazonaws.com/app", RegistryInfo(RegistryKind.OTHER)),
        ("1234567890123.dkr.ecr.us-east-1.amazonaws.com/app", RegistryInfo(RegistryKind.OTHER)),
        ("abcdefghijkl.dkr.ecr.us-east-1.amazonaws.com/app", RegistryInfo(RegistryKind.OTHER)),
        (f"{ECR}.evil.com/app", RegistryInfo(RegistryKind.OTHER)),
        ("123456789012.ecr.us-east-1.amazonaws.com/app", RegistryInfo(RegistryKind.OTHER)),
        ("123456789012.dkr.ecr.us-east-1.amazonaws.org/app", RegistryInfo(RegistryKind.OTHER)),
        ("public.ecr.aws/acme/app", RegistryInfo(RegistryKind.ECR_PUBLIC)),
        ("PUBLIC.ECR.AWS/docker/library/python:3.11", RegistryInfo(RegistryKind.ECR_PUBLIC)),
        ("public.ecr.aws.evil.com/acme/app", RegistryInfo(RegistryKind.OTHER)),
        ("ecr.aws/acme/app", RegistryInfo(RegistryKind.OTHER)),
        ("gcr.io.evil.com/p/img", RegistryInfo(RegistryKind.OTHER)),
        ("evilgcr.io/p/img", RegistryInfo(RegistryKind.OTHER)),
        ("au.gcr.io/p/img", RegistryInfo(RegistryKind.OTHER)),
        ("pkg.dev/p/r/img", RegistryInfo(RegistryKind.OTHER)),
        ("docker.pkg.dev/p/r/img", RegistryInfo(RegistryKind.OTHER)),
        ("us-central1.pkg.dev/p/r/img", RegistryInfo(RegistryKind.OTHER)),
        ("us-docker.pkg.dev.example.com/p/r/img", RegistryInfo(RegistryKind.OTHER)),
        ("ghcr.io.example.com/acme/app", RegistryInfo(RegistryKind.OTHER)),
        ("docker.io:443/acme/app", RegistryInfo(RegistryKind.OTHER)),
        ("hub.docker.com/acme/app", RegistryInfo(RegistryKind.OTHER)),
        ("quay.io/acme/app", RegistryInfo(RegistryKind.OTHER)),
        ("localhost:5000/app", RegistryInfo(RegistryKind.OTHER)),
        ("[::1]:5000/app", RegistryInfo(RegistryKind.OTHER)),
    ],
)  # fmt: skip
def test_detect_registry(text: str, expected: RegistryInfo) -> None:
    assert detect_registry(parse_image(text)) == expected


def test_registry_kind_values_are_the_cli_ids() -> None:
    assert [k.value for k in RegistryKind] == [
        "ecr",
        "ecr-public",
        "gar",
        "dockerhub",
        "ghcr",
        "ngc",
        "other",
    ]
    assert RegistryKind("dockerhub") is RegistryKind.DOCKERHUB
    assert str(RegistryKind.GAR) == "gar"
    assert f"{RegistryKind.NGC}" == "ngc"


@pytest.mark.parametrize(
    ("account", "region", "fips", "host"),
    [
        ("123456789012", "us-east-1", False, ECR),
        ("123456789012", "us-gov-west-1", True,
         "123456789012.dkr.ecr-fips.us-gov-west-1.amazonaws.com"),
        ("123456789012", "cn-northwest-1", False,
         "123456789012.dkr.ecr.cn-northwest-1.amazonaws.com.cn"),
        ("123456789012", "us-iso-east-1", False, "123456789012.dkr.ecr.us-iso-east-1.c2s.ic.gov"),
        ("123456789012", "us-isob-east-1", False,
         "123456789012.dkr.ecr.us-isob-east-1.sc2s.sgov.gov"),
        ("123456789012", "eusc-de-east-1", False,
         "123456789012.dkr.ecr.eusc-de-east-1.amazonaws.eu"),
    ],
)  # fmt: skip
def test_ecr_host_round_trips_through_detection(
    account: str, region: str, fips: bool, host: str
) -> None:
    assert ecr_host(account, region, fips=fips) == host
    info = detect_registry(parse_image(f"{host}/app:1"))
    assert (info.kind, info.account, info.region, info.fips) == (
        RegistryKind.ECR,
        account,
        region,
        fips,
    )


@pytest.mark.parametrize(
    ("account", "region", "fragment"),
    [
        ("12345678901", "us-east-1", "12-digit AWS account ID"),
        ("12345678901a", "us-east-1", "12-digit AWS account ID"),
        ("123456789012", "US-EAST-1", "AWS region name"),
        ("123456789012", "us-east-1.evil.com", "AWS region name"),
        ("123456789012", "", "AWS region name"),
    ],
)
def test_ecr_host_rejects_bad_input(account: str, region: str, fragment: str) -> None:
    with pytest.raises(ValueError, match=fragment):
        ecr_host(account, region)


def test_module_imports_only_the_standard_library() -> None:
    code = textwrap.dedent(
        """
        import sys
        import wizard.model
        before = set(sys.modules)
        import wizard.model.image
        new = {m.split(".")[0] for m in set(sys.modules) - before}
        print(sorted(new - set(sys.stdlib_module_names) - {"wizard"}))
        """
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[]"


@pytest.mark.parametrize(
    ("text", "public"),
    [
        ("ubuntu:22.04", True),
        ("docker.io/library/python:3.11", True),
        ("index.docker.io/library/nginx", True),
        ("public.ecr.aws/docker/library/python:3.11-slim", True),
        ("public.ecr.aws/acme/app:1", True),
        # Not known without asking the registry: a live anonymous pull decides.
        ("acme/app:1.0", False),
        ("nvcr.io/nvidia/pytorch:24.01-py3", False),
        ("ghcr.io/acme/app:1", False),
        (f"{ECR}/library/app:1", False),
        ("quay.io/library/app:1", False),
    ],
)  # fmt: skip
def test_is_always_public(text: str, public: bool) -> None:
    assert is_always_public(parse_image(text)) is public


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("localhost:5000/acme/app:dev", "a loopback address"),
        ("localhost/app", "a loopback address"),
        ("registry.localhost:5000/app", "a loopback address"),
        ("127.0.0.1:5000/app", "a loopback address"),
        ("127.1.2.3/app", "a loopback address"),
        ("[::1]:5000/app", "a loopback address"),
        ("10.0.0.5:5000/app", "a private network address"),
        ("172.16.0.1/app", "a private network address"),
        ("172.31.255.1/app", "a private network address"),
        ("192.168.1.10:5000/team/app:1", "a private network address"),
        ("169.254.1.1/app", "a private network address"),
        ("100.64.0.1/app", "a private network address"),  # shared (CGNAT, Tailscale)
        ("[fd00::1]:5000/app", "a private network address"),
        ("[fe80::1]/app", "a private network address"),
        ("registry.local/app", "a name that resolves only on your own network"),
        ("nexus.corp.internal:8443/app", "a name that resolves only on your own network"),
        ("box.home.arpa/app", "a name that resolves only on your own network"),
        # Reachable from anywhere, or may be.
        ("172.32.0.1/app", None),
        ("8.8.8.8:5000/app", None),
        ("ghcr.io/acme/app", None),
        ("ubuntu", None),
        ("quay.io/acme/app", None),
        ("localhost.example.com/app", None),
        ("internal.example.com/app", None),
    ],
)  # fmt: skip
def test_unreachable_reason(text: str, reason: str | None) -> None:
    assert unreachable_reason(parse_image(text)) == reason
