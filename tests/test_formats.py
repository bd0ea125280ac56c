"""Every digest format: fixtures per format and variant, de-duplication across formats, and fuzz tests
that loaders only ever raise ParseError. The real samples are read in place by `test_real_digests.py`."""

from __future__ import annotations

import contextlib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from loaders import ParseError, formats, parse_bytes
from loaders.latex_text import latex_to_text
from paperterm.library import Library

from .conftest import run_cli

FIXTURES = Path(__file__).parent / "fixtures"
FORMATS = FIXTURES / "formats"


def parse(path: Path, format_name: str | None = None):
    return parse_bytes(path.read_bytes(), path.name, format_name)


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


def test_scholar_alert_never_keeps_a_javascript_link() -> None:
    assert parse(FORMATS / "scholar.html").papers[1].links == []


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
    # leftovers once seen on the real samples: math accents, line breaks, a tie in Daily Papers text
    assert latex_to_text(r"$\dot p^{mol}_{out}/\dot{p}^{X-ray}$ and $\dot{M}$") == "ṗ^(mol)_(out)/ṗ^(X-ray) and Ṁ"
    assert latex_to_text(r"first\newline second, $\hat x$, $\hat\sigma(q)$") == "first second, x̂, σ̂(q)"
    assert latex_to_text("Knowledge distillation~(KD) has") == "Knowledge distillation (KD) has"
    assert latex_to_text(r"$\dot p^{(X-ray)}$, $x_{(i)}$, $x^{a+b}$") == "ṗ^(X-ray), x_(i), x^(a+b)"  # no ((…))


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
    done = run_cli(data_dir, "import", str(folder))
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
    done = run_cli(data_dir, "inbox", str(inbox))
    assert done.returncode == 0, done.stderr
    assert "2 new" in done.stdout.decode()
    assert "0 new" in run_cli(data_dir, "inbox").stdout.decode()  # imported before: recognised, skipped
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
    assert "off" in run_cli(data_dir, "inbox", "--off").stdout.decode()


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


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=" \t\nab.\r\x0b", max_size=40))
def test_clean_paragraphs_fast_path_is_the_general_one(text: str) -> None:
    """Hard-wrapped ASCII (an arXiv abstract) takes a shortcut; it must give what the general path gives."""
    import re
    import unicodedata

    from loaders.text_cleanup import clean_paragraphs, strip_controls

    general = unicodedata.normalize("NFC", strip_controls(re.sub(r"\r\n?", "\n", text)))
    joined = (re.sub(r"[ \t]+", " ", p.replace("\n", " ")).strip() for p in re.split(r"\n[ \t]*\n+", general))
    assert clean_paragraphs(text) == "\n\n".join(p for p in joined if p)
