"""Flags shared by several subcommands (argparse only: this is on the --help path)."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from wizard.verify.registry import Options

_FACT_HELP = {
    "org-id": "your Baseten organization ID (`truss whoami --show-oidc`)",
    "team-id": "your Baseten team ID (`truss whoami --show-oidc`)",
    "baseten-role-arn": "Baseten's AWS role ARN (`truss whoami --show-aws-assume-role`)",
    "external-id": "your organization's sts:ExternalId (`truss whoami --show-aws-assume-role`)",
    "project-number": "the GCP project NUMBER (gcloud projects describe PROJECT)",
}


def add_fact_flags(p: argparse.ArgumentParser) -> None:
    group = p.add_argument_group(
        "Baseten and cloud facts (fetched with your Baseten API key when left out)"
    )
    for fid, text in _FACT_HELP.items():
        group.add_argument(
            f"--{fid}", dest=f"fact_{fid.replace('-', '_')}", metavar="VALUE", help=text
        )
    group.add_argument(
        "--no-baseten", action="store_true", help="do not ask Baseten's API for these"
    )


def facts_from(args: argparse.Namespace) -> dict[str, str]:
    return {
        fid: v for fid in _FACT_HELP if (v := getattr(args, f"fact_{fid.replace('-', '_')}", None))
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
        metavar="PATH",
        help="trust the certificates in this file",
    )
    p.add_argument(
        "--timeout",
        dest=f"{dest_prefix}timeout",
        type=float,
        default=10.0,
        metavar="SECONDS",
        help="give up on a check after this long (default 10)",
    )


def transport_from(args: argparse.Namespace, dest_prefix: str = "") -> Options:
    """The live-check options those flags give. Raises ValueError on a bad --timeout."""
    from wizard.verify.registry import Options

    def get(name: str) -> Any:
        return getattr(args, dest_prefix + name)

    if get("timeout") <= 0:
        raise ValueError("--timeout must be positive")
    return Options(
        timeout=get("timeout"),
        insecure=frozenset(get("insecure_registry")),
        allowed_realms=frozenset(get("allow_realm")),
        ca_bundle=get("ca_bundle"),
    )
