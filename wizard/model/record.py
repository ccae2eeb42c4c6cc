"""`record`: the package's data classes, as `dataclasses.dataclass` makes them, for less.

Python 3.10-3.12's `dataclass` compiles each generated method on its own (six `exec`s
for a frozen class, 0.66 ms here) and its module imports `inspect` (6 ms): ~20 ms of one
`check` process, and as much of `setup --dry-run`. A record compiles only its `__init__`
(`==`, `hash` and `repr` are closures over `attrgetter`), from the same class body:

    @record(frozen=True)
    class ImageRef:
        registry: str
        tag: str | None = None
        labels: list[str] = field(default_factory=list)

What it makes: `__init__` (fields in order, defaults, `default_factory`, then
`__post_init__` if the class has one), `__repr__`, `__eq__` (same class, same fields),
`__match_args__`; frozen: `__setattr__`/`__delattr__` that raise `FrozenInstanceError`
and `__hash__`; not frozen: unhashable. A method the class body defines is kept. Not
supported, as nothing here uses it, and refused where a class body could ask for it:
inheritance between records, `ClassVar` and `InitVar` fields, a field named `self`;
also ordering, `kw_only`, `slots`, `dataclasses.is_dataclass` (False for a record).
`replace` and `fields` work as dataclasses' do.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from operator import attrgetter
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
    # The class's own annotations, as strings under `from __future__ import annotations`
    # (every module here); without it Python 3.14 keeps them behind __annotate__, which
    # the attribute evaluates. Not inspect.get_annotations: no `inspect` (6 ms).
    own = cls.__dict__.get("__annotations__")  # noqa: RUF063
    if own is None:  # Python 3.14, no __future__ import: evaluated now
        own = getattr(cls, "__annotations__", {})
    for name, value in cls.__dict__.items():
        if isinstance(value, Field) and name not in own:
            raise TypeError(f"{cls.__qualname__}.{name} is a field but has no type annotation")
    for name, annotation in own.items():
        if str(annotation).startswith(("ClassVar", "typing.ClassVar", "InitVar", "dataclasses.")):
            raise TypeError(f"{cls.__qualname__}.{name}: {annotation} is not supported in a record")
        if name.startswith(_PREFIX) or name == "self":
            raise TypeError(f"{cls.__qualname__}: a field may not be named {name}")
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
    compared = _key([n for n in names if found[n].compare])
    made: dict[str, Any] = {
        "__init__": _init(cls, found, frozen),
        "__repr__": _repr([n for n in names if found[n].repr]),
        "__eq__": _eq(compared),
    }
    own = cls.__dict__
    explicit_hash = "__hash__" in own and not (own["__hash__"] is None and "__eq__" in own)
    if frozen:
        made |= {"__setattr__": _frozen_setattr, "__delattr__": _frozen_delattr}
        if not explicit_hash:
            made["__hash__"] = _hash(compared)
    elif not explicit_hash:
        cls.__hash__ = None  # type: ignore[assignment] - mutable and compared: unhashable
    for name, method in made.items():
        if name not in own or name == "__hash__":
            if name in ("__init__", "__repr__", "__eq__", "__hash__"):  # made for this class
                method.__qualname__ = f"{cls.__qualname__}.{name}"
                method.__module__ = cls.__module__
            setattr(cls, name, method)
    cls.__record_fields__ = found  # type: ignore[attr-defined]
    cls.__match_args__ = tuple(names)  # type: ignore[attr-defined]
    return cls


def _init(cls: type, found: dict[str, Field], frozen: bool) -> Callable[..., None]:
    """`__init__`, the one generated from text: a real signature, and as fast as
    dataclass's (records are made in hot loops, e.g. a finding per config line)."""
    scope: dict[str, Any] = {f"{_PREFIX}missing": MISSING, f"{_PREFIX}set": object.__setattr__}
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
    params = "".join(f", {name}" for name in found)
    source = "\n".join([f"def __init__(self{params}):", *(body or ["  pass"])])
    exec(source, scope)  # our own text, made of the class's field names
    init: Callable[..., None] = scope["__init__"]
    init.__defaults__ = tuple(defaults) or None
    return init


def _key(names: list[str]) -> Callable[[Any], tuple[Any, ...]]:
    """The compared fields' values as a tuple (attrgetter: no generated code)."""
    if not names:
        return lambda obj: ()
    get = attrgetter(*names)
    if len(names) == 1:
        return lambda obj: (get(obj),)
    return get


def _eq(key: Callable[[Any], tuple[Any, ...]]) -> Callable[[Any, Any], Any]:
    def __eq__(self: Any, other: Any) -> Any:
        if other.__class__ is self.__class__:
            return key(self) == key(other)
        return NotImplemented

    return __eq__


def _hash(key: Callable[[Any], tuple[Any, ...]]) -> Callable[[Any], int]:
    def __hash__(self: Any) -> int:
        return hash(key(self))

    return __hash__


def _repr(shown: list[str]) -> Callable[[Any], str]:
    def __repr__(self: Any) -> str:
        values = ", ".join(f"{n}={getattr(self, n)!r}" for n in shown)
        return f"{self.__class__.__qualname__}({values})"

    return __repr__


def _frozen_setattr(self: Any, name: str, value: Any) -> None:
    raise FrozenInstanceError(f"cannot assign to field {name!r}")


def _frozen_delattr(self: Any, name: str) -> None:
    raise FrozenInstanceError(f"cannot delete field {name!r}")
