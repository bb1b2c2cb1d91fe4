"""Posting blocks read without their values give the ids and weights Whoosh reads (postings.py)."""

from __future__ import annotations

import pickle
import struct
from array import array

from hypothesis import given
from hypothesis import strategies as st
from whoosh.codec.whoosh3 import W3LeafMatcher
from whoosh.matching.wrappers import FilterMatcher

from npf_tui.core.search import postings
from npf_tui.core.search.postings import _ids_and_weights, blocks


def _leaf_matchers(reader, fieldname, btext):
    """The W3LeafMatcher of a term in every segment holding it."""
    for leaf in reader.leaf_readers():
        leaf_reader = leaf[0] if isinstance(leaf, tuple) else leaf
        if (fieldname, btext) not in leaf_reader:
            continue
        matcher = leaf_reader.postings(fieldname, btext)
        yield matcher.child if isinstance(matcher, FilterMatcher) else matcher


def _whoosh_blocks(matcher):
    """(ids, weights) of every block, read by Whoosh itself."""
    out = []
    while matcher.is_active():
        matcher._read_ids()
        matcher._read_weights()
        out.append((tuple(matcher._ids), list(matcher._weights)))
        matcher._next_block()
    return out


def test_every_block_of_the_bundled_index_reads_as_whoosh_reads_it(library, monkeypatch):
    """Every term of every field: the same ids and weights, and the values were not unpickled (the fast path
    served every block that has values)."""
    whole = []
    real = W3LeafMatcher._read_data
    monkeypatch.setattr(W3LeafMatcher, "_read_data", lambda self: whole.append(1) or real(self))
    reader = library._searcher.reader()
    checked = fast_blocks = 0
    for fieldname in ("words", "cjk", "doc_id"):
        for btext in reader.lexicon(fieldname):
            for theirs, ours in zip(
                (_whoosh_blocks(m) for m in _leaf_matchers(reader, fieldname, btext)),
                (
                    [(ids, list(w)) for ids, w, _ in blocks(m, positions=False)]
                    for m in _leaf_matchers(reader, fieldname, btext)
                ),
                strict=True,
            ):
                assert ours == theirs, (fieldname, btext)
                checked += len(ours)
                if fieldname != "doc_id":
                    fast_blocks += len(ours)
    assert checked > 1_000
    # Whoosh read every block whole once (its own reading above); ours added only the doc_id blocks (no values).
    assert len(whole) == checked + (checked - fast_blocks)


def _block(ids, weights, values) -> bytes:
    """A block's pickle as the whoosh3 writer makes it (ids as deltas)."""
    deltas = tuple(b - a for a, b in zip((0, *ids), ids, strict=False))
    return pickle.dumps((deltas, weights, values), 2)


@given(
    st.lists(st.integers(min_value=1, max_value=70_000), min_size=1, max_size=130).map(lambda xs: sorted(set(xs))),
    st.one_of(st.none(), st.floats(min_value=0.5, max_value=500, allow_nan=False), st.just("tuple")),
    st.booleans(),
    st.data(),
)
def test_ids_and_weights_of_any_block_layout(ids, weights, fixed, data):
    """Any count (a values tuple of up to three has no MARK), weights None, one float or one per posting, values
    one per posting or packed into one byte string (fixed-size formats)."""
    if weights == "tuple":
        weights = tuple(float(data.draw(st.integers(min_value=1, max_value=40))) for _ in ids)
    if fixed:
        values = b"".join(struct.pack("!I", n) for n in ids)
    else:
        # never empty: a Positions value starts with its 4-byte count (an empty bytes pickles otherwise)
        values = tuple(data.draw(st.binary(min_size=1, max_size=24)) for _ in ids)
    deltas = tuple(b - a for a, b in zip((0, *ids), ids, strict=False))
    assert _ids_and_weights(_block(ids, weights, values), len(ids)) == (deltas, weights)


def test_a_float_ending_in_the_mark_byte_is_not_taken_for_a_mark():
    """0x28 is also the MARK opcode: a block whose single weight ends in that byte and whose values have no MARK
    (three or fewer) is still read right."""
    weight = struct.unpack(">d", b"\x40\x08\x00\x00\x00\x00\x00\x28")[0]
    data = _block((3, 9), weight, (b"ab", b"cd"))
    assert data[data.find(b"c_codecs") - 1] == 0x28
    assert _ids_and_weights(data, 2) == ((3, 6), weight)


def test_blocks_laid_out_otherwise_are_read_whole():
    """No values to skip (a fixed size of 0), or the wrong count: None, and the caller reads the block whole."""
    assert _ids_and_weights(_block((1, 2, 3), None, None), 3) is None
    assert _ids_and_weights(_block((1, 2, 3), None, (b"a", b"b", b"c")), 4) is None
    assert _ids_and_weights(b"garbage c_codecs\nencode\n", 1) is None
    # an empty first value (which Whoosh never writes) is pickled another way: read right, or left to Whoosh
    assert _ids_and_weights(_block((1,), None, (b"",)), 1) in (None, ((1,), None))
    assert _ids_and_weights(_block((1, 2, 3, 4), None, (b"", b"a", b"b", b"c")), 4) in (None, ((1, 1, 1, 1), None))


def test_weights_are_de_minified_as_whoosh_does():
    assert postings._weights(None, 3) == array("f", [1.0, 1.0, 1.0])
    assert postings._weights(2.0, 2) == array("f", [2.0, 2.0])
    assert postings._weights((1.0, 3.0), 2) == (1.0, 3.0)
