"""Reading Whoosh's posting blocks (the whoosh3 codec, Whoosh 2.7) for the block ranker: the same ids, weights and
positions Whoosh reads, with less work per posting.

A block is a pickle (protocol 2) of (ids as deltas, weights, values). Each value — a posting's encoded positions —
is a `bytes`, which protocol 2 writes as a call of `_codecs.encode(str, 'latin1')`: unpickling a block of 128
postings makes 128 such calls, ~75 % of reading it (~115 µs of ~140 µs at 100 MB, with zlib ~23 µs). Scoring a term
needs only ids and weights, so `blocks(positions=False)` unpickles the pickle up to the values and no further.
"""

from __future__ import annotations

import bisect
import pickle
import zlib
from array import array
from collections.abc import Iterator
from itertools import accumulate

from whoosh.system import _INT_SIZE

#: Where a block's values start in its pickle: the first GLOBAL of `_codecs.encode` (ids are BININT*, weights None,
#: BINFLOAT or a tuple of them, so no byte of the ids or weights parts can spell it: its 16 bytes hold none of the
#: opcodes K, M, J, G, N, t, q, (, that would have to appear between two arguments).
_VALUES_GLOBAL = b"c_codecs\nencode\n"
_MARK = 0x28  # the MARK opcode "(" opening the values tuple when it holds more than three


def blocks(matcher, wanted: list[int] | None = None, positions: bool = True) -> Iterator[tuple]:
    """(ids, weights, values) of each posting block of a W3LeafMatcher, read as Whoosh reads them (values is None
    unless `positions`); with `wanted` (sorted local ids), only the blocks whose id range holds one of them (a
    block's last id is in its header: skipping a block reads no data)."""
    previous_max = -1
    while matcher.is_active():
        if wanted is not None:
            at = bisect.bisect_right(wanted, previous_max)
            previous_max = matcher._maxid
            if at == len(wanted):
                return  # no wanted id lies beyond the blocks read
            if wanted[at] > previous_max:
                matcher._next_block()
                continue
        if positions:
            ids = read_ids(matcher)
            matcher._read_weights()
            yield ids, matcher._weights, matcher._data[2]
        else:
            ids, weights = read_ids_weights(matcher)
            yield ids, weights, None
        matcher._next_block()


def read_ids(matcher) -> tuple[int, ...]:
    """The ids of the current block, as W3LeafMatcher._read_ids gives them (and kept where it keeps them), with the
    deltas summed by itertools.accumulate: Whoosh sums them in a Python generator (2.8 against 5.4 µs a block)."""
    if matcher._data is None:
        matcher._read_data()
    ids = matcher._data[0]
    matcher._ids = ids if matcher._byteids else tuple(accumulate(ids))
    return matcher._ids


def read_ids_weights(matcher) -> tuple[tuple[int, ...], object]:
    """(ids, weights) of the current block, equal to what `read_ids` and W3LeafMatcher._read_weights give, without
    unpickling the values; any block laid out otherwise is read whole, as Whoosh reads it."""
    if matcher._data is None:
        data = matcher._postfile.get(matcher._dataoffset, matcher._nextoffset - matcher._dataoffset)
        if matcher._compression:
            data = zlib.decompress(data)
        head = _ids_and_weights(bytes(data), matcher._blocklength)
        if head is not None:
            ids, weights = head
            ids = ids if matcher._byteids else tuple(accumulate(ids))
            return ids, _weights(weights, matcher._blocklength)
    ids = read_ids(matcher)
    matcher._read_weights()
    return ids, matcher._weights


def _ids_and_weights(data: bytes, count: int) -> tuple[tuple, object] | None:
    """The first two items of a block's pickled (ids, weights, values), unpickled without the values; None when the
    pickle is not laid out so (no `_codecs.encode` values, or anything unexpected)."""
    cut = data.find(_VALUES_GLOBAL)
    if cut <= 0:
        return None
    head = data[:cut]
    # With more than three values the tuple opens with a MARK, closed here empty; a byte 0x28 can also end a float
    # of the weights (then there is no MARK to close, and the first reading fails).
    endings = (b"t\x87.", b"\x86.") if data[cut - 1] == _MARK else (b"\x86.",)
    for ending in endings:
        try:
            parts = pickle.loads(head + ending)
        except Exception:  # noqa: BLE001, S112 - not this layout: the next ending, or the whole block
            continue
        if not isinstance(parts, tuple) or len(parts) not in (2, 3):
            continue
        ids, weights = parts[0], parts[1]
        if isinstance(ids, tuple) and len(ids) == count and _weights_fit(weights, count):
            return ids, weights
    return None


def _weights_fit(weights, count: int) -> bool:
    """Whether a block's minified weights have a shape W3LeafMatcher._read_weights reads."""
    return weights is None or isinstance(weights, float) or (isinstance(weights, tuple) and len(weights) == count)


def _weights(weights, count: int):
    """A block's weights as W3LeafMatcher._read_weights de-minifies them."""
    if weights is None:
        return array("f", (1.0 for _ in range(count)))
    if isinstance(weights, float):
        return array("f", (weights for _ in range(count)))
    return weights


def block_values(matcher, values):
    """The per-posting encoded values of a block (fixed-size formats pack them into one byte string)."""
    size = matcher._fixedsize
    if size is None or size < 0:
        return values
    if size == 0:
        return (b"",) * len(matcher._ids)
    return [values[i : i + size] for i in range(0, len(values), size)]


def decode_positions(value: bytes) -> list[int]:
    """Whoosh's Positions.decode_positions (a count, then the pickled list of position deltas), summed in C: 2.5×
    faster, and a phrase decodes the positions of every passage holding all its words (10,000 for "regular
    expression" at 100 MB)."""
    if not value.endswith(b"."):
        value += b"."
    return list(accumulate(pickle.loads(value[_INT_SIZE:])))
