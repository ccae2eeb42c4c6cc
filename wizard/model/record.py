"""`record`: the package's data classes, as `dataclasses.dataclass` makes them, for less.

Python 3.10-3.12's `dataclass` compiles each generated method on its own (six `exec`s
for a frozen class, 0.66 ms here) and its module imports `inspect` (6 ms): ~15 ms of a
25-ms share of one `check` process, and as much of `setup --dry-run`. A record class is
generated in one `exec`, from the same class body:

    @record(frozen=True)
    class ImageRef:
        registry: str
        tag: str | None = None
        labels: list[str] = field(default_factory=list)

What it makes: `__init__` (fields in order, defaults, `default_factory`, then
`__post_init__` if the class has one), `__repr__`, `__eq__` (same class, same fields),
`__match_args__`; frozen: `__setattr__`/`__delattr__` that raise `FrozenInstanceError`
and `__hash__`; not frozen: unhashable. A method the class body defines is kept. Not
supported, as nothing here uses it: inheritance between records, `ClassVar` fields,
ordering, `kw_only`, `slots`. `replace` and `fields` work as dataclasses' do.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any, TypeVar

if sys.version_info >= (3, 11):
    from typing import dataclass_transform
else:  # pragma: no cover - Python 3.10: type checkers take it from typing_extensions

    def dataclass_transform(**_: Any) -> Callable[[Any], Any]:
        return lambda f: f


T = TypeVar("T")
_PREFIX = "_rec_"  # the generated code's own names; no field may start with it


class _Missing:
    def __repr__(self) -> str:
        return "MISSING"


MISSING: Any = _Missing()


class FrozenInstanceError(AttributeError):
    """Assigning to (or deleting) a field of a frozen record."""


class Field:
    """One field's options, as `field(...)` gives them."""

    __slots__ = ("compare", "default", "default_factory", "name", "repr")

    def __init__(
        self,
        default: Any = MISSING,
        default_factory: Any = MISSING,
        repr: bool = True,  # the dataclasses spelling
        compare: bool = True,
    ) -> None:
        self.name = ""
        self.default = default
        self.default_factory = default_factory
        self.repr = repr
        self.compare = compare


def field(
    *,
    default: Any = MISSING,
    default_factory: Callable[[], Any] | Any = MISSING,
    repr: bool = True,
    compare: bool = True,
) -> Any:
    """A field's default (`default`, or a fresh `default_factory()` per instance) and
    whether `repr` shows it and `==`/`hash` compare it."""
    if default is not MISSING and default_factory is not MISSING:
        raise ValueError("cannot specify both default and default_factory")
    return Field(default, default_factory, repr, compare)


@dataclass_transform(field_specifiers=(field,))
def record(cls: type[T] | None = None, /, *, frozen: bool = False) -> Any:
    """Make `cls` a record (see the module's docstring); `@record` or `@record(frozen=True)`."""

    def wrap(cls: type[T]) -> type[T]:
        return _build(cls, frozen)

    return wrap if cls is None else wrap(cls)


def fields(obj: Any) -> tuple[Field, ...]:
    """A record's (or a record class's) fields, in order."""
    try:
        return tuple(obj.__record_fields__.values())
    except AttributeError:
        raise TypeError(f"{obj!r} is not a record") from None


def replace(obj: T, /, **changes: Any) -> T:
    """A copy of the record `obj` with `changes` (field name → value)."""
    for f in fields(obj):
        if f.name not in changes:
            changes[f.name] = getattr(obj, f.name)
    return obj.__class__(**changes)


def _fields_of(cls: type) -> dict[str, Field]:
    out: dict[str, Field] = {}
    own = cls.__dict__.get("__annotations__", {})  # noqa: RUF063 - no `inspect` (6 ms)
    for name, annotation in own.items():
        if str(annotation).startswith(("ClassVar", "typing.ClassVar")):
            raise TypeError(f"{cls.__qualname__}.{name}: ClassVar is not supported in a record")
        if name.startswith(_PREFIX):
            raise TypeError(f"{cls.__qualname__}.{name}: field names may not start {_PREFIX}")
        value = cls.__dict__.get(name, MISSING)
        f = value if isinstance(value, Field) else Field(default=value)
        f.name = name
        if f.default is not MISSING and type(f.default).__hash__ is None:
            raise ValueError(
                f"mutable default {type(f.default).__name__} for field {name} is not "
                "allowed: use default_factory"
            )
        if isinstance(value, Field):  # the class keeps a plain default, as dataclass does
            if f.default is MISSING:
                delattr(cls, name)
            else:
                setattr(cls, name, f.default)
        out[name] = f
    return out


def _build(cls: type[T], frozen: bool) -> type[T]:
    if any(hasattr(b, "__record_fields__") for b in cls.__mro__[1:]):
        raise TypeError(f"{cls.__qualname__}: a record cannot inherit from a record")
    found = _fields_of(cls)
    names = list(found)
    scope: dict[str, Any] = {f"{_PREFIX}missing": MISSING, f"{_PREFIX}set": object.__setattr__}
    scope[f"{_PREFIX}frozen"] = FrozenInstanceError
    defaults: list[Any] = []
    body: list[str] = []
    for name, f in found.items():
        value = name
        if f.default_factory is not MISSING:
            scope[f"{_PREFIX}f_{name}"] = f.default_factory
            defaults.append(MISSING)
            value = f"{_PREFIX}f_{name}() if {name} is {_PREFIX}missing else {name}"
        elif f.default is not MISSING:
            defaults.append(f.default)
        elif defaults:
            raise TypeError(f"non-default argument {name!r} follows default argument")
        assign = f"{_PREFIX}set(self, {name!r}, {value})" if frozen else f"self.{name} = {value}"
        body.append("  " + assign)
    if hasattr(cls, "__post_init__"):
        body.append("  self.__post_init__()")
    shown = ", ".join(f"{n}={{self.{n}!r}}" for n in names if found[n].repr)
    compared = [n for n in names if found[n].compare]

    def as_tuple(who: str) -> str:
        return "(" + "".join(f"{who}.{n}," for n in compared) + ")"

    source = [
        f"def __init__(self, {', '.join(names)}):" if names else "def __init__(self):",
        *(body or ["  pass"]),
        "def __repr__(self):",
        f"  return f'{{self.__class__.__qualname__}}({shown})'",
        "def __eq__(self, other):",
        "  if other.__class__ is self.__class__:",
        f"    return {as_tuple('self')} == {as_tuple('other')}",
        "  return NotImplemented",
        "def __setattr__(self, name, value):",
        f"  raise {_PREFIX}frozen(f'cannot assign to field {{name!r}}')",
        "def __delattr__(self, name):",
        f"  raise {_PREFIX}frozen(f'cannot delete field {{name!r}}')",
        "def __hash__(self):",
        f"  return hash({as_tuple('self')})",
    ]
    exec("\n".join(source), scope)  # our own text, made of the class's field names
    scope["__init__"].__defaults__ = tuple(defaults) or None
    made = ["__init__", "__repr__", "__eq__"]
    own = cls.__dict__
    explicit_hash = "__hash__" in own and not (own["__hash__"] is None and "__eq__" in own)
    if frozen:
        made += ["__setattr__", "__delattr__"] + ([] if explicit_hash else ["__hash__"])
    elif not explicit_hash:
        cls.__hash__ = None  # type: ignore[assignment] - mutable and compared: unhashable
    for name in made:
        if name not in own or (name == "__hash__" and not explicit_hash):
            method = scope[name]
            method.__qualname__ = f"{cls.__qualname__}.{name}"
            method.__module__ = cls.__module__
            setattr(cls, name, method)
    cls.__record_fields__ = found  # type: ignore[attr-defined]
    cls.__match_args__ = tuple(names)  # type: ignore[attr-defined]
    return cls
