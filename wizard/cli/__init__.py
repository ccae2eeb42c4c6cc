"""Command-line entry point. Parsing only: the work happens in the services.

Kept import-light: `--help` and `setup --dry-run` must not pay for textual,
boto3, google-auth or httpx.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from wizard import __version__
from wizard.cli import doctor as doctor_cmd
from wizard.cli.flags import add_fact_flags, add_transport_flags, facts_from, transport_from
from wizard.model import catalog

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_USAGE = 2
EXIT_AUTH = 4


def _field_values(args: argparse.Namespace) -> dict[str, str]:
    return {
        fid: v
        for fid in catalog.all_fields()
        if (v := getattr(args, f"field_{fid.replace('-', '_')}", None)) is not None
    }


def _add_field_flags(p: argparse.ArgumentParser) -> None:
    group = p.add_argument_group("method values")
    for f in catalog.all_fields().values():
        group.add_argument(
            f.flag,
            dest=f"field_{f.id.replace('-', '_')}",
            metavar="VALUE",
            help=f.help.replace("%", "%%"),
        )


def _add_guide(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "guide",
        help="the cloud-side steps for a registry and method, with your values filled in",
        description="Numbered steps with the exact IAM trust policy, ECR policy, gcloud or AWS "
        "CLI commands and secret-building commands for your image. Unknown values stay as "
        "<MARKED> placeholders.",
    )
    p.add_argument(
        "--config",
        type=Path,
        default=Path("config.yaml"),
        help="read the image and current method from this config if it exists",
    )
    p.add_argument("--image", help="the image reference")
    p.add_argument("--registry", choices=list(catalog.REGISTRIES))
    p.add_argument(
        "--method",
        choices=list(catalog.METHOD_IDS),
        help="default: the config's method, else the recommended one",
    )
    p.add_argument(
        "--format",
        choices=["text", "markdown", "json"],
        default="text",
        help="text: rendered on a terminal, markdown when piped",
    )
    _add_field_flags(p)
    add_fact_flags(p)
    p.set_defaults(handler=_run_guide)


def _run_guide(args: argparse.Namespace) -> int:
    from wizard.cli import output as report
    from wizard.config.plan import SetupError
    from wizard.guide.service import GuideRequest, build

    answers = {**_field_values(args), **facts_from(args)}
    req = GuideRequest(
        args.config,
        args.image,
        args.registry,
        args.method,
        answers,
        use_baseten=not args.no_baseten,
    )
    try:
        guide, ctx = build(req)
    except SetupError as e:
        report.error(e.message)
        return e.exit_code
    for note in ctx.notes:
        report.info(f"note: {note}")
    report.print_guide(guide, fmt=args.format)
    return EXIT_OK


def _add_setup(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "setup",
        help="write base_image + registry auth into config.yaml",
        description="Choose a registry and auth method and patch config.yaml, touching only "
        "the lines that must change. Every question has a flag.",
    )
    p.add_argument(
        "--config",
        type=Path,
        default=Path("config.yaml"),
        help="the Truss config to edit (default: ./config.yaml; created if missing)",
    )
    p.add_argument(
        "--demo",
        action="store_true",
        help="work on a copy of the bundled sample Truss project in a temp directory",
    )
    p.add_argument(
        "--registry",
        choices=list(catalog.REGISTRIES),
        help="registry kind; detected from the image when left out",
    )
    p.add_argument(
        "--method",
        choices=list(catalog.METHOD_IDS),
        help="auth method; optional where the registry has only one",
    )
    p.add_argument("--image", help="image reference; sets or replaces base_image.image")
    p.add_argument(
        "--provision",
        action="store_true",
        help="ECR oidc/assume-role: create what is missing in your AWS account (the OIDC "
        "provider, the role, its trust and ECR read policy), shown first, then asked",
    )
    p.add_argument("--aws-profile", metavar="NAME", help="AWS profile for --provision")
    p.add_argument(
        "--plain",
        action="store_true",
        help="ask one question at a time in the terminal (no full-screen app)",
    )
    cred = p.add_argument_group("credential for the live check (optional)")
    cred.add_argument("--username", help="registry username for the live check")
    cred.add_argument(
        "--token-stdin", action="store_true", help="read the token for the live check from stdin"
    )
    cred.add_argument("--key-file", help="GCP service-account key for the live check")
    cred.add_argument(
        "--store-secret",
        action="store_true",
        help="store the registry secret in Baseten (BASETEN_API_KEY or ~/.trussrc)",
    )
    _add_field_flags(p)
    add_fact_flags(p)
    add_transport_flags(p.add_argument_group("how the live check reaches the registry"))
    mode = p.add_mutually_exclusive_group()
    mode.add_argument("--dry-run", action="store_true", help="print the diff, write nothing")
    mode.add_argument("--yes", "-y", action="store_true", help="write without asking")
    p.set_defaults(handler=_run_setup)


def _add_check(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "check",
        help="prove a credential can pull the image, live",
        description="Run the Docker Registry v2 pull flow against the real registry with the "
        "credential Baseten will use, and say exactly why it fails if it does. Secrets are "
        "read from stdin, files or docker's store, never from the command line.",
    )
    p.add_argument(
        "--config",
        type=Path,
        help="read the image (and method) from this config "
        "(default: ./config.yaml when --image is not given)",
    )
    p.add_argument("--image", help="the image reference to check")
    src = p.add_mutually_exclusive_group()
    p.add_argument("--username", help="registry username (with --password-stdin)")
    src.add_argument(
        "--password-stdin", action="store_true", help="read the password or token from stdin"
    )
    src.add_argument(
        "--secret-stdin",
        action="store_true",
        help="read the exact DOCKER_REGISTRY_* secret value (base64 of user:token)",
    )
    src.add_argument(
        "--docker-config",
        nargs="?",
        const="",
        metavar="PATH",
        help="reuse what `docker login` stored (default ~/.docker/config.json)",
    )
    src.add_argument("--key-file", type=Path, metavar="PATH", help="GCP service-account JSON key")
    p.add_argument(
        "--aws-profile",
        metavar="NAME",
        help="AWS profile for ECR (default: the standard credential chain)",
    )
    add_transport_flags(p)
    add_fact_flags(p)
    p.add_argument("--format", choices=["text", "json"], default="text")
    p.set_defaults(handler=_run_check)


def _read_stdin_secret(what: str, *, strip_newline: bool) -> object:
    from wizard.model.secret import Secret

    data = sys.stdin.read()
    if strip_newline:  # as `docker login --password-stdin` does
        data = data.rstrip("\r\n")
    if not data:
        raise _Usage(
            f"{what}: stdin was empty; pipe the value in, e.g. "
            "printf '%s' \"$TOKEN\" | registry-wizard check ..."
        )
    return Secret(data)


class _Usage(Exception):
    pass


def _run_check(args: argparse.Namespace) -> int:
    from wizard.cli import output as report
    from wizard.verify.service import (
        CheckItem,
        CheckUsageError,
        CredentialSource,
        check_one,
        method_note,
        resolve_ref,
    )

    try:
        if args.password_stdin and args.username is None:
            raise _Usage("--password-stdin needs --username")
        if args.username is not None and not args.password_stdin:
            raise _Usage("--username needs --password-stdin (secrets are never taken from argv)")
        config = args.config
        if config is None and args.image is None:
            config = Path("config.yaml")
        ref, auth_method = resolve_ref(args.image, config)
        source = CredentialSource(aws_profile=args.aws_profile)
        if args.password_stdin:
            source.username = args.username
            source.password = _read_stdin_secret("--password-stdin", strip_newline=True)
        elif args.secret_stdin:
            source.registry_secret = _read_stdin_secret("--secret-stdin", strip_newline=False)
        elif args.docker_config is not None:
            source.use_docker_config = True
            source.docker_config = Path(args.docker_config) if args.docker_config else None
        elif args.key_file is not None:
            source.key_file = args.key_file
        options = transport_from(args)
    except (_Usage, CheckUsageError) as e:
        report.error(str(e))
        return EXIT_USAGE
    keyless = auth_method is not None and not any(
        (args.password_stdin, args.secret_stdin, args.docker_config is not None, args.key_file)
    )
    if keyless and method_note(auth_method):
        return _run_cloud_check(args, config)
    result = check_one(CheckItem(ref, source), options)
    note = method_note(auth_method)
    if note:
        result.warnings.append(note)
    report.print_check(result, fmt=args.format)
    return result.verdict.exit_code


def _add_secret(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "secret",
        help="build or store the Baseten secret for a registry",
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


_FIXED_USERNAMES = {"ecr": "AWS", "gar": "oauth2accesstoken", "ngc": "$oauthtoken"}


def _registry_value(image: str, username: str | None) -> tuple[str, object, list[object]]:
    """(secret name, value, warnings) for a token read from stdin."""
    from wizard.model.auth import registry_secret_name
    from wizard.model.image import ImageRefError, detect_registry, parse_image
    from wizard.verify import analyze

    try:
        ref = parse_image(image)
    except ImageRefError as e:
        raise _Usage(f"--image: {e}") from None
    kind = detect_registry(ref).kind
    user = username if username is not None else _FIXED_USERNAMES.get(kind.value)
    if user is None:
        raise _Usage(f"--username is needed for {ref.registry} (your account name there)")
    token = _read_stdin_secret("the token", strip_newline=True)
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
    except _Usage as e:
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
                raise _Usage("name the secret, or pass --image to build the registry secret")
            name = args.name
            value = _read_stdin_secret("the secret value", strip_newline=True)
        found = find_api_key()
        if found is None:
            raise _Usage(
                "no Baseten API key: set BASETEN_API_KEY or run `truss login` "
                "(it writes ~/.trussrc)"
            )
    except _Usage as e:
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


def _run_cloud_check(args: argparse.Namespace, config: Path) -> int:
    """OIDC and AssumeRole: Baseten pulls as the role, so inspect the cloud setup instead."""
    from wizard.cli import output as report
    from wizard.config.plan import SetupError
    from wizard.guide.service import GuideRequest, cloud_check, resolve
    from wizard.model.facts import exit_code

    req = GuideRequest(
        config, args.image, None, None, facts_from(args), use_baseten=not args.no_baseten
    )
    try:
        ctx = resolve(req)
        items = cloud_check(ctx, profile=args.aws_profile)
    except SetupError as e:
        report.error(e.message)
        return e.exit_code
    for note in ctx.notes:
        report.info(f"note: {note}")
    report.print_items(
        items,
        image=ctx.ref.original or str(ctx.ref),
        method=ctx.method.auth_method.value if ctx.method.auth_method else "",
        fmt=args.format,
    )
    return exit_code(items)


def _run_tui(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    """No command: the full-screen wizard, on a terminal that can host it."""
    from wizard.cli import output as report

    if not _full_screen_ok():
        parser.print_help(sys.stderr)
        report.error(
            "the full-screen wizard needs a terminal; use `registry-wizard setup "
            "--plain` for one question at a time, or the setup flags in scripts"
        )
        return EXIT_USAGE
    config = args.tui_config
    if args.tui_demo:
        config = report.demo_project() / "config.yaml"
    from wizard.flow import Flow
    from wizard.ui.tui import run_tui

    return run_tui(Flow(config, check_options=transport_from(args, "tui_")))


def _full_screen_ok() -> bool:
    """A terminal that can host a full-screen app on both ends."""
    return sys.stdin.isatty() and sys.stdout.isatty() and os.environ.get("TERM") != "dumb"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="registry-wizard",
        description="Get a Truss model's private base image pulling on Baseten: choose the "
        "registry and auth method, and patch config.yaml.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument(
        "--config",
        dest="tui_config",
        type=Path,
        metavar="PATH",
        default=Path("config.yaml"),
        help="with no command: the Truss config the full-screen wizard opens (default "
        "./config.yaml)",
    )
    parser.add_argument(
        "--demo",
        dest="tui_demo",
        action="store_true",
        help="with no command: open the wizard on a copy of the bundled sample project",
    )
    add_transport_flags(
        parser.add_argument_group("with no command: how the live check reaches the registry"),
        dest_prefix="tui_",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    _add_setup(sub)
    _add_check(sub)
    _add_guide(sub)
    _add_secret(sub)
    doctor_cmd.add_parser(sub)
    return parser


def _run_setup(args: argparse.Namespace) -> int:
    from wizard.cli import output as report
    from wizard.config.plan import SetupError, SetupRequest, plan_setup

    config: Path = args.config
    if args.demo:
        config = report.demo_project() / "config.yaml"
        report.info(f"demo: working on a copy of the sample project: {config}")
    interactive = sys.stdin.isatty() and sys.stdout.isatty()
    if args.plain:
        return _run_flow(args, config, interactive)
    req = SetupRequest(config, args.registry, args.method, args.image, _field_values(args))
    provision = None
    try:
        plan = plan_setup(req)
        if args.provision:
            provision = _plan_provision(plan, args)
    except SetupError as e:
        if e.missing and not (args.yes or args.dry_run):
            # Answers are missing: ask for them (the flags given are kept as answers)
            # in the full-screen wizard where the terminal can host it, else one at a
            # time; without a terminal, say which flags a script must pass.
            return _run_flow(args, config, interactive, full_screen=_full_screen_ok())
        report.error(e.message)
        return e.exit_code
    return report.finish_setup(plan, dry_run=args.dry_run, yes=args.yes, provision=provision)


def _flow_presets(args: argparse.Namespace) -> dict[str, str]:
    """Flags as pre-answers, keyed by Question id."""
    presets = {
        k: v
        for k, v in (
            ("image", args.image),
            ("registry", args.registry),
            ("method", args.method),
            ("username", args.username),
            ("key-file", args.key_file),
        )
        if v is not None
    }
    presets.update(_field_values(args))
    presets.update(facts_from(args))
    for flag, qid in (
        ("provision", "provision"),
        ("store_secret", "store-secret"),
        ("yes", "yes"),
        ("no_baseten", "no-baseten"),
    ):
        if getattr(args, flag):
            presets[qid] = "yes"
    return presets


def _run_flow(
    args: argparse.Namespace, config: Path, interactive: bool, *, full_screen: bool = False
) -> int:
    from wizard.cli import output as report
    from wizard.config.document import ConfigError
    from wizard.flow import Flow
    from wizard.ui import plain

    try:
        flow = Flow(
            config,
            presets=_flow_presets(args),
            check_options=transport_from(args),
            aws_profile=args.aws_profile,
        )
        if args.token_stdin:
            flow.secrets["token"] = _read_stdin_secret("--token-stdin", strip_newline=True)  # type: ignore[assignment]
    except _Usage as e:
        report.error(str(e))
        return EXIT_USAGE
    except ConfigError:
        raise
    refused = flow.preset_errors()
    if refused:  # before any question: not after the user has answered them all
        for message in refused:
            report.error(message)
        return EXIT_ERROR  # as setup says of a wrong value when none is missing
    if not interactive:
        report.error(plain.not_interactive_message(flow))
        return EXIT_USAGE
    if full_screen:
        from wizard.ui.tui import run_tui

        # The full-screen wizard offers "Create it for me" on its Cloud setup step and
        # confirms it there: --provision does not skip that.
        flow.presets.pop("provision", None)
        return run_tui(flow)
    return plain.run(flow, plain.QuestionaryPrompter(), dry_run=args.dry_run)


def _plan_provision(plan: object, args: argparse.Namespace) -> object:
    """What --provision would create in AWS, read from the account now."""
    from wizard.cli import output as report
    from wizard.config.plan import SetupError
    from wizard.guide.provision import ProvisionError
    from wizard.guide.service import GuideContext, gather_facts, provision_plan

    answers = {**plan.values, **facts_from(args)}  # type: ignore[attr-defined]
    facts, notes = gather_facts(answers, use_baseten=not args.no_baseten, method=plan.method)  # type: ignore[attr-defined]
    for note in notes:
        report.info(f"note: {note}")
    ctx = GuideContext(
        plan.ref,
        plan.info,
        plan.registry,
        plan.method,  # type: ignore[attr-defined]
        facts,
        answers,
        notes,
    )
    try:
        return provision_plan(ctx, profile=args.aws_profile)
    except ProvisionError as e:
        raise SetupError(f"{e} ({e.fix})" if e.fix else str(e)) from None
    except ValueError as e:
        raise SetupError(str(e)) from None


def _refuse_wizard_flags(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    """`registry-wizard --timeout 3 check`: the options before a command are the
    full-screen wizard's; say so rather than silently check with the default."""
    for dest, value in vars(args).items():
        if dest.startswith("tui_") and value != parser.get_default(dest):
            flag = "--" + dest.removeprefix("tui_").replace("_", "-")
            parser.error(
                f"{flag} before the command is for the full-screen wizard; "
                f"put it after: registry-wizard {args.command} {flag} ..."
            )


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    handler = getattr(args, "handler", None)
    if handler is not None:
        _refuse_wizard_flags(parser, args)
    from wizard.config.document import ConfigError

    try:
        if handler is None:
            return _run_tui(args, parser)
        return int(handler(args))
    except ConfigError as e:
        print(f"registry-wizard: error: {e}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("\nNo changes were made.", file=sys.stderr)
        return EXIT_USAGE
    except BrokenPipeError:
        # `registry-wizard setup --dry-run | head`: the reader left; that is not an error.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
