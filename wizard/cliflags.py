"""Flags shared by several subcommands (argparse only: this is on the --help path)."""

from __future__ import annotations

import argparse

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


def add_transport_flags(p: argparse.ArgumentParser | argparse._ArgumentGroup) -> None:
    """How live checks reach registries: plain http, private realms, CAs, time limits."""
    p.add_argument(
        "--insecure-registry",
        action="append",
        default=[],
        metavar="HOST:PORT",
        help="allow plain http for this registry (loopback hosts always may)",
    )
    p.add_argument(
        "--allow-realm",
        action="append",
        default=[],
        metavar="HOST[:PORT]",
        help="trust a token realm on a private or loopback address",
    )
    p.add_argument("--ca-bundle", metavar="PATH", help="trust the certificates in this file")
    p.add_argument(
        "--timeout",
        type=float,
        default=10.0,
        metavar="SECONDS",
        help="give up on a check after this long (default 10)",
    )
