"""`rules.READS` is every top-level key the rulebook reads: doctor builds only those
values of each config, so a rule that read another key would silently see nothing."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
import yaml

from wizard.doctor.diagnosis import UNREAD, _load
from wizard.model import rules

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT.parent / "shared" / "corpus" / "truss-examples"
# The shared corpus of real configs when it is beside the checkout; the repository's own
# configs (hostile shapes, fixtures) always.
REAL = sorted(CORPUS.glob("*.yaml"))
CONFIGS = sorted(
    [
        *REAL,
        *(ROOT / "tests" / "hostile" / "configs").glob("*.yaml"),
        *(ROOT / "tests" / "config" / "fixtures").glob("*.yaml"),
    ]
)


class Recording(Mapping[str, Any]):
    def __init__(self, data: dict[str, Any]) -> None:
        self.data, self.read = data, set()

    def __getitem__(self, key: str) -> Any:
        self.read.add(key)
        return self.data[key]

    def __contains__(self, key: object) -> bool:
        self.read.add(key)
        return key in self.data

    def get(self, key: str, default: Any = None) -> Any:
        self.read.add(key)
        return self.data.get(key, default)

    def __iter__(self) -> Iterator[str]:
        self.read.add("*every key*")
        return iter(self.data)

    def __len__(self) -> int:
        return len(self.data)


def _plain(path: Path) -> Any:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError, ValueError, RecursionError):
        return None


@pytest.mark.skipif(not CONFIGS, reason="no corpus")
def test_the_rulebook_reads_no_key_outside_reads() -> None:
    read: set[object] = set()
    checked = 0
    for path in CONFIGS:
        data = _plain(path)
        if not isinstance(data, dict):
            continue
        rec = Recording(data)
        rules.check(rec)
        rules.advise(rec)
        rules.auth_method_of(rec)
        rules.image_ref(rec)
        read |= rec.read
        checked += 1
    assert checked > (100 if REAL else 15)
    assert read <= rules.READS, read - rules.READS


@pytest.mark.skipif(not CONFIGS, reason="no corpus")
def test_doctor_sees_what_a_full_load_sees_for_every_rule() -> None:
    """The selective reader gives the rulebook the same findings as a full load."""
    for path in CONFIGS:
        full = _plain(path)
        if not isinstance(full, dict):
            continue
        _, partial = _load(path.read_text(encoding="utf-8"))
        assert set(partial) == set(full), path
        assert all(partial[k] is UNREAD for k in partial if k not in rules.READS)
        for fn in (rules.check, rules.advise):
            assert [f.message for f in fn(partial)] == [f.message for f in fn(full)], path
