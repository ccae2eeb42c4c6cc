"""Flags shared by several subcommands (argparse only: this is on the --help path)."""

from __future__ import annotations

import argparse
import math
import os

TYPE_CHECKING = False  # as typing's, without importing typing (--help path)
if TYPE_CHECKING:
    from typing import Any

    from wizard.verify.registry import Options


def add_fact_flags(p: argparse.ArgumentParser) -> None:
    from wizard.model.facts import FACTS

    group = p.add_argument_group(
        "Baseten and cloud facts (fetched with your Baseten API key when left out)"
    )
    for fid, fact in FACTS.items():
        group.add_argument(
            f"--{fid}", dest=f"fact_{fid.replace('-', '_')}", metavar="VALUE", help=fact.help
        )
    group.add_argument(
        "--no-baseten", action="store_true", help="do not ask Baseten's API for these"
    )


def facts_from(args: argparse.Namespace) -> dict[str, str]:
    from wizard.model.facts import FACTS

    return {fid: v for fid in FACTS if (v := getattr(args, f"fact_{fid.replace('-', '_')}", None))}


def add_field_flags(p: argparse.ArgumentParser) -> None:
    from wizard.model import catalog

    group = p.add_argument_group("method values")
    for f in catalog.all_fields().values():
        group.add_argument(
            f.flag,
            dest=f"field_{f.id.replace('-', '_')}",
            metavar="VALUE",
            help=f.help.replace("%", "%%"),
        )


def field_values(args: argparse.Namespace) -> dict[str, str]:
    from wizard.model import catalog

    return {
        fid: v
        for fid in catalog.all_fields()
        if (v := getattr(args, f"field_{fid.replace('-', '_')}", None)) is not None
    }


def add_transport_flags(
    p: argparse.ArgumentParser | argparse._ArgumentGroup, *, dest_prefix: str = ""
) -> None:
    """How live checks reach registries: plain http, private realms, CAs, time limits.
    `dest_prefix` keeps the top-level copies apart from a subcommand's own."""
    p.add_argument(
        "--insecure-registry",
        dest=f"{dest_prefix}insecure_registry",
        action="append",
        default=[],
        metavar="HOST:PORT",
        help="allow plain http for this registry (loopback hosts always may)",
    )
    p.add_argument(
        "--allow-realm",
        dest=f"{dest_prefix}allow_realm",
        action="append",
        default=[],
        metavar="HOST[:PORT]",
        help="trust a token realm on a private or loopback address",
    )
    p.add_argument(
        "--ca-bundle",
        dest=f"{dest_prefix}ca_bundle",
        type=_ca_bundle,
        metavar="PATH",
        help="trust the certificates in this file",
    )
    p.add_argument(
        "--timeout",
        dest=f"{dest_prefix}timeout",
        type=_seconds,
        default=10.0,
        metavar="SECONDS",
        help="give up on a check after this long (default 10)",
    )


def _seconds(text: str) -> float:
    """A time limit: a finite number above zero (argparse names the flag on error)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if not math.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError(f"must be a positive number of seconds, not {text!r}")
    return value


def _ca_bundle(text: str) -> str:
    """A readable file of PEM certificates, checked before any question is asked."""
    from pathlib import Path

    path = Path(text).expanduser()
    if not path.is_file():
        raise argparse.ArgumentTypeError(f"{text}: no such file")
    if not os.access(path, os.R_OK):
        raise argparse.ArgumentTypeError(f"{text}: not readable")
    import ssl

    try:
        ssl.create_default_context(cafile=str(path))
    except (ssl.SSLError, ValueError, OSError):
        raise argparse.ArgumentTypeError(f"{text}: no PEM certificates in it") from None
    return str(path)


def transport_from(args: argparse.Namespace, dest_prefix: str = "") -> Options:
    """The live-check options those flags give (argparse has validated them)."""
    from wizard.verify.registry import Options

    def get(name: str) -> Any:
        return getattr(args, dest_prefix + name)

    return Options(
        timeout=get("timeout"),
        insecure=frozenset(get("insecure_registry")),
        allowed_realms=frozenset(get("allow_realm")),
        ca_bundle=get("ca_bundle"),
    )
