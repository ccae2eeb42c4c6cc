"""`registry-wizard doctor`: its arguments, the report on stdout, and the fix conversation.

The work happens in `wizard.doctor`. This module stays import-light: the main CLI
builds its parser on every run, `--help` included.

    registry-wizard doctor                       # the nearest config.yaml, here or above
    registry-wizard doctor models/ --live        # every Truss config under models/, live too
    registry-wizard doctor . --format sarif > auth.sarif
    registry-wizard doctor --fix                 # the safe fixes, after showing the diff
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from wizard.model.exits import EXIT_ERROR, EXIT_OK, EXIT_USAGE

_EPILOG = """\
examples:
  registry-wizard doctor                       the nearest config.yaml, here or above
  registry-wizard doctor models/ --live        every Truss config under models/, checked live
  registry-wizard doctor . --format sarif > auth.sarif
  registry-wizard doctor --fix                 apply the safe fixes after showing the diff

exit codes: 0 no errors, 1 errors found, 2 usage error (or the fix was declined)"""

# Flags that only mean something with --live, by dest, with their unset value.
_LIVE_ONLY = {
    "docker_config": None,
    "key_file": None,
    "aws_profile": None,
    "insecure_registry": [],
    "allow_realm": [],
    "ca_bundle": None,
}


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register `doctor` on the main CLI's subcommands (sets `handler`)."""
    from wizard.cli.flags import add_fact_flags, add_transport_flags

    p = sub.add_parser(
        "doctor",
        description="Check base_image and secrets in Truss configs against what truss and\n"
        "Baseten require, optionally live against the registries, cloud accounts and\n"
        "Baseten, and apply the fixes that are certain, touching only the lines they must.",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "paths",
        nargs="*",
        type=Path,
        metavar="PATH",
        help="a config file, or a directory searched for Truss config.yaml files "
        "(default: the nearest config.yaml here or above, up to the repository root)",
    )
    p.add_argument(
        "--format",
        choices=["text", "json", "sarif"],
        default="text",
        help="text (coloured on a terminal), json, or SARIF 2.1.0 for GitHub code scanning",
    )
    p.add_argument(
        "--truss-version",
        metavar="VERSION",
        help="the truss that will run `truss push` (default: the installed one, if found)",
    )
    fix = p.add_argument_group("fixing")
    fix.add_argument(
        "--fix", action="store_true", help="apply the certain fixes, after showing the diff"
    )
    mode = fix.add_mutually_exclusive_group()
    mode.add_argument("--dry-run", action="store_true", help="with --fix: print the diffs only")
    mode.add_argument("--yes", "-y", action="store_true", help="with --fix: write without asking")
    live = p.add_argument_group("live checks")
    live.add_argument(
        "--live",
        action="store_true",
        help="also pull-check each image, check keyless cloud setups, and look the declared "
        "secrets up in Baseten",
    )
    live.add_argument(
        "--docker-config",
        nargs="?",
        const="",
        metavar="PATH",
        help="check images with a DOCKER_REGISTRY_ secret using what `docker login` stored "
        "(default ~/.docker/config.json)",
    )
    live.add_argument(
        "--key-file",
        type=Path,
        metavar="PATH",
        help="GCP service-account JSON key, for GCP_SERVICE_ACCOUNT_JSON configs",
    )
    live.add_argument(
        "--aws-profile", metavar="NAME", help="AWS profile for ECR and the IAM checks"
    )
    add_transport_flags(live)
    add_fact_flags(p)
    p.set_defaults(handler=run)


class _Usage(Exception):
    pass


def _validate(args: argparse.Namespace) -> list[Path]:
    if (args.dry_run or args.yes) and not args.fix:
        raise _Usage("--dry-run and --yes go with --fix")
    if args.fix and args.format != "text":
        raise _Usage("--fix works with --format text; run --format json or sarif after fixing")
    if not args.live:
        given = [
            "--" + dest.replace("_", "-")
            for dest, unset in _LIVE_ONLY.items()
            if getattr(args, dest) != unset
        ]
        if given:
            raise _Usage(f"{', '.join(given)} only apply with --live")
    if args.timeout <= 0:
        raise _Usage("--timeout must be positive")
    if args.paths:
        return list(args.paths)
    from wizard.cli.where import nearest_config

    found = nearest_config()
    if found is None:
        raise _Usage(
            "no config.yaml here or in a directory above (up to the repository root): "
            "pass a config file or a directory, e.g. registry-wizard doctor models/"
        )
    return [found]


def run(args: argparse.Namespace) -> int:
    from wizard.cli import output as out
    from wizard.doctor import DoctorUsageError, diagnose

    try:
        paths = _validate(args)
        result = diagnose(
            paths,
            truss_version=args.truss_version,
            keep_trees=bool(args.fix),  # only --fix reads the parsed trees again
            keep_data=bool(args.live),  # --live reads the data and where its keys are
            meanwhile=_load_live if args.live else None,
        )
    except (_Usage, DoctorUsageError) as e:
        out.error(str(e))
        return EXIT_USAGE
    if args.live:
        from wizard.doctor import run_live

        run_live(result, _live_options(args))
    _emit(result, args.format)
    for note in result.notes:
        out.info(f"note: {note}")
    if not result.files:
        out.info("no Truss configs found in " + ", ".join(str(p) for p in paths))
    if args.fix:
        return _fix(result, paths, args)
    return EXIT_ERROR if result.has_errors else EXIT_OK


def _load_live() -> None:
    from wizard.doctor.live import load

    load()


def _live_options(args: argparse.Namespace) -> Any:
    from wizard.cli.flags import facts_from
    from wizard.doctor import LiveOptions

    return LiveOptions(
        timeout=args.timeout,
        use_docker_config=args.docker_config is not None,
        docker_config=Path(args.docker_config) if args.docker_config else None,
        key_file=args.key_file,
        aws_profile=args.aws_profile,
        insecure=frozenset(args.insecure_registry),
        allowed_realms=frozenset(args.allow_realm),
        ca_bundle=args.ca_bundle,
        facts=facts_from(args),
        use_baseten=not args.no_baseten,
    )


def _emit(result: Any, fmt: str) -> None:
    from wizard import doctor
    from wizard.cli.output import color_enabled, fit

    if fmt == "text":
        text = doctor.render_text(
            result, color=color_enabled(sys.stdout), prose=lambda line: fit(line, sys.stdout)
        )
        sys.stdout.write(text)
        return
    import json

    data = doctor.to_json(result) if fmt == "json" else doctor.to_sarif(result)
    from wizard.model.redact import printable_json

    print(printable_json(json.dumps(data, indent=2, ensure_ascii=False)))


_LIVE_RULES = {
    "pull-failed",
    "pull-unchecked",
    "cloud-setup",
    "cloud-unchecked",
    "baseten-secret-missing",
}


def _fix(result: Any, paths: Sequence[Path], args: argparse.Namespace) -> int:
    from wizard.cli import output as out
    from wizard.config.document import ConfigError
    from wizard.config.writer import check_writable, write_config
    from wizard.doctor import diagnose, plan_fixes

    plans, notes = plan_fixes(result)
    for note in notes:
        out.warn(note)
    if not args.dry_run:
        writable = []
        for plan in plans:
            try:
                check_writable(plan.doc)
                writable.append(plan)
            except ConfigError as e:
                notes.append(str(e))
                out.warn(f"not fixed: {e}")
        plans = writable
    if not plans:
        if notes:  # fixes were certain, but could not be made: that is not success
            out.error("no file was fixed (see above)")
            return EXIT_ERROR
        out.info("nothing that --fix can change with certainty.")
        return EXIT_ERROR if result.has_errors else EXIT_OK
    for plan in plans:
        out.print_diff(plan.diff)
    count = sum(len(p.fixed) for p in plans)
    files = f"{len(plans)} file{'s' if len(plans) != 1 else ''}"
    if args.dry_run:
        out.info(f"dry run: {count} fixes in {files}; nothing was written.")
        return EXIT_ERROR if result.has_errors else EXIT_OK
    if not args.yes:
        if not (sys.stdin.isatty() and sys.stdout.isatty()):
            out.error("not interactive: pass --yes to write these fixes, or --dry-run to preview")
            return EXIT_USAGE
        if not out.ask_yes(f"Apply {count} fixes to {files}? [y/N] "):
            out.info("No changes were made.")
            return EXIT_USAGE
    written = []
    for plan in plans:
        try:
            write_config(plan.doc, plan.new_text)
            written.append(plan)
        except ConfigError as e:
            out.error(str(e))
    renamed = {
        (str(p.report.path), d.edit.key)
        for p in written
        for d in p.fixed
        if d.edit and d.edit.kind == "rename-secret"
    }
    out.info(f"fixed {sum(len(p.fixed) for p in written)} findings in {len(written)} files.")
    after = diagnose(paths, truss_version=args.truss_version)
    remaining = sum(d.severity.value == "error" for f in after.files for d in f.findings)
    # Live errors cannot be re-checked here without another round trip: keep those the
    # fixes did not touch (a renamed secret gets its lookup again next run).
    remaining += sum(
        d.severity.value == "error"
        and d.rule in _LIVE_RULES
        and (str(f.path), d.path) not in renamed
        for f in result.files
        for d in f.findings
    )
    if remaining:
        errors = f"{remaining} error" + (" remains" if remaining == 1 else "s remain")
        out.info(f"{errors}: run doctor again.")
    return EXIT_ERROR if remaining or len(written) < len(plans) else EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    """`python -m wizard.cli.doctor [args]`: doctor on its own, as the CLI runs it."""
    parser = argparse.ArgumentParser(prog="registry-wizard")
    sub = parser.add_subparsers(dest="command")
    add_parser(sub)
    args = parser.parse_args(["doctor", *(sys.argv[1:] if argv is None else argv)])
    try:
        return int(args.handler(args))
    except KeyboardInterrupt:
        print("\nNo changes were made.", file=sys.stderr)
        return EXIT_USAGE
    except BrokenPipeError:
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
