"""`registry-wizard secret encode|set`: build or store the Baseten registry secret."""

from __future__ import annotations

import argparse
import sys

from wizard.cli.stdin import UsageError, read_stdin_secret
from wizard.model import catalog
from wizard.model.exits import EXIT_AUTH, EXIT_ERROR, EXIT_OK, EXIT_USAGE


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "secret",
        description="Build the DOCKER_REGISTRY_<host> secret value (base64 of "
        "user:token) without the usual mistakes, or store a secret in Baseten.",
    )
    actions = p.add_subparsers(dest="secret_command", metavar="ACTION", required=True)
    enc = actions.add_parser(
        "encode",
        help="print the registry secret value; token from stdin",
        description="Read the token from stdin and print base64 of "
        "user:token. On a terminal the value is masked unless --show.",
    )
    enc.add_argument("--image", required=True, help="the image the secret is for")
    enc.add_argument(
        "--username",
        help="registry username (default: the registry's fixed one: "
        "AWS, oauth2accesstoken, $oauthtoken)",
    )
    enc.add_argument("--show", action="store_true", help="print the value even on a terminal")
    enc.set_defaults(handler=_run_secret_encode)
    st = actions.add_parser(
        "set",
        help="store a secret in Baseten (value from stdin)",
        description="Store a secret with Baseten's API (POST /v1/secrets), "
        "then confirm it exists. The value comes from stdin. With --image "
        "and --username, stdin holds the token and the DOCKER_REGISTRY_ "
        "name and value are built for you.",
    )
    st.add_argument(
        "name", nargs="?", help="the secret name (default with --image: DOCKER_REGISTRY_<host>)"
    )
    st.add_argument("--image", help="build the registry secret for this image")
    st.add_argument("--username", help="registry username, with --image")
    st.set_defaults(handler=_run_secret_set)


def _registry_value(image: str, username: str | None) -> tuple[str, object, list[object]]:
    """(secret name, value, warnings) for a token read from stdin."""
    from wizard.model.auth import registry_secret_name
    from wizard.model.image import ImageRefError, detect_registry, parse_image
    from wizard.verify import analyze

    try:
        ref = parse_image(image)
    except ImageRefError as e:
        raise UsageError(f"--image: {e}") from None
    kind = detect_registry(ref).kind
    fixed = catalog.REGISTRIES[kind.value].fixed_username
    user = username if username is not None else fixed
    if user is None:
        raise UsageError(f"--username is needed for {ref.registry} (your account name there)")
    token = read_stdin_secret("the token", strip_newline=True)
    findings = analyze.analyze_credentials(user, token, kind, host=ref.registry)  # type: ignore[arg-type]
    errors = [f for f in findings if f.severity is analyze.Severity.ERROR]
    if errors:
        raise _Invalid("\n".join(f"{f.message} ({f.fix})" for f in errors))
    value = analyze.encode_registry_secret(user, token)  # type: ignore[arg-type]
    return registry_secret_name(ref), value, [f"{f.message} ({f.fix})" for f in findings]


class _Invalid(Exception):
    pass


def _run_secret_encode(args: argparse.Namespace) -> int:
    from wizard.cli import output as report

    try:
        name, value, warnings = _registry_value(args.image, args.username)
    except UsageError as e:
        report.error(str(e))
        return EXIT_USAGE
    except _Invalid as e:
        report.error(str(e))
        return EXIT_ERROR
    for w in warnings:
        report.warn(str(w))
    if sys.stdout.isatty() and not args.show:
        print(value.masked())  # type: ignore[attr-defined]
        report.info("masked on a terminal: pipe it, or pass --show to print it")
    else:
        print(value.reveal())  # type: ignore[attr-defined]
    report.info(
        f"store it in Baseten as {name}: registry-wizard secret set --image "
        f"{args.image} ... (or Settings → Secrets)"
    )
    return EXIT_OK


def _check_registry_value(name: str, value: object) -> None:
    """A DOCKER_REGISTRY_ value is base64 of user:token: the offline analysis says whether
    this one is (an un-encoded `user:token` would be stored as is, and fail every pull)."""
    from wizard.model.image import ImageRefError, detect_registry, parse_image
    from wizard.verify import analyze

    host = name.removeprefix("DOCKER_REGISTRY_").removeprefix("https://").split("/")[0]
    try:
        kind = detect_registry(parse_image(f"{host}/x/y:1")).kind
    except ImageRefError:
        raise _Invalid(f"{name} does not name a registry host") from None
    try:
        decoded = analyze.decode_registry_secret(value, kind, host)  # type: ignore[arg-type]
    except analyze.SecretFormatError as e:
        raise _Invalid(f"{e} (registry-wizard secret encode builds the value)") from None
    errors = [f for f in decoded.findings if f.is_error]
    if errors:
        raise _Invalid("\n".join(f"{f.message} ({f.fix})" for f in errors))


def _run_secret_set(args: argparse.Namespace) -> int:
    from wizard.cli import output as report
    from wizard.verify.baseten import BasetenError, find_api_key, list_secrets, set_secret

    try:
        if args.image:
            name, value, warnings = _registry_value(args.image, args.username)
            name = args.name or name
            for w in warnings:
                report.warn(str(w))
        else:
            if not args.name:
                raise UsageError("name the secret, or pass --image to build the registry secret")
            name = args.name
            value = read_stdin_secret("the secret value", strip_newline=True)
            if name.startswith("DOCKER_REGISTRY_"):
                _check_registry_value(name, value)
        found = find_api_key()
        if found is None:
            raise UsageError(
                "no Baseten API key: set BASETEN_API_KEY or run `truss login` "
                "(it writes ~/.trussrc)"
            )
    except UsageError as e:
        report.error(str(e))
        return EXIT_USAGE
    except _Invalid as e:
        report.error(str(e))
        return EXIT_ERROR
    key, _where = found
    try:
        set_secret(key, name, value)  # type: ignore[arg-type]
        stored = name in list_secrets(key)
    except BasetenError as e:
        report.error(str(e))
        return EXIT_AUTH if e.status in (401, 403) else EXIT_ERROR
    if not stored:
        report.error(f"Baseten accepted {name} but does not list it; check Settings → Secrets")
        return EXIT_ERROR
    report.info(f"stored in Baseten: {name}")
    return EXIT_OK
