"""Entities on the bundled corpus: real names in both languages, merging, junk left out, spans, store, CLI."""

from __future__ import annotations

import json
import pickle
import re
import shutil
from itertools import pairwise
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from npf_tui.cli import main
from npf_tui.core.entities import discovery as disc
from npf_tui.core.entities.acronyms import find_acronyms
from npf_tui.core.entities.lexicon import FURNITURE, MONTHS, WEEKDAYS
from npf_tui.core.entities.store import (
    ENTITIES_FILE,
    MENTIONS_FILE,
    STORE_DIR,
    Entity,
    Matcher,
    load_entity_store,
    name_key,
    update_entity_store,
)
from npf_tui.core.glossary import load_glossary
from npf_tui.core.models import Document
from npf_tui.core.sources.corpus import load_corpus, write_document

DATA = Path(__file__).resolve().parents[1] / "data"
JUNK = [
    "AD",
    "icon",
    "Icon",
    "The",
    "However",
    "September",
    "Feb",
    "Monday",
    "Semafor Logo",
    "PostEmailWhatsapp",
    "Arrow Down",
    "Title icon",
    "Source icon",
    "Resolutely",
    "Apparently",
    "Chinese",
    "President",
]


@pytest.fixture(scope="module")
def docs():
    """The bundled documents."""
    return load_corpus(DATA)


@pytest.fixture(scope="module")
def store(docs, tmp_path_factory):
    """The entity store of the bundled corpus with its glossary."""
    gen = tmp_path_factory.mktemp("gen")
    update_entity_store(gen, docs, load_glossary(DATA))
    return load_entity_store(gen)


@pytest.fixture(scope="module")
def discovered(docs, tmp_path_factory):
    """The entity store built with no glossary at all: discovery alone."""
    gen = tmp_path_factory.mktemp("gen-noglossary")
    update_entity_store(gen, docs, [])
    return load_entity_store(gen)


def _names(entity: Entity) -> set[str]:
    return set(entity.names)


# ---------------------------------------------------------------- real entities, merged across languages


def test_liu_haiqing_is_one_entity_in_both_languages(store):
    en, zh, trad = store.find("Liu Haiqing"), store.find("刘海清"), store.find("劉海清")
    assert en is not None and en is zh is trad
    assert en.type == "person" and en.name_en == "Liu Haiqing" and en.name_zh == "刘海清"
    surfaces = {m.text for m in store.mentions(en.id)}
    assert {"Liu Haiqing", "刘海清"} <= surfaces


def test_caps_acronym_expansion_and_chinese_name_are_one(store):
    caps = store.find("CAPS")
    assert caps is store.find("China Association of Productive Science") is store.find("中国生产力学会")
    assert caps.type == "organisation"
    surfaces = {m.text for m in store.mentions(caps.id)}
    assert {"CAPS", "China Association of Productive Science", "中国生产力学会"} <= surfaces
    assert store.count(caps.id).count >= 10


def test_xi_jinping_both_scripts_and_aliases(store):
    xi = store.find("习近平")
    assert xi is store.find("Xi Jinping") is store.find("xi jinping") is store.find("習近平") is store.find("Xi")
    assert xi.type == "person"
    counts = store.count(xi.id)
    assert counts.count > 20 and len(counts.docs) >= 4


def test_places_organisations_media_concepts(store):
    expected = {
        "Heilongjiang": "place",
        "黑龙江省": "place",
        "China": "place",
        "中国": "place",
        "Hunan": "place",
        "NPC": "organisation",
        "WIPO": "organisation",
        "Xiamen University": "organisation",
        "Global Times": "media",
        "Xinhua": "media",
        "新质生产力": "concept",
        "new productive forces": "concept",
    }
    for name, typ in expected.items():
        entity = store.find(name)
        assert entity is not None, name
        assert entity.type == typ, name
    assert store.find("Heilongjiang Province") is store.find("黑龙江")
    assert store.find("China") is store.find("中国")


def test_discovery_alone_links_languages_and_acronyms(discovered):
    """Without any glossary, mined pairs, acronyms and pinyin still give the key merges."""
    liu = discovered.find("Liu Haiqing")
    assert liu is not None and liu is discovered.find("刘海清") and liu.type == "person"
    caps = discovered.find("CAPS")
    assert caps is not None and caps is discovered.find("中国生产力学会")
    assert caps.name_en == "China Association of Productive Science" and caps.type == "organisation"
    xi = discovered.find("Xi Jinping")
    assert xi is not None and xi is discovered.find("习近平") and xi.type == "person"
    for acronym, expansion in [
        ("WIPO", "World Intellectual Property Organization"),
        ("CPC", "Communist Party of China"),
        ("NPC", "National People's Congress"),
        ("XCMG", "Xuzhou Construction Machinery Group"),
    ]:
        assert discovered.find(acronym) is discovered.find(expansion) is not None, acronym
    assert discovered.find("Hunan") is discovered.find("湖南") is not None  # linked through pinyin
    assert discovered.find("Global Times").type == "media"
    assert discovered.find("Ministry of Science and Technology").type == "organisation"


@pytest.mark.parametrize("which", ["store", "discovered"])
def test_junk_tokens_are_not_entities(which, request):
    st_ = request.getfixturevalue(which)
    for junk in JUNK:
        assert st_.find(junk) is None, junk
    if which == "store":
        # Only ever seen inside the glossary's "100-person Think Tank": no entity of its own.
        assert st_.find("Think Tank") is None
    months = {m for m in MONTHS} | WEEKDAYS
    for ec in st_.all():
        for name in ec.entity.names:
            assert name.lower() not in months and name.lower() not in FURNITURE, name


def test_discovery_precision_on_a_document(discovered):
    """Every entity discovery (no glossary) finds in the Rainey article is a real name or term."""
    names = {ec.entity.name for ec in discovered.for_document("rainey-2024-new-catch-phrase")}
    assert {
        "Liu Haiqing",
        "China Association of Productive Science",
        "Xi Jinping",
        "Hunan Technology University",
        "Xiamen University",
        "Communist Party of China",
    } <= names
    assert not names & {"However", "Conclusion", "Firstly", "Another", "Examples", "Resolutely", "Establish Xi Jinping"}


# ---------------------------------------------------------------- mentions


def test_mention_spans_are_exact(store, docs):
    by_id = {d.doc_id: d for d in docs}
    total = 0
    for doc in docs:
        for m in store.document_mentions(doc.doc_id):
            text = by_id[m.doc_id].paragraph(m.paragraph)
            assert text[m.start : m.end] == m.text
            entity = store.get(m.entity_id)
            assert name_key(m.text) in {name_key(n) for n in entity.names}
            total += 1
    assert total > 300


def test_mentions_do_not_overlap_and_counts_agree(store, docs):
    for doc in docs:
        ms = store.document_mentions(doc.doc_id)
        for a, b in pairwise(ms):
            assert (a.paragraph, a.end) <= (b.paragraph, b.start)
        per_doc = {ec.entity.id: ec.count for ec in store.for_document(doc.doc_id)}
        assert sum(per_doc.values()) == len(ms)


def test_word_boundaries_and_case(tmp_path):
    doc = Document(
        doc_id="crafted",
        paragraphs=[
            "Xi visited Xiamen. The CAPSULE is not CAPS, and caps are hats. Xi’s speech at Xi’an University of Science "
            "and Technology was about AI. Xi Jinping (习近平) spoke; China Association of Productive Science "
            "(中国生产力学会) or CAPS agreed. Taxis pass; maximal taxi.",
        ],
    )
    gloss = [g for g in load_glossary(DATA) if g.id in ("xi-jinping", "caps")]
    update_entity_store(tmp_path, [doc], gloss)
    store = load_entity_store(tmp_path)
    para = doc.paragraphs[0]
    xi = [m for m in store.mentions("xi-jinping")]
    assert [m.text for m in xi] == ["Xi", "Xi", "Xi Jinping", "习近平"]
    assert all(para[m.start : m.end] == m.text for m in xi)
    caps = [m.text for m in store.mentions("caps")]
    assert caps == ["CAPS", "China Association of Productive Science", "中国生产力学会", "CAPS"]


def test_sidebar_order_groups_by_type(store):
    rows = store.for_document("rainey-2024-new-catch-phrase")
    order = ["person", "organisation", "place", "concept", "media"]
    types = [order.index(ec.entity.type) for ec in rows]
    assert types == sorted(types)
    assert all(ec.count >= 1 and "rainey-2024-new-catch-phrase" in ec.docs for ec in rows)


# ---------------------------------------------------------------- acronym and phrase units


def test_find_acronyms():
    text = (
        "the China Association of Productive Science (中国生产力学会) or CAPS. The Communist Party of China (CPC) "
        "and the World Intellectual Property Organization (WIPO) met the MOU (Memorandum of Understanding) team; "
        "research and development (R&D) grew."
    )
    found = dict(find_acronyms(text))
    assert found["CAPS"] == "China Association of Productive Science"
    assert found["CPC"] == "Communist Party of China"
    assert found["WIPO"] == "World Intellectual Property Organization"
    assert found["MOU"] == "Memorandum of Understanding"
    assert found["R&D"] == "research and development"
    assert find_acronyms("He bought a car (BMW) yesterday.") == []


def test_phrases_skip_sentence_initial_words_and_titles():
    para = (
        "However, Chinese President Xi Jinping met Premier Li Qiang in Beijing. Resolutely the Ministry of "
        "Science and Technology and Xie Zhenhua and John Kerry agreed, Tian Yun said."
    )
    found = {p[0]: p for p in disc._phrases(para, set())}
    assert "However" not in found and "Resolutely" not in found
    assert found["Xi Jinping"][3] and found["Li Qiang"][3]  # titled
    assert "Ministry of Science and Technology" in found
    assert {"Xie Zhenhua", "John Kerry", "Tian Yun", "Beijing"} <= set(found)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            [
                "Xi",
                "Xi Jinping",
                "习近平",
                "習近平",
                "CAPS",
                "caps",
                "CAPSULE",
                "Xiamen",
                " ",
                ", ",
                "’s ",
                "’an ",
                "(",
                ")",
                "a",
                "中国",
                "China",
                "\u00e9",
            ]
        ),
        max_size=30,
    )
)
def test_matcher_spans_property(parts):
    entities = [
        Entity("xi", "person", "Xi Jinping", "习近平", ["Xi Jinping", "习近平", "Xi"]),
        Entity("caps", "organisation", "CAPS", "", ["CAPS"]),
        Entity("china", "place", "China", "中国", ["China", "中国"]),
    ]
    text = "".join(parts)
    last = 0
    for idx, start, end in Matcher(entities).paragraph(text):
        assert start >= last and end > start
        last = end
        assert name_key(text[start:end]) in {name_key(n) for n in entities[idx].names}
        if re.match(r"[A-Za-z]", text[start]):
            assert start == 0 or not (text[start - 1].isalnum() and text[start - 1] < "\u2e80")


# ---------------------------------------------------------------- the store: incremental equals full


def _store_files(gen: Path) -> tuple[dict, dict]:
    ents = pickle.loads((gen / STORE_DIR / ENTITIES_FILE).read_bytes())
    ments = pickle.loads((gen / STORE_DIR / MENTIONS_FILE).read_bytes())
    resolved = {
        d: [
            (ments["ids"][m[k]], m[k + 1], m[k + 2], m[k + 3], ments["surfaces"][m[k + 4]]) for k in range(0, len(m), 5)
        ]
        for d, rec in ments["docs"].items()
        for m in [rec["m"]]
    }
    return ents, resolved


def test_incremental_update_equals_full_rebuild(tmp_path):
    corpus = tmp_path / "corpus"
    shutil.copytree(DATA, corpus)
    gloss = load_glossary(corpus)
    docs = load_corpus(corpus)
    inc, full = tmp_path / "inc", tmp_path / "full"
    # Start without one document, then add it, edit another and remove a third incrementally.
    first = [d for d in docs if d.doc_id != "rainey-2024-new-catch-phrase"]
    update_entity_store(inc, first, gloss)
    added = next(d for d in docs if d.doc_id == "rainey-2024-new-catch-phrase")
    edited = next(d for d in docs if d.doc_id == "brookings-hass-new-quality-productive-forces")
    edited.paragraphs.append("Wang Yi said the Zhongguancun Science Park Administrative Committee met Xi Jinping.")
    write_document(corpus, edited)
    update_entity_store(inc, [added, edited], gloss, changed={added.doc_id, edited.doc_id})
    update_entity_store(inc, [], gloss, changed=set(), removed={"hungarian-art-exhibition-chongqing"})
    final = [d for d in load_corpus(corpus) if d.doc_id != "hungarian-art-exhibition-chongqing"]
    update_entity_store(full, final, gloss)
    assert _store_files(inc) == _store_files(full)
    store = load_entity_store(inc)
    assert store.find("Zhongguancun Science Park Administrative Committee").type == "organisation"
    assert store.for_document("hungarian-art-exhibition-chongqing") == []


def test_missing_store_is_empty(tmp_path):
    store = load_entity_store(tmp_path)
    assert not store.available and store.all() == [] and store.find("CAPS") is None


# ---------------------------------------------------------------- command line


def _run(capsys, *argv) -> tuple[int, str, str]:
    code = main(["--corpus", str(DATA), "--index", str(_run.index), *argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(scope="module", autouse=True)
def _cli_index(tmp_path_factory):
    _run.index = tmp_path_factory.mktemp("cli-index")


def test_cli_entities_json_schema(capsys):
    code, out, _ = _run(capsys, "entities", "--json")
    assert code == 0
    rows = json.loads(out)
    assert rows and all({"id", "name", "name_en", "name_zh", "names", "type", "count", "docs"} <= set(r) for r in rows)
    by_name = {r["name"]: r for r in rows}
    assert {"Liu Haiqing", "刘海清"} <= set(by_name["Liu Haiqing"]["names"])
    assert by_name["China Association of Productive Science"]["type"] == "organisation"
    assert all(r["type"] in ("person", "organisation", "place", "concept", "media") for r in rows)
    counts = [r["count"] for r in rows]
    assert counts == sorted(counts, reverse=True)


def test_cli_entities_for_document_and_type(capsys):
    code, out, _ = _run(capsys, "entities", "rainey", "--type", "person", "--json")
    assert code == 0
    rows = json.loads(out)
    assert {r["name"] for r in rows} >= {"Liu Haiqing", "Xi Jinping"}
    assert all(r["type"] == "person" for r in rows)
    code, out, _ = _run(capsys, "entities", "rainey")
    assert code == 0 and "Liu Haiqing · 刘海清" in out and "organisation (" in out


def test_cli_entity(capsys):
    code, out, _ = _run(capsys, "entity", "刘海清")
    assert code == 0 and "Liu Haiqing · 刘海清 (person)" in out and "rainey-2024-new-catch-phrase" in out
    code, out, _ = _run(capsys, "entity", "CAPS", "--json")
    data = json.loads(out)
    assert data["name_zh"] == "中国生产力学会" and "CAPS" in data["names"]
    assert data["mentions"][0]["doc_id"] == "rainey-2024-new-catch-phrase"
    assert all(m["end"] > m["start"] for m in data["mentions"][0]["mentions"])


def test_cli_entity_unknown_is_one_line_error(capsys):
    code, out, err = _run(capsys, "entity", "Nobody", "Atall")
    assert code == 1 and out == "" and err.strip() == "npf: error: no entity named 'Nobody Atall' (see 'npf entities')"


def test_incremental_add_through_the_index_equals_a_full_rebuild(corpus_copy, tmp_path, monkeypatch):
    """An added document that brings new names (and mentions old ones) gives the same store as a full rebuild,
    though only the documents the index says contain a changed name are matched again."""
    from npf_tui.core.search.library import Library

    lib = Library.open(corpus_copy, tmp_path / "inc")
    (corpus_copy / "new-names.md").write_text(
        "---\ntitle: New names\nlanguage: en\n---\n\n"
        "The Quantum Valley Alliance (量子谷联盟) met in Heilongjiang with Liu Haiqing.\n\n"
        "The Quantum Valley Alliance praised new quality productive forces.\n",
        encoding="utf-8",
    )
    import npf_tui.core.entities.store as entities_module

    reread = []
    real_load = entities_module.load_document
    monkeypatch.setattr(entities_module, "load_document", lambda path: reread.append(path) or real_load(path))
    lib.refresh()
    assert lib.entities_pending and not reread  # the sync left the entities to whoever asks for them
    lib.entity_store()
    monkeypatch.undo()
    assert not lib.entities_pending
    assert len(reread) < len(lib.catalog) - 1  # not every document was read and matched again
    full = Library.open(corpus_copy, tmp_path / "full")

    def summary(library):
        store = library.entity_store()
        return {
            doc_id: sorted((c.entity.name, c.count) for c in store.for_document(doc_id))
            for doc_id in sorted(library.catalog)
        }

    incremental = summary(lib)
    assert incremental == summary(full)
    assert ("Quantum Valley Alliance", 3) in incremental["new-names"]  # twice in English, once as 量子谷联盟


def test_pinyin_keys_cover_every_reading_without_pypinyin(corpus_copy, tmp_path, monkeypatch):
    """English spellings of Chinese names come from the character readings table, one per reading (重庆 is read
    chongqing as well as zhongqing), and an incremental update links names without importing pypinyin (whose phrase
    dictionary cost 56 MB and 0.3 s of every `npf add`)."""
    import sys

    from npf_tui.core.entities.merge import pinyin_keys
    from npf_tui.core.search.library import Library

    assert "chongqing" in pinyin_keys("重庆", False)
    assert "shan zenghai" in pinyin_keys("单增海", True)
    assert "heilongjiang province" in pinyin_keys("黑龙江省", False)
    assert pinyin_keys("西亞", False) == ["xiya"]  # not "xie" (亞's archaic reading è)
    lib = Library.open(corpus_copy, tmp_path / "idx")
    before = {e.id for e in load_entity_store(lib.gen_dir).entities}
    (corpus_copy / "chongqing.md").write_text(
        "---\ntitle: Chongqing note\nlanguage: zh\n---\n\n重庆的氢能产业在发展。重庆是直辖市。\n\n"
        "Chongqing is building hydrogen plants. Chongqing officials said so.\n",
        encoding="utf-8",
    )
    monkeypatch.setitem(sys.modules, "pypinyin", None)  # any import of pypinyin now fails
    lib.refresh()
    store = load_entity_store(lib.gen_dir)
    assert before <= {e.id for e in store.entities}
    chongqing = store.find("重庆")
    assert chongqing is not None and chongqing is store.find("Chongqing")


def test_tagger_is_the_index_segmenter_and_tags_glossary_names(tmp_path):
    """An update tags with the segmenter it indexes with (a second one cost ~0.1 s and ~24 MB per update); glossary
    names, also in Traditional characters, come out whole with their type's tag."""
    from npf_tui.core.glossary import GlossaryEntry, user_dictionary
    from npf_tui.core.text import analysis

    glossary = [*load_glossary(DATA), GlossaryEntry("yu-jianhua", "person", "Yu Jianhua", "俞建华", ["俞建華"])]
    words = user_dictionary(glossary)
    analysis.use_user_words(words)
    tagger = analysis.tagging_segmenter(words)
    assert tagger is analysis._segmenter()
    assert ("俞建華", "nr") in tagger.tag("部長俞建華表示")
    assert ("俞建华", "nr") in tagger.tag("部长俞建华表示")
    assert ("中国生产力学会", "nt") in tagger.tag("中国生产力学会发布")
    # Another glossary gets a segmenter of its own; the active one (the index's) is left as it was.
    other = analysis.tagging_segmenter({"俞建华": "nr"})
    assert other is not tagger and analysis._segmenter() is tagger
    analysis.use_user_words(user_dictionary(load_glossary(DATA)))
