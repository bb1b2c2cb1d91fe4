"""One-off converter of the raw seed pages (shared/seeds/*.txt) to the bundled corpus (data/*.md); not run by npf."""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from npf_tui.core.models import Document  # noqa: E402
from npf_tui.core.sources.corpus import write_document  # noqa: E402

#: Page furniture: whole lines (after stripping whitespace and a bullet glyph) that are not article text.
FURNITURE = {
    # Semafor page chrome: city menu, logo, icons, share bar, ads, product tagline, section tag, photo credit.
    "D.C.",
    "BXL",
    "Lagos",
    "Riyadh",
    "Beijing",
    "SG",
    "Semafor Logo",
    "icon",
    "Semafor Signals",
    "SIGNALS",
    "Arrow Down",
    "East Asia",
    "REUTERS/Tingshu Wang",
    "PostEmailWhatsapp",
    "Title icon",
    "Source icon",
    "AD",
    "Semafor Signals: Global insights on today's biggest stories.",
    # Medium separators.
    "--",
    # Seed 004: image caption and share widgets.
    "China flag waving in the wind.",
    "You may also like",
    "Show Buttons",
    "Hide Buttons",
}

BULLETS = "•·▪‣◦"


@dataclass
class Spec:
    """How one document is cut out of a seed: a 1-based inclusive line range, metadata, and metadata lines to drop."""

    doc_id: str
    seed: str
    first: int
    last: int
    title: str
    title_line: int | None = None  # the headline line (checked against `title`, then dropped)
    meta_lines: tuple[int, ...] = ()  # byline/date/header lines: metadata, not body text
    author: str = ""
    outlet: str = ""
    published: str = ""
    url: str = ""
    extra: dict[str, str] = field(default_factory=dict)


S000, S001, S002, S003, S004 = (
    "000_099ce5aa47b2da83.txt",
    "001_c6f175f3da475acc.txt",
    "002_4763ec6b66e0b587.txt",
    "003_be533b6b21f18cd1.txt",
    "004_d6b4466e07ced6c0.txt",
)

GT_BASIS = "not named as publisher; inferred from the text's own attribution 'told the Global Times'"

SPECS = [
    Spec(
        "semafor-2024-xi-catchphrase",
        S000,
        1,
        61,
        title="What Xi Jinping’s new catchphrase means for China and the world",
        title_line=20,
        meta_lines=(25,),
        outlet="Semafor",
        published="2024-02-02",
    ),
    Spec(
        "rainey-2024-new-catch-phrase",
        S001,
        1,
        79,
        title="A New Catch Phrase in Xi’s China: New Productive Forces (新质生产力)",
        title_line=1,
        # 3: byline, 4: "6 min readMay 20, 2024", 77/79: the author card after the article.
        meta_lines=(3, 4, 77, 79),
        author="Jacque Rainey",
        published="2024-05-20",
        extra={
            "author_bio": "An avid Osint practitioner interested in China who is looking to improve by putting "
            "my work out there to be commented and critiqued by fellow Osinters."
        },
    ),
    Spec(
        "globaltimes-xiconomics-in-practice",
        S002,
        1,
        72,
        title=(
            "Xiconomics in Practice: Xi puts new quality productive forces at front and center "
            "in China’s economic agenda"
        ),
        title_line=1,
        outlet="Global Times",
    ),
    Spec(
        "globaltimes-climate-envoy-visits-us",
        S002,
        73,
        108,
        title=(
            "China’s climate envoy to visit US, expected to ‘extend positive climate exchanges’ between two countries"
        ),
        title_line=73,
        outlet="Global Times",
        extra={"outlet_basis": GT_BASIS},
    ),
    Spec(
        "globaltimes-2024-major-projects-start",
        S002,
        109,
        134,
        title="As China rings in 2024 with a bang, work starts on major projects",
        title_line=109,
        outlet="Global Times",
        extra={"outlet_basis": GT_BASIS},
    ),
    Spec(
        "hungarian-art-exhibition-chongqing",
        S002,
        135,
        144,
        title="Hungary: Hungarian art exhibition kicks off in Chongqing, builds cultural bridges",
        title_line=135,
    ),
    Spec(
        "brookings-hass-new-quality-productive-forces",
        S003,
        1,
        10,
        title="Ryan Hass on China’s “new quality productive forces”",
        meta_lines=(1,),
        author="Ryan Hass",
        outlet="Brookings Institution",
        extra={
            "author_role": "Director at John L. Thornton China Center",
            "title_note": "the source text has no headline; this title was supplied by the corpus editor",
        },
    ),
    Spec(
        "xu-explaining-new-quality-productive-forces",
        S004,
        1,
        23,
        title="Explaining China’s Focus on “New Quality Productive Forces”",
        title_line=3,
        # 1: breadcrumb "Home IssueArtificial Intelligence <title>", 5: byline "by Yanzi Xu".
        meta_lines=(1, 5),
        author="Yanzi Xu",
    ),
]


def clean_line(line: str) -> str:
    """A seed line without surrounding whitespace or a leading bullet glyph."""
    return line.strip().lstrip(BULLETS).strip()


def paragraphs_for(spec: Spec, lines: list[str]) -> list[str]:
    """The body paragraphs of one document: one per non-empty, non-furniture line ("Sources:" joins the next)."""
    if spec.title_line is not None and clean_line(lines[spec.title_line - 1]) != spec.title:
        raise SystemExit(f"{spec.doc_id}: line {spec.title_line} is not the expected title")
    skip = set(spec.meta_lines) | ({spec.title_line} if spec.title_line else set())
    out: list[str] = []
    pending_label = ""
    for number in range(spec.first, spec.last + 1):
        text = clean_line(lines[number - 1])
        if number in skip or not text or text in FURNITURE:
            continue
        # Semafor puts "Sources:" and the list of outlets on two lines; they are one statement.
        if text == "Sources:":
            pending_label = text
            continue
        if pending_label:
            text, pending_label = f"{pending_label} {text}", ""
        out.append(text)
    return out


def build(seeds_dir: Path, out_dir: Path) -> list[Path]:
    """Write every document of SPECS into out_dir; returns the written paths."""
    written = []
    cache: dict[str, list[str]] = {}
    for spec in SPECS:
        if spec.seed not in cache:
            cache[spec.seed] = (seeds_dir / spec.seed).read_text(encoding="utf-8").splitlines()
        doc = Document(
            doc_id=spec.doc_id,
            title=spec.title,
            author=spec.author,
            outlet=spec.outlet,
            published=spec.published,
            url=spec.url,
            language="en",
            source_file=spec.seed,
            paragraphs=paragraphs_for(spec, cache[spec.seed]),
            extra=dict(spec.extra),
        )
        written.append(write_document(out_dir, doc))
    return written


def main() -> int:
    """Command line: seed_to_corpus.py [SEEDS_DIR] [OUT_DIR]."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("seeds", nargs="?", type=Path, default=REPO.parent / "shared" / "seeds")
    parser.add_argument("out", nargs="?", type=Path, default=REPO / "data")
    args = parser.parse_args()
    for path in build(args.seeds, args.out):
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
