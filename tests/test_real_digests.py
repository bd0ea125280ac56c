"""The real digests in `../shared/digests/real/` and `real2/`, read in place (data from public
repositories stays out of this repo): exact counts and fields per file, from each folder's SOURCES.md."""

from __future__ import annotations

from pathlib import Path

import pytest

from loaders import parse_bytes

from .conftest import SHARED

REAL = SHARED / "digests" / "real"
REAL2 = SHARED / "digests" / "real2"
pytestmark = pytest.mark.skipif(not REAL.is_dir(), reason="../shared/digests is not beside this checkout")


def parse(path: Path, format_name: str | None = None):
    return parse_bytes(path.read_bytes(), path.name, format_name)


def by_id(result, paper_id: str):
    return next(p for p in result.papers if p.paper_id == paper_id)


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


# real2/SOURCES.md: file: (format, records, distinct ids, with abstract, with authors, with arXiv id, with DOI)
REAL2_COUNTS = {
    "arxiv_bot_json_markdown-rows_cv-arxiv-daily_2022-12-26.json": ("json-records", 1024, 948, 0, 1024, 1024, 0),
    "arxiv_bot_readme_abstract-details_dailyarxiv_2026-08-21.md": ("text-records", 251, 249, 251, 0, 251, 2),
    "arxiv_bot_readme_tables_cv-arxiv-daily_2022-12-26.md": ("text-records", 1024, 948, 0, 1024, 1024, 0),
    # 1300 rows, 1101 with an arXiv link (1098 distinct); the rest link to blogs and journals
    "awesome_weekly_tables_ml-papers-of-the-week_2025-07-20.md": ("text-records", 1300, 1297, 1269, 0, 1101, 0),
    "csl-json_manubot_context-review_2026-07-24.json": ("json-records", 258, 253, 183, 257, 149, 212),
    "medline_text_biopython_pubmed_result2.txt": ("medline", 4, 4, 4, 4, 0, 3),
    "oai-pmh_arxiv-format_getrecord-12-records_hepcrawl_2016.xml": ("xml-records", 12, 12, 12, 12, 12, 1),
    "oai-pmh_arxiv-format_hep-th_2017-12-14.xml": ("xml-records", 3, 3, 3, 3, 3, 2),
    "pubmed_efetch_xml_biopython_2025-dtd.xml": ("xml-records", 2, 2, 2, 2, 0, 2),
    "pubmed_xml_web-export_pubmr_2019.xml": ("xml-records", 93, 93, 92, 93, 0, 93),
    "ris_ovid-psycinfo_numbered_asreview_2019.ris": ("ris", 6, 6, 6, 6, 0, 6),
    "ris_scopus_export_asreview_2019-11-18.ris": ("ris", 6, 6, 6, 6, 0, 6),
    "ris_zotero_crlf_asreview-baseline_2024.ris": ("ris", 100, 100, 98, 100, 0, 100),
    "s2_api_paper-batch_with-null_2024-12.json": ("json-records", 3, 3, 3, 3, 0, 3),
    "wos_tagged-plaintext_rispy-example_2004.ris": ("ris", 2, 2, 2, 2, 0, 2),
}


def test_every_real2_sample_is_listed() -> None:
    assert {p.name for p in REAL2.iterdir() if p.name != "SOURCES.md"} == set(REAL2_COUNTS)


@pytest.mark.parametrize("name", sorted(REAL2_COUNTS))
def test_real2_sample_counts(name: str) -> None:
    fmt, records, distinct, abstracts, authors, arxiv, doi = REAL2_COUNTS[name]
    papers = parse(REAL2 / name).papers
    assert parse(REAL2 / name).format == fmt
    assert (len(papers), len({p.paper_id for p in papers})) == (records, distinct)
    assert sum(bool(p.abstract) for p in papers) == abstracts
    assert sum(bool(p.authors) for p in papers) == authors
    assert (sum(bool(p.arxiv_id) for p in papers), sum(bool(p.doi) for p in papers)) == (arxiv, doi)
    for paper in papers:  # every record has a line, a clean one-line title, and a paper date where the file gives one
        assert paper.line and paper.title and "\n" not in paper.title and "  " not in paper.title
        assert "**" not in paper.title and "<" not in paper.title[:1]
        assert "<details" not in paper.abstract and "<br>" not in paper.abstract


def test_bot_readme_and_its_json_agree() -> None:
    readme = parse(REAL2 / "arxiv_bot_readme_tables_cv-arxiv-daily_2022-12-26.md")
    rows = parse(REAL2 / "arxiv_bot_json_markdown-rows_cv-arxiv-daily_2022-12-26.json")
    first = by_id(readme, "2212.11770")
    assert first.title == "S-Graphs+: Real-time Localization and Mapping leveraging Hierarchical Representations"
    assert first.authors == ["Hriday Bavle"] and first.published == "2022-12-22" and first.extra["section"] == "SLAM"
    assert first.links == ["http://arxiv.org/abs/2212.11770v1"]  # the literal `null` code cell is no link
    older = by_id(rows, "2110.07546")
    assert older.title.startswith("Active SLAM over Continuous Trajectory") and older.published == "2021-10-14"
    common = {p.paper_id for p in readme.papers} & {p.paper_id for p in rows.papers}
    assert len(common) > 900
    titles = {p.paper_id: "".join(p.title.split()) for p in rows.papers}  # the bot spaces `Mu$^{2}$ SLAM` in one
    differ = [p.title for p in readme.papers if p.paper_id in common and titles[p.paper_id] != "".join(p.title.split())]
    assert differ == ["DYP-SLAM: A Real-time Visual SLAM Based on YOLO and Probability in Dynamic Environments"]
    # (retitled in the three days between the JSON's last change and the README's)


def test_abstracts_in_details_and_titles_run_into_summaries() -> None:
    details = by_id(parse(REAL2 / "arxiv_bot_readme_abstract-details_dailyarxiv_2026-08-21.md"), "2608.19171")
    assert details.title.startswith("Lévy Attention: Single-Pass Predictive Uncertainty")
    assert details.abstract.startswith("Deep models for irregularly-sampled time series") and not details.authors
    assert details.published == "2026-08-19" and details.extra["comment"] == "23 pages, 2 figures. Under review at TMLR"
    weekly = parse(REAL2 / "awesome_weekly_tables_ml-papers-of-the-week_2025-07-20.md").papers
    assert weekly[0].title == "Ultra-Fast Diffusion-based Language Models" and weekly[0].arxiv_id == "2506.17298"
    assert weekly[0].abstract.startswith("This paper introduces Mercury")
    assert weekly[1].title == "MEM1"
    last = weekly[-2]  # an old week: `**Title** - summary`, `Q\&A` escaped
    assert last.title == "Iterated Decomposition: Improving Science Q&A by Supervising Reasoning Processes"
    assert last.arxiv_id == "2301.01751"


def test_tagged_exports_ris_wos_medline() -> None:
    zotero = parse(REAL2 / "ris_zotero_crlf_asreview-baseline_2024.ris").papers[0]
    assert zotero.title == "An open source machine learning framework for efficient and transparent systematic reviews"
    assert zotero.authors[:2] == ["Rens van de Schoot", "Jonathan de Bruin"]
    assert (zotero.doi, zotero.published, zotero.paper_id) == (
        "10.1038/s42256-020-00287-7",
        "2021-02-01",
        "doi:10.1038/s42256-020-00287-7",
    )
    scopus = parse(REAL2 / "ris_scopus_export_asreview_2019-11-18.ris").papers[0]
    assert scopus.authors[0] == "A. Labanski" and scopus.extra["venue"] == "Psychoneuroendocrinology"
    assert scopus.abstract.endswith("© 2019 Elsevier Ltd")
    ovid = parse(REAL2 / "ris_ovid-psycinfo_numbered_asreview_2019.ris").papers[0]
    assert ovid.doi == "10.1002/cpp.2398" and ovid.published == "2019"
    assert ovid.abstract.startswith("Considering that self-criticism")  # N2, not AB
    wos = parse(REAL2 / "wos_tagged-plaintext_rispy-example_2004.ris").papers[0]
    assert wos.title == (
        "Interactions stabilizing the structure of the core light-harvesting complex (LHl) of photosynthetic "
        "bacteria and its subunit (B820)"
    )
    assert wos.published == "2004" and wos.extra["venue"] == "Biochemistry" and wos.authors[0] == "PS Parkes-Loach"
    medline = parse(REAL2 / "medline_text_biopython_pubmed_result2.txt").papers[0]
    assert (medline.pmid, medline.published, medline.authors[0]) == ("16403221", "2006", "James A Casbon")
    assert medline.abstract.startswith("BACKGROUND: Benchmarking algorithms") and "  " not in medline.abstract


def test_oai_pmh_and_pubmed_xml() -> None:
    hep = by_id(parse(REAL2 / "oai-pmh_arxiv-format_hep-th_2017-12-14.xml"), "1412.8323")
    assert hep.title == "Toolbox for reconstructing quantum theory from rules on information acquisition"
    assert hep.authors == ["Philipp A Hoehn"] and hep.published == "2014-12-29"  # created, not the datestamp
    assert hep.extra["categories"].startswith("quant-ph gr-qc hep-th") and hep.abstract.startswith("We develop")
    twelve = parse(REAL2 / "oai-pmh_arxiv-format_getrecord-12-records_hepcrawl_2016.xml").papers
    assert twelve[0].arxiv_id == "1601.03238"  # the one <arXiv> without a namespace
    assert any("Günter" in a for p in twelve for a in p.authors)
    pubmed = parse(REAL2 / "pubmed_xml_web-export_pubmr_2019.xml").papers[0]
    assert (pubmed.pmid, pubmed.doi, pubmed.published) == ("30527807", "10.1016/j.bbrc.2018.11.161", "2019-01-15")
    assert pubmed.paper_id == "doi:10.1016/j.bbrc.2018.11.161"
    efetch = parse(REAL2 / "pubmed_efetch_xml_biopython_2025-dtd.xml").papers
    assert efetch[0].published == "2001-06" and "<" in efetch[0].abstract  # `&lt;` decoded, not markup


def test_csl_json_and_semantic_scholar() -> None:
    csl = parse(REAL2 / "csl-json_manubot_context-review_2026-07-24.json").papers
    vae = next(p for p in csl if p.arxiv_id == "1312.6114")  # from `DOI: 10.48550/arxiv.1312.6114`
    assert vae.title == "Auto-Encoding Variational Bayes" and vae.published == "2013"
    assert any(p.arxiv_id == "1610.01644" for p in csl)  # from `container-title: ArXiv`, `volume: abs/…`
    assert any(a == "Léon Bottou" for p in csl for a in p.authors)
    bellman = next(p for p in csl if p.title == "A Markovian Decision Process")
    assert bellman.authors == ["Richard Bellman"] and bellman.published == "1957"
    s2 = parse(REAL2 / "s2_api_paper-batch_with-null_2024-12.json")
    assert [p.authors[1] for p in s2.papers][:1] == ["E. Duflo"] and s2.papers[0].published == "2001-10-01"
    assert "null" in str(s2.warnings[0])


# The paper's own date (as the source states it), per file: `benchmarks.sample_counts`' last column.
OWN_DATES = {
    "real/arxiv_api_atom_2016_legacy_au-del_maestro.xml": 10,
    "real/arxiv_api_atom_2026_query-testing_100.xml": 100,
    "real/arxiv_email_astro-ph_daily_2023-03-03.txt": 57,
    "real/arxiv_email_cs.CV-RO_2024-11-07.eml": 108,
    "real/arxiv_email_q-fin_daily_2023-03-17.txt": 13,
    "real/arxiv_rss2-shaped_filtered_feed_2025-08-06.xml": 65,
    "real/arxiv_rss_feedparser-cache_cs.CL+CV+MM+LG+SI_2025-04-24.json": 379,
    "real/google_scholar_alert_2019-12-10_decoded.html": 0,
    "real/google_scholar_alerts_gmail-api_read.json": 0,
    "real/google_scholar_alerts_gmail-api_unread.json": 0,
    "real/hf_api_daily_papers_2024-06-18.json": 26,
    "real/hf_api_daily_papers_2024-12-11_MANGLED_pyrepr_strings.json": 26,
    "real/hf_api_daily_papers_2026-05-29.json": 45,
    "real/hf_daily_markdown_ko-summaries_2025-02-21.md": 0,
    "real/hf_daily_scraped_json_2024-10-10.json": 0,
    "real/hf_daily_scraped_json_2026-08-22_atharvadomale.json": 0,
    "real/hf_papers_jsonfeed_scraped_2025-10-05.json": 52,
    "real/hf_papers_jsonfeed_scraped_2026-08-22.json": 26,
    "real/hf_papers_rss2_scraped_2025-03-05.xml": 23,
    "real/zotero_export_ml_with_abstracts.bib": 232,
    "real/zotero_export_ml_with_abstracts.csv": 217,
    "real2/arxiv_bot_json_markdown-rows_cv-arxiv-daily_2022-12-26.json": 1024,
    "real2/arxiv_bot_readme_abstract-details_dailyarxiv_2026-08-21.md": 251,
    "real2/arxiv_bot_readme_tables_cv-arxiv-daily_2022-12-26.md": 1024,
    "real2/awesome_weekly_tables_ml-papers-of-the-week_2025-07-20.md": 0,
    "real2/csl-json_manubot_context-review_2026-07-24.json": 258,
    "real2/medline_text_biopython_pubmed_result2.txt": 4,
    "real2/oai-pmh_arxiv-format_getrecord-12-records_hepcrawl_2016.xml": 12,
    "real2/oai-pmh_arxiv-format_hep-th_2017-12-14.xml": 3,
    "real2/pubmed_efetch_xml_biopython_2025-dtd.xml": 2,
    "real2/pubmed_xml_web-export_pubmr_2019.xml": 93,
    "real2/ris_ovid-psycinfo_numbered_asreview_2019.ris": 6,
    "real2/ris_scopus_export_asreview_2019-11-18.ris": 6,
    "real2/ris_zotero_crlf_asreview-baseline_2024.ris": 100,
    "real2/s2_api_paper-batch_with-null_2024-12.json": 3,
    "real2/wos_tagged-plaintext_rispy-example_2004.ris": 2,
}


@pytest.mark.parametrize("name", sorted(OWN_DATES))
def test_real_sample_own_dates(name: str) -> None:
    """Atom `published`, arXiv e-mail `Date:` lines, BibTeX/CSV/RIS years…: the paper's date, never a seen one."""
    result = parse(SHARED / "digests" / name)
    assert sum(bool(p.published) for p in result.papers) == OWN_DATES[name]
