"""Registry Wizard: private base images for Truss, set up and verified."""

from __future__ import annotations

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (on the --help path)
if TYPE_CHECKING:
    from pathlib import Path

__version__ = "0.1.0"

# The house, lowest layer first: each package imports only from the layers before it
# (packages in one layer not from each other). tests/test_layering.py holds every
# package under wizard/ to this order.
LAYERS: tuple[tuple[str, ...], ...] = (
    ("model",),  # pure domain: images, the catalog, THE RULEBOOK, findings, policies
    ("config",),  # config.yaml: read, plan, splice, edit, write, diff
    ("verify",),  # live checks: registry v2, AWS/GCP/IAM inspection, GitHub, Baseten
    ("guide",),  # the cloud-side guides and provisioning
    ("doctor", "flow"),  # diagnose/fix/live/output; questions/state/steps/finish
    ("ui",),  # the front ends: console (plain lines), plain prompts, the Textual TUI
    ("cli",),  # one module per command, flags, output
)


def assets_dir() -> Path:
    """Bundled assets (guides, the sample project): inside the wheel, or the
    repository's assets/ in a checkout."""
    from pathlib import Path

    package = Path(__file__).resolve().parent
    for candidate in (package / "_assets", package.parent / "assets"):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError("the bundled assets are missing from this installation")
