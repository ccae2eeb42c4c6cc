"""Registry Wizard: private base images for Truss, set up and verified."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pathlib import Path

__version__ = "0.1.0"


def assets_dir() -> Path:
    """Bundled assets (guides, the sample project): inside the wheel, or the
    repository's assets/ in a checkout."""
    from pathlib import Path

    package = Path(__file__).resolve().parent
    for candidate in (package / "_assets", package.parent / "assets"):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError("the bundled assets are missing from this installation")
