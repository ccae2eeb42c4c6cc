"""Shared fixtures: the truss conformance venv, the CI rule that a missing real
component fails instead of skipping, and a guard that keeps tests on loopback."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TRUSS_VERSION = "0.18.36"


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() == "true"


def unavailable(reason: str) -> None:
    """Skip locally; in CI a missing real component is a failure, never a skip."""
    if in_ci():
        pytest.fail(f"CI=true and {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def truss_python() -> Path:
    """A Python with truss==0.18.36, in its own venv: truss pins rich<14, textual needs >=14.2.

    Reuses $TRUSS_VENV or .cache/truss-venv, creating it on first use.
    """
    venv = Path(os.environ.get("TRUSS_VENV", ROOT / ".cache" / "truss-venv"))
    python = venv / "bin" / "python"
    probe = [str(python), "-c", f"import truss; assert truss.__version__ == '{TRUSS_VERSION}'"]
    if python.exists() and subprocess.run(probe, capture_output=True).returncode == 0:
        return python
    try:
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, capture_output=True)
        subprocess.run(
            [str(python), "-m", "pip", "install", "-q", f"truss=={TRUSS_VERSION}"],
            check=True,
            capture_output=True,
            timeout=900,
        )
    except (subprocess.SubprocessError, OSError) as e:
        unavailable(f"cannot create the truss {TRUSS_VERSION} venv at {venv}: {e}")
    return python


@pytest.fixture
def loopback_only(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Any name resolution other than 127.0.0.1/localhost fails the test (for tests of
    clients whose real endpoints are on the internet: Baseten, Google)."""
    attempts: list[str] = []
    real = socket.getaddrinfo

    def guarded(host, *args, **kwargs):  # type: ignore[no-untyped-def]
        if host not in ("127.0.0.1", "localhost", b"127.0.0.1", b"localhost"):
            attempts.append(str(host))
            raise OSError(f"test refused to resolve {host!r}")
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", guarded)
    yield attempts
    assert not attempts, f"tried to reach {attempts}"
