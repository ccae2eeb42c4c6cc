"""Secrets piped in on stdin (never taken from argv), and the usage error for a bad pipe
or a bad flag combination, shared by `check`, `secret` and `setup`."""

from __future__ import annotations

import sys


def read_stdin_secret(what: str, *, strip_newline: bool) -> object:
    from wizard.model.secret import Secret

    data = sys.stdin.read()
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
