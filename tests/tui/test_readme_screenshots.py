"""The README's screenshots are the current SVG snapshots, so they cannot go stale: a
change to a step updates its snapshot (--snapshot-update) and then this copy."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SNAPSHOTS = Path(__file__).parent / "__snapshots__" / "test_snapshots"
README_SHOTS = {
    "registry.svg": "test_registry[100x32].svg",
    "cloud-setup.svg": "test_cloud_setup.svg",
    "credentials.svg": "test_credentials_with_inline_validation.svg",
    "live-check.svg": "test_live_check[ok].svg",
    "review.svg": "test_review[100x32].svg",
    "done.svg": "test_done.svg",
}


@pytest.mark.parametrize("shot", sorted(README_SHOTS))
def test_readme_screenshot_is_the_current_snapshot(shot: str) -> None:
    shown = ROOT / "assets" / "screenshots" / shot
    source = SNAPSHOTS / README_SHOTS[shot]
    assert f"](assets/screenshots/{shot})" in (ROOT / "README.md").read_text()
    assert shown.read_bytes() == source.read_bytes(), (
        f"the README shows an old screen: cp '{source.relative_to(ROOT)}' {shown.relative_to(ROOT)}"
    )
