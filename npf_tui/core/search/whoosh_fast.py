"""Whoosh writes our index with less Python per posting, to the same bytes.

Whoosh 2.7 is pure Python, and much of an index build is its overhead per posting. One writer over 2.2 MB of the
benchmark corpus under cProfile (13.3 s): `FieldWriter.add_postings` 6.9 s cumulative, of which `doc_field_length`
1.9 s (each posting's field length read back through the lengths column) and `W3PostingsWriter.add_posting` 1.2 s;
`Positions.word_values` 2.9 s (a pickle per posting); `PostingPool.add` 0.8 s (asserts and a size estimate, one
call per posting). Each is replaced here by code doing the same work per term or per field:

- `FieldWriter.add_postings` (W3 codec): the sorted postings grouped by term (itertools.groupby); each field's
  lengths column read once into an array; each term's blocks and term info made as W3PostingsWriter and
  W3TermInfo make them, written once per term (`_write_term`);
- `Positions.word_values`/`encode`: plain dicts; a single position pickled once (the value itself must still be
  a new object: see _ONE_POSITION);
- `SegmentWriter.add_document`: a field of Positions analysed straight into pool items, added to the pool at once
  when they fit under its `limitmb` (PostingPool.add's size estimates; item by item, the same runs, otherwise).

The segment files are byte-identical to Whoosh's own: tests/test_whoosh_fast.py builds the bundled corpus and a
sample of the benchmark corpus both ways (pool runs on disk and merged segments included) and compares the
segments of the procs=2 writer with Whoosh's single writer over the same documents. (A segment's directory also
records its files' modification times, which differ between any two builds, Whoosh's own too.)

Measured: CPU seconds (time.process_time) of adding every 5th file of benchmarks/work/corpus-20mb (541 files,
21,859 passages, 4.2 MB of text) to one `ix.writer(limitmb=256)` and committing; Whoosh's own functions and these
alternately in one process, 4 rounds (ABBA) after a warm-up build (`python /tmp/ab_inproc.py 5 4`). The 2 cores
were shared (load average 3.6-5), hence median (min):
    add_document   4.85 (3.84) s  ->  3.59 (3.13) s
    commit         7.16 (5.59) s  ->  5.55 (4.52) s
    total         12.13 (9.43) s  ->  9.15 (7.65) s   (-25 % median, -19 % min)
What a commit still spends is mostly C, per term: zlib.compress of each block ~15 us (0.65 s of a 2.1 MB commit),
pickling it ~10 us (0.45 s: protocol 2 pickles each bytes value through _codecs.encode), sorting the pool
0.5-0.7 s, the terms file's OrderedHashWriter.add 0.2-0.4 s. Keeping the pool grouped by term instead of sorting
it saved the sort and the regrouping (0.7 s at 2.1 MB) but cost as much more while adding (0.6 s): not done.

Installed when npf_tui.core.search.index is imported, before any writer exists: the sub-writers of
`ix.writer(procs=2)` are forked processes and inherit the patched classes. Only for the Whoosh version whose
internals these functions copy (2.7.5), and only over Whoosh's own functions: anything else is left alone.
"""

from __future__ import annotations

import zlib
from array import array
from collections.abc import Callable
from itertools import chain, groupby, islice
from operator import itemgetter
from pickle import dumps
from typing import Any

import whoosh
from whoosh import fields, formats, writing
from whoosh.analysis import entoken
from whoosh.codec import base, whoosh3
from whoosh.system import emptybytes, pack_int, pack_long, pack_uint, pack_ushort
from whoosh.util.numeric import byte_to_length, length_to_byte
from whoosh.util.text import utf8encode

#: The Whoosh versions whose internals the replacements copy (and whose output they were checked against).
SUPPORTED_VERSIONS = {(2, 7, 5)}

#: (owner, attribute name, replacement) of every patch; the originals are kept to check and to restore.
_PATCHES: list[tuple[type, str, Callable[..., Any]]] = []
_ORIGINALS: dict[tuple[type, str], Callable[..., Any]] = {}

#: A stored length byte -> the length Whoosh reads back (`doc_field_length`): 0 means none (None, as Whoosh returns).
_LENGTHS: list[int | None] = [None] + [byte_to_length(b) for b in range(1, 256)]

#: The pickled part of a one-position posting's value, by position (bounded: positions count words in a paragraph).
#: Only that part is kept: each value must be a new bytes object, as Whoosh's are, because the pickle of a block
#: refers back to a bytes object it has already written (memo) instead of writing it again, so values shared
#: between postings would make the block smaller, not byte-identical.
_ONE_POSITION: dict[int, bytes] = {}
_ONE_POSITION_MAX = 1 << 16
_COUNT_ONE = pack_uint(1)

#: PostingPool.add's estimate of an item's memory, less the lengths of its strings (28 + 4 * 5 + 21 + 26 + 18 + 16
#: + 21): the pool writes a sorted run to disk when its items' estimates pass `limitmb`.
_POOL_ITEM_BASE = 150

_by_term = itemgetter(0, 1)
# Whoosh internals, looked up without failing: another Whoosh lacking them is left alone (_internals_present).
_FIELDTYPE_INDEX = getattr(fields.FieldType, "index", None)
_BLOCK_MAGIC = getattr(whoosh3, "WHOOSH3_HEADER_MAGIC", None)
_TERMINFO_STRUCT: Any = getattr(getattr(whoosh3, "W3TermInfo", None), "_struct", None)


def _positions_encode(self, poslist) -> bytes:
    """Positions.encode: the count, then the pickled deltas; a single position's pickle is made once."""
    if len(poslist) == 1:
        pos = poslist[0]
        if type(pos) is int:  # 1, 1.0 and True are one dict key but pickle differently
            tail = _ONE_POSITION.get(pos)
            if tail is None:
                tail = dumps([pos], 2)
                if 0 <= pos < _ONE_POSITION_MAX:
                    _ONE_POSITION[pos] = tail
            return _COUNT_ONE + tail  # a new object (see _ONE_POSITION)
    deltas = [pos - base for pos, base in zip(poslist, chain((0,), poslist), strict=False)]
    return pack_uint(len(deltas)) + dumps(deltas, 2)


def _grouped(tokens) -> tuple[dict[str, list], dict[str, float]]:
    """Each term's positions and summed boost, in the order terms first occur (Positions.word_values' grouping)."""
    poses: dict[str, list] = {}
    weights: dict[str, float] = {}
    for t in tokens:
        if t.stopped:
            continue
        text = t.text
        found = poses.get(text)
        if found is None:
            poses[text] = [t.pos]
            weights[text] = 0.0 + t.boost  # as Whoosh's defaultdict(float): an int boost becomes a float
        else:
            found.append(t.pos)
            weights[text] += t.boost
    return poses, weights


def _positions_word_values(self, value, analyzer, **kwargs):
    """Positions.word_values with plain dicts, and the fast encoding unless a subclass encodes its own way."""
    fb = self.field_boost
    kwargs["positions"] = True
    kwargs["boosts"] = True
    gen = entoken(value, **kwargs) if isinstance(value, (tuple, list)) else analyzer(value, **kwargs)
    poses, weights = _grouped(gen)
    encode = self.encode
    for w, poslist in poses.items():
        yield (w, len(poslist), weights[w] * fb, encode(poslist))


def _positions_postings(field, value, fieldname: str, docnum: int, fieldboost: float) -> tuple[list, int, int]:
    """The pool items add_document makes of a field of Positions (FieldType.index over Positions.word_values), with
    the sum of their frequencies (the field's length) and of PostingPool.add's size estimates, in one pass: no
    generator between the analyzer and the pool (two resumptions and a call per posting)."""
    if not isinstance(value, (str, list, tuple)):
        raise ValueError(f"{value!r} is not unicode or sequence")
    if isinstance(value, (tuple, list)):
        gen = entoken(value, mode="index", positions=True, boosts=True)
    else:
        gen = field.analyzer(value, mode="index", positions=True, boosts=True)
    poses, weights = _grouped(gen)
    fb = field.format.field_boost
    one = _ONE_POSITION
    count_one = _COUNT_ONE
    items = []
    length = 0
    size = 0
    fixed = _POOL_ITEM_BASE + len(fieldname)
    for w, poslist in poses.items():
        n = len(poslist)
        tail = one.get(poslist[0]) if n == 1 and type(poslist[0]) is int else None
        vbytes = _positions_encode(None, poslist) if tail is None else count_one + tail
        tbytes = utf8encode(w)[0]
        items.append((fieldname, tbytes, docnum, weights[w] * fb * fieldboost, vbytes))
        length += n
        size += fixed + len(tbytes) * 2 + len(vbytes)
    return items, length, size


def _pool_add_all(pool, fieldname: str, posted: list) -> None:
    """PostingPool.add of each item (fieldname, tbytes, docnum, weight, vbytes), inline."""
    fixed = _POOL_ITEM_BASE + len(fieldname)
    size = pool.currentsize
    limit = pool.limit
    append = pool.current.append
    if posted:
        pool.fieldnames.add(fieldname)
    for item in posted:
        size += fixed + len(item[1]) * 2 + len(item[4] or "")
        if size > limit:
            pool.currentsize = size
            pool.save()  # sorts and writes a run, empties the pool: a new list, size 0
            size = pool.currentsize
            append = pool.current.append
        append(item)
    pool.currentsize = size


def _pool_add_items(pool, fieldname: str, docnum: int, fieldboost: float, scorable: bool, items) -> int:
    """add_document's loop over `field.index(value)`, PostingPool.add inline; the field's length."""
    fixed = _POOL_ITEM_BASE + len(fieldname)
    size = pool.currentsize
    limit = pool.limit
    append = pool.current.append
    length = 0
    try:
        for tbytes, freq, weight, vbytes in items:
            weight *= fieldboost
            if scorable:
                length += freq
            pool.fieldnames.add(fieldname)
            size += fixed + len(tbytes) * 2 + len(vbytes or "")
            if size > limit:
                pool.currentsize = size
                pool.save()
                size = pool.currentsize
                append = pool.current.append
            append((fieldname, tbytes, docnum, weight, vbytes))
    finally:
        pool.currentsize = size
    return length


def _add_document(self, **fields_):
    """SegmentWriter.add_document, adding the postings to the pool inline (PostingPool.add without the call, its
    per-posting asserts and fieldnames.add; the same size estimates, the same runs), those of a field of Positions
    all at once (see _positions_postings). A field that is analysed twice for a separate spelling field (none of
    ours) leaves the document to Whoosh's own add_document.

    One difference, on failure only: an analyzer raising in the middle of a field leaves none of the field's
    postings in the pool, where Whoosh leaves those it had added (then cancels the document, not its postings)."""
    pool = self.pool
    if type(pool) is not writing.PostingPool:
        return _ORIGINALS[writing.SegmentWriter, "add_document"](self, **fields_)
    self._check_state()
    perdocwriter = self.perdocwriter
    schema = self.schema
    docnum = self.docnum

    docboost = self._doc_boost(fields_)
    fieldnames = sorted([name for name in fields_ if not name.startswith("_")])
    self._check_fields(schema, fieldnames)
    if any(schema[name].separate_spelling() for name in fieldnames):  # Whoosh's own way (none of our fields)
        return _ORIGINALS[writing.SegmentWriter, "add_document"](self, **fields_)

    perdocwriter.start_doc(docnum)
    try:
        for fieldname in fieldnames:
            value = fields_.get(fieldname)
            if value is None:
                continue
            field = schema[fieldname]

            length = 0
            if field.indexed:
                fieldboost = self._field_boost(fields_, fieldname, docboost)
                scorable = field.scorable
                if (
                    type(field.format) is formats.Positions
                    and type(field).index is _FIELDTYPE_INDEX
                    and formats.Positions.word_values is _positions_word_values
                ):
                    posted, freqs, total = _positions_postings(field, value, fieldname, docnum, fieldboost)
                    if scorable:
                        length = freqs
                    if posted and pool.currentsize + total <= pool.limit:  # no run to write in between
                        pool.fieldnames.add(fieldname)
                        pool.currentsize += total
                        pool.current.extend(posted)
                    else:
                        _pool_add_all(pool, fieldname, posted)
                else:
                    length = _pool_add_items(pool, fieldname, docnum, fieldboost, scorable, field.index(value))

            vformat = field.vector
            if vformat:
                analyzer = field.analyzer
                vitems = vformat.word_values(value, analyzer, mode="index")
                vitems = sorted((text, weight, vbytes) for text, _, weight, vbytes in vitems)
                perdocwriter.add_vector_items(fieldname, field, vitems)

            customval = fields_.get(f"_stored_{fieldname}", value)
            sv = customval if field.stored else None
            perdocwriter.add_field(fieldname, field, sv, length)

            column = field.column_type
            if column and customval is not None:
                cv = field.to_column_value(customval)
                perdocwriter.add_column_value(fieldname, column, cv)
    except Exception as ex:
        perdocwriter.cancel_doc()
        raise ex

    perdocwriter.finish_doc()
    self._added = True
    self.docnum += 1


def _field_lengths(lengths, fieldname: str):
    """The length byte of every document in the field (array), as doc_field_length reads them one at a time; None
    when the segment has no lengths for it (doc_field_length's default, 0, for every document)."""
    reader = lengths._cached_reader(whoosh3._lenfield(fieldname), whoosh3.LENGTHS_COLUMN)
    return None if reader is None else reader.load()


def _write_term(self, comp: int, fixedsize, btext: bytes, blocks) -> None:
    """One term's postings as W3PostingsWriter writes them (add_posting, _write_block, finish_postings) and its
    W3TermInfo: `blocks` gives the (docnums, weights, values, lengths) of one block at a time (_term_blocks); each is
    written as soon as it is made (its stats pickled, its ids as deltas, weights and values pickled and compressed),
    the last one's length negative; then the term's key and info in the terms file. Only the Python around the
    pickling is less: no calls per posting. A block at a time, as Whoosh does: gathering a whole term first held the
    postings of the commonest words at once (+92 MB at the peak of the 100 MB build)."""
    postfile = self._postfile
    startoffset = postfile.tell()
    postfile.write(_BLOCK_MAGIC)
    # W3TermInfo's defaults (whoosh.reading.TermInfo): weight 0, df 0, minlength None, maxlength 0, ...
    tweight: Any = 0
    df = 0
    tminlength = None
    tmaxlength = 0
    tmaxweight: Any = 0
    minid = None
    maxid = 0
    block = next(blocks)
    while block is not None:
        docnums, ws, values, lens = block
        following = next(blocks, None)
        ids = array("I", docnums)
        warr = array("f", ws)
        # add_posting's running block stats: the max weight (from 0), min and max of the non-zero lengths
        maxweight = max(ws)
        if not maxweight > 0:
            maxweight = 0
        real = [length for length in lens if length]
        minlength = min(real) if real else None
        maxlength = max(real) if real else 0
        # W3TermInfo.add_block
        tweight += sum(warr)
        df += len(ids)
        tminlength = minlength if tminlength is None else min(tminlength, minlength)
        tmaxlength = max(tmaxlength, maxlength)
        tmaxweight = max(tmaxweight, maxweight)
        if minid is None:
            minid = ids[0]
        maxid = ids[-1]
        # _mini_ids, _mini_weights, _mini_values
        mini_ids = tuple([i - b for i, b in zip(ids, chain((0,), ids), strict=False)])
        if all(w == 1.0 for w in warr):
            mini_weights: Any = None
        elif all(w == warr[0] for w in warr):
            mini_weights = warr[0]
        else:
            mini_weights = tuple(warr)
        vals = [v for v in values if v]
        if fixedsize is None or fixedsize < 0:
            mini_values: Any = tuple(vals)
        elif fixedsize == 0:
            mini_values = None
        else:
            mini_values = emptybytes.join(vals)
        databytes = dumps((mini_ids, mini_weights, mini_values), 2)
        if comp:
            databytes = zlib.compress(databytes, comp)
        infobytes = dumps((len(ids), ids[-1], maxweight, comp, length_to_byte(minlength), length_to_byte(maxlength)), 2)
        blocklength = len(infobytes) + len(databytes)
        if following is None:  # the last block
            blocklength = -blocklength
        postfile.write(emptybytes.join((pack_int(blocklength), infobytes, databytes)))
        block = following
    # W3TermInfo.to_bytes, not inlined (finish_postings inlines nothing with the codec's inlinelimit of 1)
    info = _TERMINFO_STRUCT.pack(
        False,
        tweight,
        df,
        0 if tminlength is None else length_to_byte(tminlength),
        length_to_byte(tmaxlength),
        tmaxweight,
        0xFFFFFFFF if minid is None else minid,
        0xFFFFFFFF if maxid is None else maxid,
    )
    info += pack_long(startoffset) + pack_int(postfile.tell() - startoffset)
    self._tindex.add(pack_ushort(self._fieldid) + btext, info)


def _term_blocks(postings, blocklimit: int, lengths, fieldname: str, lbytes):
    """(docnums, weights, values, field lengths) of each run of `blocklimit` postings of one term (pool items
    (fieldname, btext, docnum, weight, value) in docnum order), spelling words (docnum -1) left out."""
    lentable = _LENGTHS
    postings = (item for item in postings if item[2] != -1)
    while True:
        chunk = list(islice(postings, blocklimit))
        if not chunk:
            return
        _, _, docnums, weights, values = zip(*chunk, strict=True)
        if not lengths:
            lens: Any = (0,) * len(docnums)
        elif lbytes is not None and docnums[-1] < len(lbytes) and docnums[0] >= 0:  # docnums ascend in a term
            lens = [lentable[lbytes[d]] for d in docnums]
        else:
            lens = [lengths.doc_field_length(d, fieldname) for d in docnums]
        yield docnums, weights, values, lens


def _add_postings(self, schema, lengths, items) -> None:
    """FieldWriter.add_postings for Whoosh's own W3 codec: the sorted postings grouped by term, each term written
    a block at a time (see _write_term) with field lengths from one array per field; any other writer, codec or
    lengths reader goes through Whoosh's own loop."""
    if (
        type(self) is not whoosh3.W3FieldWriter
        or type(self._codec) is not whoosh3.W3Codec
        or self._codec._inlinelimit > 1  # Whoosh would inline short posting lists (and fail: set_inline)
        or (lengths and type(lengths) is not whoosh3.W3PerDocReader)
    ):
        return _ORIGINALS[base.FieldWriter, "add_postings"](self, schema, lengths, items)

    codec = self._codec
    blocklimit = codec._blocklimit
    comp = codec._compression
    fixedsize = None
    lastfn = None
    lasttext = None
    lbytes = None
    for (fieldname, btext), group in groupby(items, _by_term):
        if lastfn is not None and fieldname < lastfn:
            raise base.OutOfOrderError(f"Field {lastfn!r} .. {fieldname!r}")
        if fieldname == lastfn and lasttext and btext < lasttext:
            raise base.OutOfOrderError(f"Term {lastfn}:{lasttext!r} .. {fieldname}:{btext!r}")
        if fieldname != lastfn:
            if lastfn is not None:
                self.finish_field()
            self.start_field(fieldname, schema[fieldname])
            fixedsize = self._format.fixed_value_size()
            lastfn = fieldname
            lasttext = None
            lbytes = _field_lengths(lengths, fieldname) if lengths else None

        blocks = _term_blocks(group, blocklimit, lengths, fieldname, lbytes)
        first = next(blocks, None)
        if first is None:
            continue  # only spelling words: no postings, no term
        _write_term(self, comp, fixedsize, btext, chain((first,), blocks))
        lasttext = btext

    if lastfn is not None:
        self.finish_field()


def _targets() -> list[tuple[type, str, Callable[..., Any]]]:
    """What install() replaces."""
    return [
        (formats.Positions, "encode", _positions_encode),
        (formats.Positions, "word_values", _positions_word_values),
        (writing.SegmentWriter, "add_document", _add_document),
        (base.FieldWriter, "add_postings", _add_postings),
    ]


def _expected(owner: type, name: str) -> bool:
    """Whether owner.name is still Whoosh's own function (defined there, in Whoosh's module, not replaced)."""
    fn = owner.__dict__.get(name)
    return (
        fn is not None
        and getattr(fn, "__module__", None) == owner.__module__
        and getattr(fn, "__qualname__", None) == f"{owner.__name__}.{name}"
    )


def _internals_present() -> bool:
    """The Whoosh internals the replacements use exist as they do in 2.7.5 (the version check comes first; this
    catches a patched or partly different Whoosh)."""
    try:
        codec = whoosh3.W3Codec()
        return (
            all(hasattr(codec, a) for a in ("_blocklimit", "_compression", "_inlinelimit"))
            and all(hasattr(whoosh3.W3FieldWriter, a) for a in ("start_field", "finish_field"))
            and hasattr(whoosh3.W3PerDocReader, "_cached_reader")
            and callable(whoosh3._lenfield)
            and whoosh3.LENGTHS_COLUMN is not None
            and all(hasattr(writing.PostingPool, a) for a in ("add", "save", "items"))
            and getattr(_FIELDTYPE_INDEX, "__module__", None) == "whoosh.fields"
            and _BLOCK_MAGIC == b"W3Bl"
            and getattr(_TERMINFO_STRUCT, "format", None) == "!BfIBBfII"
        )
    except (AttributeError, TypeError):
        return False


def installed() -> bool:
    """Whether the replacements are in place."""
    return bool(_PATCHES)


def install() -> None:
    """Replace Whoosh's hot writing functions by the ones above (idempotent). Leaves Whoosh alone unless it is a
    supported version whose functions are still its own."""
    if _PATCHES:
        return
    if tuple(getattr(whoosh, "__version__", ())) not in SUPPORTED_VERSIONS or not _internals_present():
        return
    targets = _targets()
    if not all(_expected(owner, name) for owner, name, _ in targets):
        return
    for owner, name, replacement in targets:
        _ORIGINALS[owner, name] = owner.__dict__[name]
        setattr(owner, name, replacement)
        _PATCHES.append((owner, name, replacement))


def uninstall() -> None:
    """Put Whoosh's own functions back (for the tests that compare both)."""
    while _PATCHES:
        owner, name, replacement = _PATCHES.pop()
        if owner.__dict__.get(name) is replacement:
            setattr(owner, name, _ORIGINALS[owner, name])
    _ORIGINALS.clear()
