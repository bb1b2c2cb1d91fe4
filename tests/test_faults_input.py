"""Hostile input: arbitrary Unicode through the analyzers, the normaliser, the query path and the corpus format;
documents with huge paragraphs, huge paragraph counts and NUL bytes (issue 7)."""

from __future__ import annotations

import contextlib
import resource
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from npf_tui.core.errors import CorpusError, QuerySyntaxError
from npf_tui.core.models import META_KEYS, Document
from npf_tui.core.sources.corpus import (
    MAX_PARAGRAPH_CHARS,
    MAX_PARAGRAPHS,
    load_document,
    parse_document,
    render_document,
    split_paragraphs,
    write_document,
)
from npf_tui.core.text.analysis import BigramTokenizer, PlainTokenizer, WordTokenizer
from npf_tui.core.text.controls import make_safe
from npf_tui.core.text.textnorm import normalize

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"

#: Every code point class that has hurt text tools: controls, lone surrogates, private use, unassigned, emoji,
#: right-to-left scripts and marks, combining marks, full-width forms, CJK (BMP and astral).
ANY_CHAR = st.characters(blacklist_categories=())
NASTY = st.sampled_from(
    list(
        "\x00\x01\x07\x08\x0b\x0c\x1b\x1c\x1d\x1e\x1f\x7f\x85\u2028\u2029\ufeff\ufffd\ufffe\u200b\u200d\u200e\u200f"
        "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u0301\u0308\u0336\u20dd\ud800\udc00\udfff"
        "\u05d0\u05d1\u0627\u0644\u0639\u3000\uff08\uff09\uff02\u201c\u201d新質生產力\U0001f600\U0001f468\u200d"
        "\U0001f469\U00020000\U0002a700İıßﬁ\u00a0\t\r\n "
    )
    + [
        '"',
        "(",
        ")",
        "*",
        "?",
        ":",
        "-",
        "+",
        "[",
        "]",
        "{",
        "}",
        "^",
        "~",
        "<",
        ">",
        "!",
        "\\",
        "/",
        "'",
        "`",
        "AND",
        "OR",
        "NOT",
        "TO",
        "author:",
        "published:",
        "lang:",
        "doc:",
        "*:*",
        "[2024 TO",
        "}",
        "\u2026",
    ]
)
HOSTILE_TEXT = st.one_of(
    st.text(ANY_CHAR, max_size=200),
    st.lists(NASTY, max_size=60).map("".join),
    st.lists(st.one_of(NASTY, st.text(ANY_CHAR, max_size=5)), max_size=40).map(" ".join),
)
TOKENIZERS = [WordTokenizer(), BigramTokenizer(), PlainTokenizer()]
#: Seconds one query may take, whatever it is.
QUERY_SECONDS = 2.0


# -- analyzers and the normaliser ------------------------------------------------------------------------------------
@settings(max_examples=150, deadline=None)
@given(HOSTILE_TEXT)
def test_normalize_keeps_length_and_never_raises(text):
    folded = normalize(text)
    assert len(folded) == len(text)
    assert normalize(folded) == folded or len(normalize(folded)) == len(text)


@given(st.text(alphabet=st.characters(max_codepoint=0x7F), max_size=80))
def test_ascii_text_folds_as_the_whole_table_folds_it(text):
    """normalize's ASCII fast path (a few str.replace and lower) gives what the table's translate gives."""
    from npf_tui.core.text.textnorm import fold_table

    assert normalize(text) == text.translate(fold_table()).lower()
    assert normalize(text + "é") == normalize(text) + "é"  # and the same text, no longer ASCII, takes the table


@settings(max_examples=150, deadline=None)
@given(HOSTILE_TEXT)
def test_tokenizers_never_raise_and_offsets_point_into_the_text(text):
    for tokenizer in TOKENIZERS:
        for token in tokenizer(text, positions=True, chars=True):
            assert 0 <= token.startchar < token.endchar <= len(text)
            assert token.text  # Whoosh would store an empty term
            token.text.encode("utf-8")  # terms are written to the index as UTF-8: no lone surrogates


# -- the query path ----------------------------------------------------------------------------------------------------
def _search_ok(library, query: str) -> None:
    """A query either answers or is refused with QuerySyntaxError, within the time bound."""
    started = time.perf_counter()
    try:
        result = library.search(query, limit=5)
        assert result.total >= 0
        for hit in result.hits:
            assert hit.text and all(0 <= s.start < s.end <= len(hit.text) for s in hit.spans)
    except QuerySyntaxError as exc:
        assert str(exc) and "\n" not in str(exc)
    elapsed = time.perf_counter() - started
    assert elapsed < QUERY_SECONDS, f"{query[:80]!r} took {elapsed:.2f}s"


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(HOSTILE_TEXT)
def test_search_takes_any_unicode(library, query):
    _search_ok(library, query)
    _search_ok(library, query)  # and again with expansion off
    with contextlib.suppress(QuerySyntaxError):
        library.search(query, exact=True)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.lists(
        st.sampled_from(
            [
                '"',
                "(",
                ")",
                "*",
                "?",
                ":",
                "-",
                "+",
                "[",
                "]",
                "{",
                "}",
                "^",
                "~",
                "<",
                ">",
                "!",
                "\\",
                "/",
                "AND",
                "OR",
                "NOT",
                "TO",
                "author:",
                "published:",
                "lang:",
                "doc:",
                "Xi",
                "新质",
                "生产力",
                "xinzhi",
                " ",
                "2024",
                "*:*",
                "=",
                "&&",
                "||",
                "'",
            ]
        ),
        max_size=40,
    ).map("".join)
)
def test_search_takes_any_mix_of_syntax_characters(library, query):
    _search_ok(library, query)


@pytest.mark.parametrize(
    "query",
    [
        "x" * 100_000,  # 100 kB
        "新" * 100_000,
        "(" * 1999,
        ")" * 1999,
        '"' * 1999,
        "*" * 1999,
        "-" * 1999,
        ":" * 1999,
        "a* " * 666,
        "新质生产力 " * 333,
        "xinzhishengchanli" * 117,
        "xian " * 399,
        "AND " * 499,
        "-a " * 666,
        "(a OR " * 333,
        '"Xi ' * 499,
        "author:" * 285,
        "published:[2024 TO 2025] " * 80,
        "\u0301" * 1999,
        "\U0001f600" * 1999,
        "\x00" * 1999,
        "a" * 1999,
        "\ud800" * 1999,
        "İ" * 1999,
        "新質生產力" * 399,
        "Liu Haiqing " * 166,
        "?" * 1999,
        "a?" * 999,
        "*a*" * 666,
        "<0",
        ">",
        "<= 2024",
        "published:>2024",
        ">" * 1999,  # Whoosh's GtLtPlugin raises IndexError on a leading '<'
    ],
)
def test_pathological_queries_are_bounded(library, query):
    _search_ok(library, query)


# -- the corpus format round-trips -------------------------------------------------------------------------------------
#: A paragraph as the corpus format stores it: text without lone surrogates (not UTF-8 encodable), and then in its
#: canonical form (what load_document gives back). See docs/guarantees.md.
PARA_TEXT = st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=300)


def canonical(paragraph: str) -> list[str]:
    """What the corpus format guarantees to give back for one paragraph."""
    return split_paragraphs(paragraph)


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.one_of(
            PARA_TEXT,
            st.lists(NASTY.filter(lambda c: c[0] not in "\ud800\udc00\udfff"), min_size=1, max_size=30).map("".join),
        ),
        max_size=8,
    ),
    st.dictionaries(
        st.sampled_from([*META_KEYS, "note", "tags"]),
        st.text(st.characters(blacklist_categories=("Cs",)), max_size=80),
        max_size=5,
    ),
)
def test_document_text_round_trips(paragraphs, meta):
    known = {k: v for k, v in meta.items() if k in META_KEYS}
    extra = {k: v for k, v in meta.items() if k not in META_KEYS}
    doc = Document(doc_id="d", paragraphs=paragraphs, extra=extra, **known)
    back = parse_document("d", render_document(doc))
    assert back.paragraphs == [piece for p in paragraphs for piece in canonical(p)]
    # metadata comes back stripped, with control characters made visible (core/text/controls.py)
    for key in META_KEYS:
        assert getattr(back, key) == make_safe(known.get(key, "").strip())
    assert back.extra == {k: make_safe(v.strip()) for k, v in extra.items()}
    # and the canonical form is a fixed point: writing it again changes nothing
    again = parse_document("d", render_document(back))
    assert again.paragraphs == back.paragraphs and again.meta() == back.meta()


@settings(max_examples=100, deadline=None)
@given(
    st.lists(
        st.text(
            st.characters(
                blacklist_categories=("Cs",), blacklist_characters="\r\n\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"
            ),
            min_size=1,
            max_size=200,
        )
        .map(str.strip)
        .filter(bool),
        min_size=1,
        max_size=6,
    )
)
def test_paragraphs_without_blank_line_structure_round_trip_unchanged(tmp_path_factory, paragraphs):
    folder = tmp_path_factory.mktemp("rt")
    path = write_document(folder, Document(doc_id="doc", title="T", paragraphs=paragraphs))
    assert load_document(path).paragraphs == [make_safe(p) for p in paragraphs]  # controls come back visible


@pytest.mark.parametrize(
    "paragraph",
    [
        "---",
        "--- not front matter",
        "---\ntitle: fake\n---",
        "...",
        "# heading",
        "\ufeffBOM inside",
        "> quote",
        "title: x",
        "\x00NUL\x00",
    ],
)
def test_body_that_looks_like_syntax_is_kept(tmp_path, paragraph):
    doc = Document(doc_id="doc", title="Real title", paragraphs=["first", paragraph, "last"])
    loaded = load_document(write_document(tmp_path, doc))
    assert loaded.title == "Real title"
    assert loaded.paragraphs == ["first", *split_paragraphs(paragraph), "last"]


def test_lone_surrogates_cannot_be_written_and_say_so(tmp_path):
    with pytest.raises(CorpusError, match="surrogate"):
        write_document(tmp_path, Document(doc_id="doc", title="T", paragraphs=["bad \ud800 text"]))
    assert not list(tmp_path.iterdir())


# -- documents that would exhaust memory or time -------------------------------------------------------------------
def test_long_paragraph_is_cut_at_sentence_ends():
    sentence = "新质生产力推动高质量发展，科技创新引领产业升级。"
    text = sentence * (1_000_000 // len(sentence))
    pieces = split_paragraphs(text)
    assert all(len(p) <= MAX_PARAGRAPH_CHARS for p in pieces)
    assert "".join(pieces) == text and all(p.endswith("。") for p in pieces)
    english = ("The economy grows with innovation. " * 40_000).strip()
    pieces = split_paragraphs(english)
    assert " ".join(pieces) == english and all(p.endswith(".") for p in pieces)
    blob = "x" * 1_000_000  # no sentence end, no space: cut hard
    assert [len(p) for p in split_paragraphs(blob)] == [MAX_PARAGRAPH_CHARS] * (1_000_000 // MAX_PARAGRAPH_CHARS)


def test_long_paragraph_is_searchable_in_bounded_time(tmp_path):
    from npf_tui.core.search.library import Library

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "long.md").write_text(
        "---\ntitle: Long\n---\n\n" + "新质生产力推动高质量发展科技创新" * 12_000 + " walrus\n", encoding="utf-8"
    )
    lib = Library.open(corpus, tmp_path / "idx")
    try:
        for query in ("质生产", "walrus", "xinzhi shengchanli"):
            started = time.perf_counter()
            result = lib.search(query)
            assert result.total >= 1 and time.perf_counter() - started < QUERY_SECONDS
            assert all(len(hit.text) <= MAX_PARAGRAPH_CHARS for hit in result.hits)
    finally:
        lib.close()


def test_too_many_paragraphs_is_rejected_without_building_them():
    body = "\n\n".join(["p."] * (MAX_PARAGRAPHS + 5))
    with pytest.raises(CorpusError, match="too many paragraphs"):
        parse_document("d", "---\ntitle: t\n---\n\n" + body)


def _run_limited(code: str, tmp_path: Path, memory_mb: int = 1500, timeout: int = 240):
    """Run Python code in a child whose address space is capped: exhausting memory fails the test, not the host."""

    def cap():
        limit = memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        timeout=timeout,
        preexec_fn=cap,
        cwd=tmp_path,
    )


@pytest.mark.slow
def test_hostile_documents_are_indexed_or_skipped_within_memory(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    head = "---\ntitle: {}\n---\n\n"
    (corpus / "long-zh.md").write_text(
        head.format("Long") + "新质生产力推动高质量发展科技创新引领产业升级" * 45_000 + "\n", encoding="utf-8"
    )
    (corpus / "long-en.md").write_text(head.format("Long en") + "quokka " * 150_000 + "\n", encoding="utf-8")
    (corpus / "tiny.md").write_text(
        head.format("Tiny") + "\n\n".join(f"p{i}" for i in range(MAX_PARAGRAPHS * 4)), encoding="utf-8"
    )
    (corpus / "nul.md").write_text(
        head.format("Nul\\0 title") + "before\x00after walrus\n\n\x00\x00\n", encoding="utf-8"
    )
    code = f"""
        import json, time, resource
        from npf_tui.core.search.library import Library
        started = time.time()
        lib = Library.open({str(corpus)!r}, {str(tmp_path / "idx")!r})
        out = {{"build": time.time() - started, "notices": lib.notices, "catalog": sorted(lib.catalog)}}
        for q in ["质生产", "quokka", "walrus", "p17"]:
            started = time.time()
            r = lib.search(q, limit=3)
            out[q] = [r.total, time.time() - started, max((len(h.text) for h in r.hits), default=0)]
        out["rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
        print(json.dumps(out))
    """
    proc = _run_limited(code, tmp_path)
    assert proc.returncode == 0, proc.stderr[-2000:]
    import json

    out = json.loads(proc.stdout)
    assert out["catalog"] == ["long-en", "long-zh", "nul"]  # the tiny-paragraph flood is refused …
    assert any("tiny.md" in n and "too many paragraphs" in n for n in out["notices"])  # … with a message
    for query in ("质生产", "quokka", "walrus"):
        total, seconds, longest = out[query]
        assert total >= 1 and seconds < QUERY_SECONDS and longest <= MAX_PARAGRAPH_CHARS
    assert out["build"] < 120 and out["rss_mb"] < 1200


def test_front_matter_keeps_line_break_characters(tmp_path):
    """LINE SEPARATOR and newlines inside metadata survive a write and a read (YAML folds them when raw); NEL, a C1
    control that some terminals act on, comes back visible (core/text/controls.py)."""
    from npf_tui.core.models import Document
    from npf_tui.core.sources.corpus import load_document, write_document

    doc = Document(doc_id="breaks", title="a\u2028b", author="0\x850", extra={"note": "x\ny"}, paragraphs=["text"])
    back = load_document(write_document(tmp_path, doc))
    assert (back.title, back.author, back.extra["note"]) == ("a\u2028b", "0<U+0085>0", "x\ny")
