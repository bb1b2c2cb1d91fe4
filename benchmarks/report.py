"""The machine description and the short Markdown table written beside each benchmark JSON."""

from __future__ import annotations

import os
import platform
import shutil
import sqlite3
import subprocess
from pathlib import Path


def machine_info() -> dict:
    """Cores, CPU model, memory, Python, SQLite and ripgrep versions of this machine."""
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem_gb = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem_gb = round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    rg = shutil.which("rg")
    rg_version = subprocess.run([rg, "--version"], capture_output=True, text=True).stdout.split("\n")[0] if rg else None
    return {
        "nproc": os.cpu_count(),
        "cpu": cpu,
        "ram_gb": mem_gb,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "sqlite": sqlite3.sqlite_version,
        "ripgrep": rg_version,
    }


def _fmt(value, digits: int = 1, scale: float = 1.0) -> str:
    """A number for the table, or '–' when missing."""
    if value is None:
        return "–"
    return f"{value * scale:.{digits}f}"


def _med(stat: dict | None, scale: float = 1.0, digits: int = 1) -> str:
    """'median (min–max)' of a spread dict."""
    if not stat or stat.get("median") is None:
        return "–"
    if stat["min"] == stat["max"]:
        return _fmt(stat["median"], digits, scale)
    return (
        f"{_fmt(stat['median'], digits, scale)} ({_fmt(stat['min'], digits, scale)}–{_fmt(stat['max'], digits, scale)})"
    )


def write_markdown(results: dict, path: Path) -> None:
    """Write the summary table: one row per system, then npf's own figures and the ratios."""
    m, c = results["machine"], results["corpus"]
    classes = [
        cls
        for cls in results["recall_classes"]
        if any(cls in s.get("recall", {}).get("per_class", {}) for s in results["systems"].values())
    ]
    lines = [
        f"# Benchmark {results['date']} — corpus {results['size']}",
        "",
        f"Machine: {m['nproc']} cores, {m['cpu']}, {m['ram_gb']} GB RAM, Python {m['python']}, "
        f"SQLite {m['sqlite']}, {m['ripgrep'] or 'no ripgrep'}.",
        f"Corpus: {c['documents']} documents ({c['zh_documents']} Chinese), {c['paragraphs']} paragraphs, "
        f"{c['bytes'] / 1e6:.1f} MB. Repeats: {results['repeat']}.",
        f"Command: `{results['command']}`",
        f"npf's bytecode: {results.get('bytecode', 'not recorded (results before 2026-12-01 night)')}.",
        "",
        "Times are medians (min–max over repeats). Query latency: per pass over the query set, top 20 with highlighted "
        "snippets. Recall: mean over the class's queries of the share of ground-truth paragraphs returned.",
        "",
        "| system | build s | MB/s | peak MB (RSS) | peak MB (PSS) | index MB | p50 ms | p95 ms | max ms | "
        + " | ".join(f"recall {cls}" for cls in classes)
        + " |",
        "|---" * (9 + len(classes)) + "|",
    ]
    for name, s in results["systems"].items():
        if "error" in s and "query" not in s:
            lines.append(f"| {name} | error: {s['error'][:80]} |" + " |" * (8 + len(classes)))
            continue
        b, q = s["build"], s.get("query", {})
        per_class = s.get("recall", {}).get("per_class", {})
        recalls = [(_fmt(per_class[cls]["mean_recall"], 0, 100) + " %") if cls in per_class else "–" for cls in classes]
        lines.append(
            "| "
            + " | ".join(
                [
                    name,
                    _med(b["seconds"]),
                    _fmt(b.get("mb_per_s"), 2),
                    _med(b["peak_rss_mb"], digits=0),
                    _med(b["peak_pss_mb"], digits=0) if b.get("peak_pss_mb") else "–",
                    _fmt(s.get("index_bytes"), 1, 1e-6),
                    _med(q.get("p50")),
                    _med(q.get("p95")),
                    _med(q.get("max")),
                    *recalls,
                ]
            )
            + " |"
        )
    cli = results["systems"].get("npf", {}).get("cli")
    if cli:
        lines += ["", "| npf | seconds |", "|---|---|"]
        for key, label in (
            ("cold_search", "cold `npf search --json` (process start to exit)"),
            ("add_cli", "`npf add FILE` (process), the bundled English article"),
            ("add_cli_zh", "`npf add FILE` (process), a Chinese document of the corpus"),
            ("add_core", "core add: write + Library.refresh()"),
        ):
            entry = cli.get(key, {})
            lines.append(
                f"| {label} | {entry['error'] if 'error' in entry else _med(entry.get('seconds'), digits=2)} |"
            )
        tui = cli.get("tui_first_paint", {})
        lines.append(
            f"| TUI first paint (`npf` in a pseudo-terminal, to the search box drawn) | "
            f"{tui['error'] if 'error' in tui else _med(tui.get('process_seconds'), digits=2)} |"
        )
        if "ready_seconds" in tui:
            lines.append(
                f"| TUI ready to search (library open, corpus size shown) | "
                f"{_med(tui.get('ready_seconds'), digits=2)} |"
            )
    ratios = results.get("ratios_npf_to")
    if ratios:
        lines += [
            "",
            "Ratios npf / anchor (below 1: npf is faster or smaller):",
            "",
            "| anchor | build time | peak memory | index size | p50 | p95 |",
            "|---|---|---|---|---|---|",
        ]
        for name, r in ratios.items():
            lines.append(
                f"| {name} | "
                + " | ".join(
                    _fmt(r[k], 2) for k in ("build_seconds", "peak_rss_mb", "index_bytes", "query_p50", "query_p95")
                )
                + " |"
            )
    lines.append("")
    path.write_text("\n".join(lines), encoding="utf-8")
