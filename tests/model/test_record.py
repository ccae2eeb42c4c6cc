"""`record` against `dataclasses.dataclass`: the same class body, the same behaviour."""

from __future__ import annotations

import copy
import dataclasses
import pickle
from typing import Any

import pytest

from wizard.model import record as rec

BODY = """
@make
class Item:
    \"\"\"An item.\"\"\"

    name: str
    count: int = 0
    tags: list[str] = field(default_factory=list)
    note: str = field(default="", repr=False, compare=False)

    def label(self) -> str:
        return f"{self.name} x{self.count}"
"""


def _pair(frozen: bool) -> tuple[type, type]:
    """One class body (the same text), made by each."""
    made = []
    for make, field in [
        (rec.record(frozen=frozen), rec.field),
        (dataclasses.dataclass(frozen=frozen), dataclasses.field),
    ]:
        scope: dict[str, Any] = {"make": make, "field": field}
        exec(BODY, scope)
        made.append(scope["Item"])
    return made[0], made[1]


@pytest.mark.parametrize("frozen", [False, True])
def test_init_repr_eq_as_dataclass(frozen: bool) -> None:
    mine, theirs = _pair(frozen)
    for args, kwargs in [(("a",), {}), (("a", 2), {}), (("a",), {"tags": ["x"], "note": "n"})]:
        m, t = mine(*args, **kwargs), theirs(*args, **kwargs)
        assert repr(m) == repr(t)
        assert (m.name, m.count, m.tags, m.note) == (t.name, t.count, t.tags, t.note)
        assert m.label() == t.label()
    assert mine("a", 1) == mine("a", 1, note="other")  # note is not compared
    assert mine("a", 1) != mine("a", 2)
    assert mine("a") != theirs("a")  # another class: not equal, as between dataclasses
    assert mine.__match_args__ == theirs.__match_args__
    assert mine("a").tags is not mine("a").tags  # a fresh list each time
    with pytest.raises(TypeError):
        mine()
    with pytest.raises(TypeError):
        mine("a", nope=1)


def test_frozen_refuses_changes_and_hashes_by_the_compared_fields() -> None:
    mine, theirs = _pair(frozen=True)
    m, t = mine("a", 1), theirs("a", 1)
    with pytest.raises(rec.FrozenInstanceError, match="cannot assign to field 'count'"):
        m.count = 2
    with pytest.raises(dataclasses.FrozenInstanceError, match="cannot assign to field 'count'"):
        t.count = 2
    with pytest.raises(AttributeError):
        del m.name
    a, b = mine("a", 1, ("x",)), mine("a", 1, ("x",), "another note")
    assert hash(a) == hash(b) == hash(theirs("a", 1, ("x",))) and len({a, b}) == 1


def test_mutable_records_are_unhashable_and_assignable() -> None:
    mine, _ = _pair(frozen=False)
    m = mine("a")
    m.count = 5
    assert m.count == 5
    with pytest.raises(TypeError):
        hash(m)


def test_replace_copy_and_pickle() -> None:
    m = Point(1, 2)
    assert rec.replace(m, y=5) == Point(1, 5) and m == Point(1, 2)
    with pytest.raises(TypeError):
        rec.replace(m, z=1)
    assert copy.copy(m) == m and copy.deepcopy(m) == m
    assert pickle.loads(pickle.dumps(m)) == m
    assert [f.name for f in rec.fields(Point)] == ["x", "y"]


@rec.record(frozen=True)
class Point:
    """A point (module level, for pickle)."""

    x: int
    y: int


def test_the_class_body_keeps_its_own_methods_and_post_init_runs() -> None:
    @rec.record
    class Counted:
        """Counts itself."""

        n: int
        seen: list[int] = rec.field(default_factory=list)

        def __post_init__(self) -> None:
            self.seen.append(self.n)

        def __repr__(self) -> str:
            return "mine"

    c = Counted(3)
    assert c.seen == [3] and repr(c) == "mine"


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ("a: int = 1\n    b: int", "non-default argument 'b' follows default argument"),
        ("a: list = []", "mutable default list for field a"),
        ("_rec_x: int", "may not be named _rec_x"),
        ("a: ClassVar[int] = 1", "ClassVar"),
        ("a: InitVar[int]", "InitVar"),
        ("self: int", "may not be named self"),
        ("a = field(default=1)", "has no type annotation"),
    ],
)
def test_class_bodies_a_record_cannot_make_are_refused(body: str, error: str) -> None:
    scope: dict[str, Any] = {"rec": rec, "field": rec.field}
    source = f"@rec.record\nclass Bad:\n    {body}\n"
    with pytest.raises((TypeError, ValueError), match=error):
        exec(source, scope)


def test_a_record_with_no_fields() -> None:
    @rec.record(frozen=True)
    class Empty:
        """Nothing."""

    assert Empty() == Empty() and repr(Empty()).endswith("Empty()") and hash(Empty()) == hash(())
