"""Container image references and which registry they point at.

`parse_image` follows the Docker reference grammar (distribution/reference,
`regexp.go` + `normalize.go`) so that a reference accepted here is one
`docker pull` and the registry accept too, and `detect_registry` maps the host
to the registry kinds the wizard has a guide for. Pure domain: stdlib only.
"""

from __future__ import annotations

import re
from enum import Enum

from wizard.model.record import field, record

__all__ = [
    "DEFAULT_TAG",
    "DOCKER_HUB_API_HOST",
    "DOCKER_HUB_AUTH_KEY",
    "DOCKER_HUB_HOST",
    "EXAMPLE_REFERENCE",
    "NAME_TOTAL_LENGTH_MAX",
    "ImageRef",
    "ImageRefError",
    "RegistryInfo",
    "RegistryKind",
    "detect_registry",
    "ecr_host",
    "is_always_public",
    "parse_image",
    "unreachable_reason",
]

DOCKER_HUB_HOST = "docker.io"
# Docker Hub's v2 API does not answer on docker.io itself.
DOCKER_HUB_API_HOST = "registry-1.docker.io"
# The key docker's config.json (and so Truss' `DOCKER_REGISTRY_<key>` secret) uses for Hub.
DOCKER_HUB_AUTH_KEY = "https://index.docker.io/v1/"
EXAMPLE_REFERENCE = "ghcr.io/acme/app:1.0"
NAME_TOTAL_LENGTH_MAX = 255
DEFAULT_TAG = "latest"
# Far above any valid reference (255 name + 128 tag + a sha512 digest); bounds regex work.
_TEXT_MAX = 1024

_DOCKER_HUB_ALIASES = frozenset({DOCKER_HUB_HOST, "index.docker.io", DOCKER_HUB_API_HOST})
_OFFICIAL_PREFIX = "library/"

# Grammar pieces from distribution/reference. Go's \w and \d are ASCII-only, hence re.ASCII.
_A = re.ASCII
# Upstream's current `[-]+` separator, not the older `[-]*`: both accept the same names, but
# `[-]*` makes Python's backtracking engine exponential on a bad component (Go's RE2 is not).
_PATH_COMPONENT = re.compile(r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*", _A)
_DOMAIN_COMPONENT = r"(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])"
_DOMAIN_NAME = re.compile(rf"{_DOMAIN_COMPONENT}(?:\.{_DOMAIN_COMPONENT})*", _A)
_IPV6_CHARS = re.compile(r"[a-fA-F0-9:]+", _A)
_TAG = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}", _A)
_TAG_MAX = 128
_DIGEST = re.compile(
    r"(?P<algo>[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*):(?P<hex>[0-9a-fA-F]{32,})", _A
)
# go-digest pins the length (and lowercase hex) of the algorithms it knows.
_DIGEST_HEX_LENGTH = {"sha256": 64, "sha384": 96, "sha512": 128}
_IDENTIFIER = re.compile(r"[a-f0-9]{64}", _A)
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://", _A)


class ImageRefError(ValueError):
    """An image reference that cannot be pulled as written; the message says why
    and shows what a valid one looks like."""

    def __init__(self, text: str, problem: str, example: str = EXAMPLE_REFERENCE) -> None:
        self.text = text
        self.problem = problem
        self.example = example
        super().__init__(f"image reference {text!r} is invalid: {problem} (e.g. {example})")

    def __reduce__(self) -> tuple[type[ImageRefError], tuple[str, str, str]]:
        return (type(self), (self.text, self.problem, self.example))


@record(frozen=True)
class ImageRef:
    """A parsed, normalised image reference.

    `host` is lowercase and without IPv6 brackets; Docker Hub is always
    `docker.io` with `library/` added to one-component names. `original` is
    what the user wrote and does not take part in equality.
    """

    host: str
    port: int | None
    repository: str
    tag: str | None
    digest: str | None
    original: str = field(default="", compare=False)

    @classmethod
    def parse(cls, text: str) -> ImageRef:
        return parse_image(text)

    @property
    def is_docker_hub(self) -> bool:
        return self.host == DOCKER_HUB_HOST and self.port is None

    @property
    def registry(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return host if self.port is None else f"{host}:{self.port}"

    @property
    def name(self) -> str:
        return f"{self.registry}/{self.repository}"

    @property
    def reference(self) -> str:
        """What goes after `/manifests/` in a v2 request."""
        return self.digest or self.tag or DEFAULT_TAG

    @property
    def auth_key(self) -> str:
        """The registry key docker credentials (and Truss registry secrets) are filed under."""
        return DOCKER_HUB_AUTH_KEY if self.is_docker_hub else self.registry

    def __str__(self) -> str:
        out = self.name
        if self.tag is not None:
            out += f":{self.tag}"
        if self.digest is not None:
            out += f"@{self.digest}"
        elif self.tag is None:
            out += f":{DEFAULT_TAG}"
        return out


def parse_image(text: str) -> ImageRef:
    """Parse `text` as `[host[:port]/]path[:tag][@algo:hex]`; raise ImageRefError if invalid."""
    if not isinstance(text, str):
        raise TypeError(f"image reference must be a str, not {type(text).__name__}")
    _check_whole(text)

    name, digest = text, None
    if "@" in text:
        name, digest = text.split("@", 1)
    tag = None
    colon = name.rfind(":")
    if colon > name.rfind("/"):
        name, tag = name[:colon], name[colon + 1 :]

    host_text, path = _split_host(text, name, written=text.split("@", 1)[0])
    if host_text is None:
        host, port = DOCKER_HUB_HOST, None
    else:
        host, port = _parse_host(text, host_text)
        if host in _DOCKER_HUB_ALIASES and port is None:
            host = DOCKER_HUB_HOST
    _check_path(text, path)
    if host == DOCKER_HUB_HOST and port is None and "/" not in path:
        path = _OFFICIAL_PREFIX + path

    ref = ImageRef(host=host, port=port, repository=path, tag=tag, digest=digest, original=text)
    if len(ref.name) > NAME_TOTAL_LENGTH_MAX:
        raise ImageRefError(
            text,
            f"the name {ref.name!r} is {len(ref.name)} characters long; "
            f"registry and repository together allow at most {NAME_TOTAL_LENGTH_MAX}",
        )
    if tag is not None:
        _check_tag(text, tag)
    if digest is not None:
        _check_digest(text, digest)
    return ref


def _check_whole(text: str) -> None:
    if not text:
        raise ImageRefError(text, "it is empty")
    if len(text) > _TEXT_MAX:
        raise ImageRefError(
            text[:60] + "…", f"it is {len(text)} characters long, far beyond any valid reference"
        )
    if any(ch.isspace() for ch in text):
        raise ImageRefError(text, "it contains whitespace; remove the spaces")
    scheme = _SCHEME.match(text)
    if scheme:
        bare = text[scheme.end() :]
        raise ImageRefError(
            text,
            f"drop the scheme {scheme.group()!r}: an image reference is not a URL",
            example=bare or EXAMPLE_REFERENCE,
        )
    if _IDENTIFIER.fullmatch(text):
        raise ImageRefError(
            text, "a 64-character hex string is an image ID, not a name; give the repository"
        )


def _split_host(text: str, name: str, written: str) -> tuple[str | None, str]:
    if not name:
        raise ImageRefError(text, "the repository name is missing")
    if name.endswith("/"):
        raise ImageRefError(text, "remove the trailing '/'", example=name.rstrip("/") or "app")
    if name.startswith("/"):
        raise ImageRefError(text, "it must not start with '/'")
    first, slash, rest = name.partition("/")
    # distribution/reference's rule: only these make the first component a registry host.
    looks_like_host = (
        "." in first or ":" in first or first.lower() == "localhost" or first.startswith("[")
    )
    if not looks_like_host:
        return None, name
    if not slash:
        # Docker would read `nvcr.io` as docker.io/library/nvcr.io; no official image has a
        # dot in its name, so this is a registry host with the image path forgotten.
        raise ImageRefError(
            text,
            f"{written!r} is a registry host without a repository; add the image path after '/'",
            example=f"{written}/acme/app:1.0",
        )
    return first, rest


def _parse_host(text: str, host_text: str) -> tuple[str, int | None]:
    port_text: str | None = None
    if host_text.startswith("["):
        close = host_text.find("]")
        address = host_text[1:close] if close != -1 else ""
        after = host_text[close + 1 :] if close != -1 else "?"
        if not _is_ipv6(address) or (after and not after.startswith(":")):
            raise ImageRefError(
                text,
                f"registry host {host_text!r} is not a valid IPv6 address in brackets",
                example="[::1]:5000/acme/app:1.0",
            )
        host = address.lower()
        if after:
            port_text = after[1:]
    else:
        domain, colon, port = host_text.partition(":")
        if not _DOMAIN_NAME.fullmatch(domain):
            raise ImageRefError(
                text,
                f"registry host {domain!r} is invalid: use a DNS name or IP address with "
                "letters, digits, '-' and '.'",
            )
        host = domain.lower()
        if colon:
            port_text = port
    if port_text is None:
        return host, None
    if not (port_text.isascii() and port_text.isdigit() and 1 <= int(port_text) <= 65535):
        raise ImageRefError(
            text,
            f"port {port_text!r} is invalid: it must be a number from 1 to 65535",
            example="localhost:5000/acme/app:1.0",
        )
    return host, int(port_text)


def _is_ipv6(address: str) -> bool:
    if not _IPV6_CHARS.fullmatch(address):
        return False
    import ipaddress  # rare path; keeps module import cheap

    try:
        ipaddress.IPv6Address(address)
    except ValueError:
        return False
    return True


def _check_path(text: str, path: str) -> None:
    components = path.split("/")
    if "" in components:
        raise ImageRefError(text, "the repository path has an empty component ('//')")
    if path != path.lower() and all(_PATH_COMPONENT.fullmatch(c) for c in path.lower().split("/")):
        raise ImageRefError(
            text,
            f"repository names must be lowercase ({path!r} -> {path.lower()!r})",
        )
    for component in components:
        if not _PATH_COMPONENT.fullmatch(component):
            raise ImageRefError(
                text,
                f"path component {component!r} is invalid: use lowercase letters and digits, "
                "joined by '.', '_', '__' or dashes",
            )


def _check_tag(text: str, tag: str) -> None:
    if not tag:
        raise ImageRefError(text, "the tag after ':' is empty; remove the ':' or give a tag")
    if len(tag) > _TAG_MAX:
        raise ImageRefError(text, f"the tag is {len(tag)} characters long; the limit is {_TAG_MAX}")
    if not _TAG.fullmatch(tag):
        raise ImageRefError(
            text,
            f"tag {tag!r} is invalid: use letters, digits, '_', '.' and '-', "
            "not starting with '.' or '-'",
        )


def _check_digest(text: str, digest: str) -> None:
    example = "ghcr.io/acme/app@sha256:" + "0" * 64
    m = _DIGEST.fullmatch(digest)
    if not m:
        raise ImageRefError(
            text,
            f"digest {digest!r} is invalid: it must be algorithm:hex, like sha256:<64 hex digits>",
            example=example,
        )
    algo, hex_ = m["algo"], m["hex"]
    expected = _DIGEST_HEX_LENGTH.get(algo.lower())
    if expected is None:
        return
    if algo != algo.lower() or hex_ != hex_.lower() or len(hex_) != expected:
        raise ImageRefError(
            text,
            f"digest {digest!r} is invalid: write {algo.lower()}: followed by exactly "
            f"{expected} lowercase hex digits",
            example=example,
        )


class RegistryKind(str, Enum):
    """Registries the wizard knows; the values are CLI ids."""

    ECR = "ecr"
    ECR_PUBLIC = "ecr-public"
    GAR = "gar"
    DOCKERHUB = "dockerhub"
    GHCR = "ghcr"
    NGC = "ngc"
    OTHER = "other"

    def __str__(self) -> str:
        return self.value


@record(frozen=True)
class RegistryInfo:
    """What the host (and for Google, the path) of an image says about its registry."""

    kind: RegistryKind
    # ECR
    account: str | None = None
    region: str | None = None
    fips: bool = False
    # GAR / GCR
    location: str | None = None
    project: str | None = None
    gar_repository: str | None = None


# The host pattern of awslabs/amazon-ecr-credential-helper (ecr-login/api/client.go,
# current master): `.dkr-ecr.` and `on.aws` are the dual-stack endpoints, the
# others the China, EU sovereign and isolated partitions.
_ECR_HOST = re.compile(
    r"(\d{12})\.dkr[.\-]ecr(-fips)?\.([a-zA-Z0-9][a-zA-Z0-9_-]*)\."
    r"(amazonaws\.(?:com(?:\.cn)?|eu)|on\.(?:aws|amazonwebservices\.com\.cn)"
    r"|sc2s\.sgov\.gov|c2s\.ic\.gov|cloud\.adc-e\.uk|csp\.hci\.ic\.gov)",
    _A,
)
_GAR_HOST = re.compile(r"([a-z0-9]+(?:-[a-z0-9]+)*)-docker\.pkg\.dev", _A)
_GCR_LOCATIONS: dict[str, str | None] = {
    "gcr.io": None,
    "us.gcr.io": "us",
    "eu.gcr.io": "eu",
    "asia.gcr.io": "asia",
}
_FIXED_HOSTS: dict[str, RegistryKind] = {
    "ghcr.io": RegistryKind.GHCR,
    "nvcr.io": RegistryKind.NGC,
    # Amazon ECR Public: every repository on it is readable by anyone, without a login.
    "public.ecr.aws": RegistryKind.ECR_PUBLIC,
}
# Region prefix -> DNS suffix for partitions other than `aws`.
_ECR_PARTITION_SUFFIXES: tuple[tuple[str, str], ...] = (
    ("cn-", "amazonaws.com.cn"),
    ("eusc-", "amazonaws.eu"),
    ("us-iso-", "c2s.ic.gov"),
    ("us-isob-", "sc2s.sgov.gov"),
    ("us-isof-", "csp.hci.ic.gov"),
    ("eu-isoe-", "cloud.adc-e.uk"),
)
_ECR_ACCOUNT = re.compile(r"[0-9]{12}", _A)
_ECR_REGION = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*", _A)


def detect_registry(ref: ImageRef) -> RegistryInfo:
    """Which registry `ref` lives in. The port is ignored, except that Docker Hub has none."""
    if ref.is_docker_hub:
        return RegistryInfo(RegistryKind.DOCKERHUB)
    host = ref.host
    ecr = _ECR_HOST.fullmatch(host)
    if ecr:
        return RegistryInfo(
            RegistryKind.ECR, account=ecr[1], region=ecr[3], fips=ecr[2] is not None
        )
    path = ref.repository.split("/")
    gar = _GAR_HOST.fullmatch(host)
    if gar:
        # Artifact Registry paths are project/repository/image[/...]
        repo = path[1] if len(path) >= 3 else None
        return RegistryInfo(RegistryKind.GAR, location=gar[1], project=path[0], gar_repository=repo)
    if host in _GCR_LOCATIONS:
        return RegistryInfo(RegistryKind.GAR, location=_GCR_LOCATIONS[host], project=path[0])
    return RegistryInfo(_FIXED_HOSTS.get(host, RegistryKind.OTHER))


def ecr_host(account: str, region: str, *, fips: bool = False) -> str:
    """The private ECR registry host for an account and region, in the region's partition."""
    if not _ECR_ACCOUNT.fullmatch(account):
        raise ValueError(f"{account!r} is not a 12-digit AWS account ID such as 123456789012")
    if not _ECR_REGION.fullmatch(region):
        raise ValueError(f"{region!r} is not an AWS region name such as us-east-1")
    suffix = next(
        (sfx for prefix, sfx in _ECR_PARTITION_SUFFIXES if region.startswith(prefix)),
        "amazonaws.com",
    )
    return f"{account}.dkr.ecr{'-fips' if fips else ''}.{region}.{suffix}"


def is_always_public(ref: ImageRef) -> bool:
    """Anyone may pull `ref` without a credential, whoever owns it: Amazon ECR Public
    serves every image anonymously, and Docker Hub's official images (`library/...`) are
    public by definition."""
    if ref.is_docker_hub:
        return ref.repository.startswith(_OFFICIAL_PREFIX)
    return detect_registry(ref).kind is RegistryKind.ECR_PUBLIC


# Names that resolve only inside one network: RFC 6761 `localhost`, mDNS `.local`
# (RFC 6762), `.home.arpa` (RFC 8375) and ICANN's private-use `.internal` (2024).
_LOCAL_SUFFIXES = (".local", ".home.arpa", ".internal")


def unreachable_reason(ref: ImageRef) -> str | None:
    """Why a machine outside your network (Baseten's image builders) cannot reach the
    registry host: "a loopback address", "a private network address", "a name that
    resolves only on your network"; None for a host that may be public."""
    import ipaddress  # only here: keeps module import cheap

    host = ref.host.rstrip(".")
    if host == "localhost" or host.endswith(".localhost"):
        return "a loopback address"
    if host.endswith(_LOCAL_SUFFIXES):
        return "a name that resolves only on your own network"
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return None
    if address.is_loopback:
        return "a loopback address"
    if address.is_global:
        return None
    return "a private network address"
