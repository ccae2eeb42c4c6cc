"""Secrets piped in on stdin (never taken from argv), and the usage error for a bad pipe
or a bad flag combination, shared by `check`, `secret` and `setup`."""

from __future__ import annotations

import sys

# A registry token is under 2 KB, a JSON key about 2.5 KB, an ECR token about 3 KB.
MAX_STDIN = 64 * 1024


def read_stdin_secret(what: str, *, strip_newline: bool) -> object:
    from wizard.model.secret import Secret

    data = sys.stdin.read(MAX_STDIN + 1)
    if len(data) > MAX_STDIN:
        raise UsageError(
            f"{what}: stdin holds over {MAX_STDIN // 1024} KB; a token or key is a few KB: "
            "pipe the value alone"
        )
    if strip_newline:  # as `docker login --password-stdin` does
        data = data.rstrip("\r\n")
    if not data:
        raise UsageError(
            f"{what}: stdin was empty; pipe the value in, e.g. "
            "printf '%s' \"$TOKEN\" | registry-wizard check ..."
        )
    return Secret(data)


class UsageError(Exception):
    pass
