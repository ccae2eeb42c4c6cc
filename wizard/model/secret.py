"""A secret value that cannot leak by accident.

`repr`, `str` and `format` are masked, so a Secret that ends up in a log line,
a traceback's locals or an f-string shows `********`. The real value is only
reachable through `reveal()`, which makes every use greppable.
"""

from __future__ import annotations

MASK = "********"


class Secret:
    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        if not isinstance(value, str):
            raise TypeError("Secret wraps a str")
        self._value = value

    def reveal(self) -> str:
        return self._value

    def masked(self) -> str:
        """A hint of which value this is, without exposing it (`ghp_…a1b2`)."""
        v = self._value
        if len(v) < 16:
            return MASK
        return f"{v[:4]}…{v[-4:]}"

    def __repr__(self) -> str:
        return f"Secret({MASK!r})"

    def __str__(self) -> str:
        return MASK

    def __format__(self, spec: str) -> str:
        return MASK

    def __bool__(self) -> bool:
        return bool(self._value)

    def __len__(self) -> int:
        return len(self._value)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(("Secret", self._value))

    def __reduce__(self) -> tuple[object, ...]:
        raise TypeError("a Secret is not pickled: it would leave the process unmasked")
