"""Every digest format: the 22 real samples (exact counts, fields), fixtures per format and variant,
de-duplication across formats, and a fuzz test that loaders only ever raise ParseError."""

from __future__ import annotations

import contextlib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from loaders import ParseError, formats, parse_bytes
from loaders.latex_text import latex_to_text
from paperterm.library import Library

from .test_cli import run

FIXTURES = Path(__file__).parent / "fixtures"
REAL = FIXTURES / "real"
FORMATS = FIXTURES / "formats"

# file: (format, papers, with abstract, with arXiv id, with authors, digest date)
REAL_COUNTS = {
    "arxiv_api_atom_2016_legacy_au-del_maestro.xml": ("feed", 10, 10, 10, 10, "2014-12-19"),
    "arxiv_api_atom_2026_query-testing_100.xml": ("feed", 100, 100, 100, 100, "2026-04-03"),
    "arxiv_email_astro-ph_daily_2023-03-03.txt": ("arxiv-email", 97, 57, 97, 97, "2023-03-03"),
    "arxiv_email_cs.CV-RO_2024-11-07.eml": ("arxiv-email", 180, 108, 180, 180, "2024-11-07"),
    "arxiv_email_q-fin_daily_2023-03-17.txt": ("arxiv-email", 16, 13, 16, 16, "2023-03-17"),
    "arxiv_rss2-shaped_filtered_feed_2025-08-06.xml": ("feed", 65, 65, 65, 65, "2025-08-06"),
    "arxiv_rss_feedparser-cache_cs.CL+CV+MM+LG+SI_2025-04-24.json": (
        "feed-cache-json",
        379,
        379,
        379,
        379,
        "2025-04-24",
    ),  # 382 entries in two feeds, 3 of them in both
    "google_scholar_alert_2019-12-10_decoded.html": ("scholar-alert", 3, 3, 1, 3, None),
    "google_scholar_alerts_gmail-api_read.json": ("scholar-alert", 3, 3, 1, 3, "2019-12-10"),
    "google_scholar_alerts_gmail-api_unread.json": ("scholar-alert", 6, 6, 1, 6, "2019-12-10"),
    "hf_api_daily_papers_2024-06-18.json": ("hf-api-json", 26, 26, 26, 26, "2024-06-18"),
    "hf_api_daily_papers_2024-12-11_MANGLED_pyrepr_strings.json": ("hf-api-json", 26, 26, 26, 26, "2024-12-11"),
    "hf_api_daily_papers_2026-05-29.json": ("hf-api-json", 45, 45, 45, 45, "2026-05-29"),
    "hf_daily_markdown_ko-summaries_2025-02-21.md": ("hf-markdown", 30, 30, 30, 30, "2025-02-21"),
    "hf_daily_scraped_json_2024-10-10.json": ("paper-json", 49, 49, 49, 44, "2024-10-10"),
    "hf_daily_scraped_json_2026-08-22_atharvadomale.json": ("paper-json", 26, 10, 26, 4, "2026-08-22"),
    "hf_papers_jsonfeed_scraped_2025-10-05.json": ("json-feed", 52, 52, 52, 0, "2025-10-04"),
    "hf_papers_jsonfeed_scraped_2026-08-22.json": ("json-feed", 26, 26, 26, 0, "2026-08-22"),
    "hf_papers_rss2_scraped_2025-03-05.xml": ("feed", 23, 23, 23, 0, "2025-03-05"),
    "zotero_export_ml_with_abstracts.bib": ("bibtex", 232, 216, 74, 232, None),
    "zotero_export_ml_with_abstracts.csv": ("csv", 217, 201, 70, 217, None),
}


def parse(path: Path, format_name: str | None = None):
    return parse_bytes(path.read_bytes(), path.name, format_name)


def by_id(result, paper_id: str):
    return next(p for p in result.papers if p.paper_id == paper_id)


def test_every_real_sample_is_listed() -> None:
    on_disk = {p.name for p in REAL.iterdir() if p.name != "SOURCES.md"}
    assert on_disk == set(REAL_COUNTS)


@pytest.mark.parametrize("name", sorted(REAL_COUNTS))
def test_real_sample_counts(name: str) -> None:
    fmt, papers, abstracts, arxiv, authors, day = REAL_COUNTS[name]
    result = parse(REAL / name)
    assert result.format == fmt
    assert len(result.papers) == papers
    assert sum(bool(p.abstract) for p in result.papers) == abstracts
    assert sum(bool(p.arxiv_id) for p in result.papers) == arxiv
    assert sum(bool(p.authors) for p in result.papers) == authors
    date = result.digest_date
    assert (f"{date.year}-{date.month:02d}-{date.day:02d}" if date else None) == day
    for paper in result.papers:  # nothing from the page furniture, no markup left, no mojibake
        assert paper.title and "\n" not in paper.title and "  " not in paper.title
        assert "Ã" not in paper.title + paper.abstract + " ".join(paper.authors)
        assert not paper.abstract.startswith(("arXiv:", "Abstract:"))


def test_arxiv_email_fields_wrap_and_latex() -> None:
    result = parse(REAL / "arxiv_email_astro-ph_daily_2023-03-03.txt")
    paper = by_id(result, "2303.00765")
    assert paper.title == (
        "Nucleosynthesis in outflows of compact objects and detection prospects of associated kilonovae"
    )
    assert paper.authors == ["Nick Ekanger", "Mukul Bhattacharya", "Shunsaku Horiuchi"]
    assert paper.abstract.startswith("We perform a comparative analysis of nucleosynthesis yields")
    assert "A∼200-240" in paper.abstract and "$" not in paper.abstract
    assert paper.extra["categories"] == "astro-ph.HE"
    accented = [a for p in result.papers for a in p.authors if "Stéphane" in a or "Vidal-García" in a]
    assert accented and not any("\\'" in a for p in result.papers for a in p.authors)
    eml = parse(REAL / "arxiv_email_cs.CV-RO_2024-11-07.eml")
    kinds = [p.extra["announce"] for p in eml.papers]
    assert kinds.count("new") == 88 and kinds.count("cross") == 20 and kinds.count("replace") == 72
    assert eml.papers[0].line == 26  # the `arXiv:` line in the CRLF file, headers included


def test_feeds_keep_only_the_abstract_and_repair_mojibake() -> None:
    cache = parse(REAL / "arxiv_rss_feedparser-cache_cs.CL+CV+MM+LG+SI_2025-04-24.json")
    first = by_id(cache, "2504.16102")
    assert first.abstract.startswith("Idling vehicle detection (IVD) supports")
    assert first.extra["announce"] == "new"
    assert any("Léandre" in a or "Raphaël" in a for p in cache.papers for a in p.authors)
    filtered = parse(REAL / "arxiv_rss2-shaped_filtered_feed_2025-08-06.xml")
    dmsc = by_id(filtered, "2508.02753")
    assert dmsc.abstract.startswith("Time Series Forecasting (TSF) faces")  # the Chinese summary in front is gone
    assert dmsc.authors == ["Haonan Yang", "Jianchao Tang", "Zhuo Li", "Long Lan"]
    atom = parse(REAL / "arxiv_api_atom_2026_query-testing_100.xml")
    assert any(a == "José Raúl Romero" for p in atom.papers for a in p.authors)
    legacy = parse(REAL / "arxiv_api_atom_2016_legacy_au-del_maestro.xml")
    assert any(p.arxiv_id == "cond-mat/0412498" for p in legacy.papers)
    assert by_id(legacy, "1201.4869").published == "2012-01-23"


def test_daily_papers_json_variants() -> None:
    old = parse(REAL / "hf_api_daily_papers_2024-06-18.json")
    mmdu = by_id(old, "2406.11833")
    assert mmdu.title.startswith("MMDU: A Multi-Turn Multi-Image Dialog Understanding Benchmark and Instruction")
    assert mmdu.authors[0] == "Ziyu Liu" and mmdu.extra["upvotes"] == 35
    mangled = parse(REAL / "hf_api_daily_papers_2024-12-11_MANGLED_pyrepr_strings.json")
    assert "Python-repr" in str(mangled.warnings[0])
    assert by_id(mangled, "2412.07730").authors[0] == "Zongyu Lin"
    new = parse(REAL / "hf_api_daily_papers_2026-05-29.json")
    assert all("ai_summary" in p.extra for p in new.papers[:5])
    dirty = parse(REAL / "hf_daily_scraped_json_2026-08-22_atharvadomale.json")
    comments = [p for p in dirty.papers if "comment" in p.extra]
    assert len(comments) == 14 and all(not p.abstract for p in comments)
    feed = parse(REAL / "hf_papers_jsonfeed_scraped_2025-10-05.json")
    forcing = next(p for p in feed.papers if p.title.startswith("Self-Forcing++"))
    assert forcing.abstract.startswith("Diffusion models have revolutionized")
    assert forcing.extra["ai_summary"].startswith("A method is proposed")


def test_bibtex_and_csv_fields() -> None:
    bib = parse(REAL / "zotero_export_ml_with_abstracts.bib")
    nerf = next(p for p in bib.papers if p.extra.get("bibtex_key") == "mildenhall_nerf_2020")
    assert nerf.title == "NeRF: Representing Scenes as Neural Radiance Fields for View Synthesis"
    assert nerf.authors[:2] == ["Ben Mildenhall", "Pratul Srinivasan"]
    assert not any("{" in p.title or "textbackslash" in p.abstract for p in bib.papers)
    csv = parse(REAL / "zotero_export_ml_with_abstracts.csv")
    assert csv.papers[0].title == "StyleGAN2 Distillation for Feed-Forward Image Manipulation"
    assert csv.papers[0].authors[0] == "Yuri Viazovetskyi"


def test_scholar_alert_takes_the_real_link_out_of_the_redirect() -> None:
    result = parse(REAL / "google_scholar_alert_2019-12-10_decoded.html")
    paper = result.papers[0]
    assert paper.title == "Using Sequence-to-Sequence Learning for Repairing C Vulnerabilities"
    assert paper.links == ["https://arxiv.org/pdf/1912.02015"] and paper.arxiv_id == "1912.02015"
    assert paper.authors == ["Z Chen", "S Kommrusch", "M Monperrus"]
    assert paper.abstract.endswith("…")
    unsafe = parse(FORMATS / "scholar.html").papers[1]
    assert unsafe.links == []  # a javascript: link is never kept


ROUTING_ABSTRACT = "We route tokens with an ℓ_0 penalty, reaching 95% accuracy on 10 tasks with half the compute."
FIXTURE_COUNTS = {
    "arxiv-email.eml": ("arxiv-email", 3),
    "atom.xml": ("feed", 2),
    "rss.xml": ("feed", 1),
    "hf-api.json": ("hf-api-json", 1),
    "digest.md": ("hf-markdown", 2),
    "library.bib": ("bibtex", 2),
    "zotero.csv": ("csv", 2),
    "scholar.html": ("scholar-alert", 2),
    "hf-page.txt": ("hf-daily-text", 1),
}


@pytest.mark.parametrize("name", sorted(FIXTURE_COUNTS))
def test_fixture_formats(name: str) -> None:
    fmt, count = FIXTURE_COUNTS[name]
    result = parse(FORMATS / name)
    assert (result.format, len(result.papers)) == (fmt, count)
    routing = [p for p in result.papers if p.title.startswith("Sparse")]
    if routing:  # the same paper, however the format wrote it, reads the same to a person
        paper = routing[0]
        assert paper.title.replace("ℓ_0", "ℓ0").replace("l_0", "ℓ0") == (
            "Sparse ℓ0 Routing for Mixture-of-Experts in Schrödinger Bridges"
        )
        if fmt not in ("hf-markdown", "hf-daily-text"):
            assert paper.authors[0] in ("Ana Pérez", "A Pérez")
        if fmt in ("arxiv-email", "feed", "bibtex"):
            assert paper.abstract == ROUTING_ABSTRACT


def test_damaged_entries_are_reported_not_fatal() -> None:
    api = parse(FORMATS / "hf-api.json")
    assert [w.message for w in api.warnings] == [
        "entry 2 has no title; skipped",
        "entry 3 has no `paper` object; skipped",
    ]
    bib = parse(FORMATS / "library.bib")
    assert any(w.line == 11 and "notitle" in w.message for w in bib.warnings)
    csv = parse(FORMATS / "zotero.csv")
    assert any(w.line == 5 and "without a title" in w.message for w in csv.warnings)


def test_odd_encodings_read_right() -> None:
    for name in ("hf-page-latin1.txt", "hf-page-utf16.txt"):
        result = parse(FIXTURES / "encodings" / name)
        assert result.papers[0].title.startswith("Café Résumé:")
        assert "naïve" in result.papers[0].abstract


def test_format_option_overrides_detection() -> None:
    result = parse(FORMATS / "atom.xml", "feed")
    assert result.format == "feed"
    with pytest.raises(ParseError, match=r"atom\.xml"):
        parse(FORMATS / "atom.xml", "bibtex")


def test_latex_is_shown_readably() -> None:
    assert latex_to_text(r"$\ell_0$ and Schr{\"o}dinger via \textit{x}, 10~Mpc") == "ℓ_0 and Schrödinger via x, 10 Mpc"
    assert latex_to_text(r"Erd\H{o}s, \c{c}a, St\'ephane") == "Erdős, ça, Stéphane"
    assert latex_to_text(r"$M \approx 7.4 \times 10^{6}$, 50\% and \&") == "M ≈ 7.4 × 10⁶, 50% and &"
    assert latex_to_text("95% of $5, C:\\Users and a\\b stay") == "95% of $5, C:\\Users and a\\b stay"


def test_a_folder_of_every_format_merges_the_same_paper(data_dir: Path) -> None:
    library = Library.open(data_dir)
    summary = library.import_paths([str(FORMATS)])
    assert summary.skipped == []
    papers = {p.id: p for p in library.papers.values()}
    routing = papers["2401.00001"]
    assert len(routing.sightings) == 8  # e-mail, Atom, API, Markdown, BibTeX, CSV, Scholar, page: one paper
    assert routing.authors[0] == "Ana Pérez"  # full names beat Scholar's initials
    assert routing.abstract.startswith("We route tokens")
    assert routing.extra["upvotes"] == 42 and routing.extra["published"] == "2024-01-04"
    cross = papers["2401.00002"]
    assert cross.abstract.startswith("Retrieval is studied, at length")  # the richer abstract wins
    older = [p for p in papers.values() if p.title == "An Older Paper, Revised"]
    assert len(older) == 1 and older[0].arxiv_id == "2312.09999"
    assert summary.merged >= 2


def test_cli_folder_import_skips_unknown_files_with_one_line(data_dir: Path, tmp_path: Path) -> None:
    folder = tmp_path / "Downloads"
    (folder / "sub").mkdir(parents=True)
    (folder / "sub" / "atom.xml").write_bytes((FORMATS / "atom.xml").read_bytes())
    (folder / "notes.txt").write_text("just some notes\nnothing like a digest\n")
    (folder / "photo.png").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00binary")
    done = run(data_dir, "import", str(folder))
    assert done.returncode == 0, done.stderr
    skipped = [line for line in done.stderr.decode().splitlines() if "skipped" in line]
    assert len(skipped) == 2 and any("notes.txt" in s for s in skipped) and any("photo.png" in s for s in skipped)
    assert "2 new" in done.stdout.decode()


@pytest.mark.parametrize("fmt", sorted(f.name for f in formats()))
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.binary(max_size=3000))
def test_fuzz_loaders_raise_only_parse_error(fmt: str, data: bytes) -> None:
    for name in (fmt, None):
        with contextlib.suppress(ParseError):
            parse_bytes(data, "fuzz.bin", name)


@settings(max_examples=150, deadline=None)
@given(
    text=st.text(alphabet=st.characters(codec="utf-8"), max_size=2000),
    prefix=st.sampled_from(
        [
            "",
            "[",
            "{",
            "<?xml version='1.0'?><feed>",
            "<rss><channel><item>",
            "@article{k,\n title={",
            "arXiv:2401.00001\n",
            '"Title","Abstract Note"\n',
            "### [",
            "Date: Fri, 5 Jan 24\nSubject: x\n\n",
            '<a href="x" class="gse_alrt_title">',
        ]
    ),
)
def test_fuzz_structured_text_raises_only_parse_error(text: str, prefix: str) -> None:
    """Random text behind each format's opening, so the parsers (not just detection) get exercised."""
    try:
        result = parse_bytes((prefix + text).encode("utf-8"), "fuzz.txt")
    except ParseError:
        return
    for paper in result.papers:
        assert isinstance(paper.title, str) and paper.title


def test_inbox_folder_is_imported_by_the_cli_and_on_every_app_launch(data_dir: Path, tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "atom.xml").write_bytes((FORMATS / "atom.xml").read_bytes())
    done = run(data_dir, "inbox", str(inbox))
    assert done.returncode == 0, done.stderr
    assert "2 new" in done.stdout.decode()
    assert "0 new" in run(data_dir, "inbox").stdout.decode()  # imported before: recognised, skipped
    (inbox / "digest.md").write_bytes((FORMATS / "digest.md").read_bytes())

    import asyncio

    from tui.app import PapertermApp

    async def launch() -> None:
        app = PapertermApp(data_dir, watch=False)
        async with app.run_test() as pilot:
            for _ in range(40):
                await pilot.pause(0.05)
                if app.ready and not app.workers:
                    break
            await app.workers.wait_for_complete()

    asyncio.run(launch())
    library = Library.open(data_dir)
    assert "2401.00005" in library.papers  # only in the Markdown digest saved into the inbox
    assert "off" in run(data_dir, "inbox", "--off").stdout.decode()


_KEYS = st.sampled_from(
    ["paper", "title", "summary", "abstract", "authors", "name", "id", "url", "publishedAt", "upvotes", "details",
     "items", "version", "content_text", "papers", "date", "entries", "feed", "payload", "body", "data", "stars"]
)  # fmt: skip
_JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**63), 2**63 - 1) | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(_KEYS, children, max_size=5),
    max_leaves=25,
)


@settings(max_examples=300, deadline=None)
@given(
    value=_JSON,
    shape=st.sampled_from(["list", "papers", "feed", "cache", "bare"]),
)
def test_fuzz_json_shapes_raise_only_parse_error(value: object, shape: str) -> None:
    """Paper-like JSON with every field of every type: the JSON loaders never trust a field's type."""
    import orjson

    wrapped = {
        "list": [value, value],
        "papers": {"date": "2024-01-01", "papers": [value]},
        "feed": {"version": "https://jsonfeed.org/version/1", "items": [value]},
        "cache": {"https://x": {"feed": value, "entries": [value]}},
        "bare": value,
    }[shape]
    data = orjson.dumps(wrapped)
    for fmt in ("hf-api-json", "paper-json", "json-feed", "feed-cache-json", "scholar-alert", None):
        with contextlib.suppress(ParseError):
            parse_bytes(data, "fuzz.json", fmt)


def test_the_same_paper_merges_across_restarts_too(data_dir: Path) -> None:
    """A title-only paper from one session and the same title written with LaTeX in a later one."""
    Library.open(data_dir).import_paths([str(FORMATS / "hf-page.txt")])  # `Sparse ℓ0 Routing …`
    later = Library.open(data_dir)
    later.import_paths([str(FORMATS / "arxiv-email.eml")])  # `Sparse $\ell_0$ Routing …`, with an arXiv id
    routing = [p for p in Library.open(data_dir).papers.values() if p.title.startswith("Sparse")]
    assert len(routing) == 1 and routing[0].arxiv_id == "2401.00001" and len(routing[0].sightings) == 2
