"""`registry-wizard check`: prove a credential can pull the image, live."""

from __future__ import annotations

import argparse
from pathlib import Path

from wizard.cli.flags import add_fact_flags, add_transport_flags, facts_from, transport_from
from wizard.cli.stdin import UsageError, read_stdin_secret
from wizard.model.exits import EXIT_USAGE


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "check",
        description="Run the Docker Registry v2 pull flow against the real registry with the "
        "credential Baseten will use, and say exactly why it fails if it does. Secrets are "
        "read from stdin, files or docker's store, never from the command line.",
    )
    p.add_argument(
        "--config",
        type=Path,
        help="read the image (and method) from this config (default when --image is not "
        "given: the nearest config.yaml here or above, up to the repository root)",
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
    p.add_argument(
        "--format",
        choices=["text", "json"],
        default="text",
        help="text (the verdict, the fix and each stage), or json for scripts: verdict, "
        "detail, hint, the full digest, the steps",
    )
    p.set_defaults(handler=_run_check)


def _run_check(args: argparse.Namespace) -> int:
    from wizard.cli import output as report
    from wizard.cli.where import config_path
    from wizard.verify.service import (
        CheckItem,
        CheckUsageError,
        CredentialSource,
        check_one,
        method_note,
        resolve_ref,
        stored_credential_note,
    )

    try:
        if args.password_stdin and args.username is None:
            raise UsageError("--password-stdin needs --username")
        if args.username is not None and not args.password_stdin:
            raise UsageError(
                "--username needs --password-stdin (secrets are never taken from argv)"
            )
        config = args.config
        if config is None and args.image is None:
            config = config_path(None)
        ref, auth_method = resolve_ref(args.image, config)
        source = CredentialSource(aws_profile=args.aws_profile)
        if args.password_stdin:
            source.username = args.username
            source.password = read_stdin_secret("--password-stdin", strip_newline=True)
        elif args.secret_stdin:
            source.registry_secret = read_stdin_secret("--secret-stdin", strip_newline=False)
        elif args.docker_config is not None:
            source.use_docker_config = True
            source.docker_config = Path(args.docker_config) if args.docker_config else None
        elif args.key_file is not None:
            source.key_file = args.key_file
        options = transport_from(args)
    except (UsageError, CheckUsageError) as e:
        report.error(str(e))
        return EXIT_USAGE
    given = any(
        (args.password_stdin, args.secret_stdin, args.docker_config is not None, args.key_file)
    )
    if auth_method is not None and not given and method_note(auth_method):
        return _run_cloud_check(args, config)
    result = check_one(CheckItem(ref, source), options)
    for note in (method_note(auth_method), None if given else stored_credential_note(auth_method)):
        if note:
            result.warnings.append(note)
    report.print_check(result, fmt=args.format)
    return result.verdict.exit_code


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
