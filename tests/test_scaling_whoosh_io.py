"""Whoosh reads the parts of a mapped segment in place (npf_tui.core.search.whoosh_io) with the same results as
through its own BytesIO copy."""

from __future__ import annotations

import io

from hypothesis import given
from hypothesis import strategies as st
from whoosh.filedb import structfile

from npf_tui.core.search import whoosh_io
from npf_tui.core.search.index import open_whoosh
from npf_tui.core.search.manifest import current_generation


@given(
    data=st.binary(max_size=300),
    steps=st.lists(st.tuples(st.sampled_from(["read", "seek", "seek_cur", "seek_end", "tell"]), st.integers(-5, 320))),
)
def test_memoryview_file_reads_like_bytesio(data, steps):
    ours, theirs = whoosh_io.MemoryViewFile(memoryview(data)), io.BytesIO(data)
    for op, n in steps:
        if op == "read":
            assert ours.read(n) == theirs.read(n)
        elif op == "seek" and n >= 0:
            assert ours.seek(n) == theirs.seek(n)
        elif op == "seek_cur" and theirs.tell() + n >= 0:
            assert ours.seek(n, io.SEEK_CUR) == theirs.seek(n, io.SEEK_CUR)
        elif op == "seek_end" and len(data) + n >= 0:
            assert ours.seek(n, io.SEEK_END) == theirs.seek(n, io.SEEK_END)
        assert ours.tell() == theirs.tell()
    assert ours.read() == theirs.read()


def _answers(gen):
    """Document frequencies, stored fields and the top hits of a few terms, read through Whoosh."""
    from whoosh import query as Q

    ix = open_whoosh(gen)
    with ix.searcher() as searcher:
        out = []
        for field, term in [("words", "product"), ("words", "新质"), ("cjk", "生产"), ("words", "xi")]:
            hits = searcher.search(Q.Term(field, term), limit=5)
            out.append((searcher.doc_frequency(field, term), [(h.score, dict(h)) for h in hits]))
        out.append([searcher.stored_fields(n) for n in range(min(20, searcher.doc_count()))])
    return out


def test_searches_read_in_place_equal_whoosh_own_copy(built_copy, monkeypatch):
    _, index = built_copy
    gen = current_generation(index)
    assert gen is not None
    in_place = _answers(gen)
    assert any(df for df, _ in in_place[:-1]) and in_place[-1]

    def bytesio_init(self, buf, name=None, onclose=None):  # Whoosh 2.7's own BufferFile.__init__
        self._buf, self._name, self.file, self.onclose = buf, name, io.BytesIO(buf), onclose
        self.is_real, self.is_closed = False, False

    monkeypatch.setattr(structfile.BufferFile, "__init__", bytesio_init)
    assert _answers(gen) == in_place
