"""WWW-Authenticate as servers send it, hostile ones included."""

from __future__ import annotations

from wizard.verify.http import parse_challenge, parse_challenges


def test_a_scheme_named_inside_a_quoted_value_is_no_challenge() -> None:
    found = parse_challenges(
        'Negotiate, Basic realm="a, Bearer b", Bearer realm="https://x/t",service="s"'
    )
    assert [c.scheme for c in found] == ["negotiate", "basic", "bearer"]
    assert found[1].params == {"realm": "a, Bearer b"}
    chosen = parse_challenge('Basic realm="x, Bearer realm=evil"')
    assert chosen is not None and chosen.scheme == "basic"


def test_a_challenge_of_thousands_of_words_is_read_whole() -> None:
    """A 64 KB header (the most the client reads) of 32,000 bare words: each is a scheme
    to skip; counting the quotes before each from the header's start made this quadratic
    (0.4 s of CPU a header, outside any deadline)."""
    header = 'Basic realm="a,b"' + ",a" * 32_000
    found = parse_challenges(header)
    assert len(found) == 32_001 and found[0].params == {"realm": "a,b"}
