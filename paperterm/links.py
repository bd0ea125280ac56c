"""A paper's links, named, for the app's open-link picker and `paperterm show`: the arXiv page,
the PDF, and whatever the digest linked (code, project pages, Hugging Face). Only http(s) links
are openable; the others are listed so the user sees why they are not."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urlparse

from .external import ExternalError, safe_url

if TYPE_CHECKING:
    from .paper import Paper


@dataclass(frozen=True, slots=True)
class Link:
    label: str
    url: str
    openable: bool


def _label(url: str) -> str:
    host = urlparse(url).netloc.lower().removeprefix("www.")
    path = urlparse(url).path.lower()
    if path.endswith(".pdf") or "/pdf/" in path:
        return "PDF"
    if host == "github.com" or host == "gitlab.com":
        return "Code"
    if host.endswith("huggingface.co"):
        return "Hugging Face"
    if host.endswith("arxiv.org"):
        return "arXiv"
    return host or "Link"


def pdf_url(paper: Paper) -> str | None:
    """The PDF: arXiv's for an arXiv paper, else a linked file ending in .pdf."""
    if paper.arxiv_id:
        return f"https://arxiv.org/pdf/{paper.arxiv_id}"
    return next((u for u in paper.links if _label(u) == "PDF"), None)


def paper_links(paper: Paper) -> list[Link]:
    """Every link of the paper, the arXiv page and PDF first, each once."""
    found: list[Link] = []
    seen: set[str] = set()

    def add(label: str, url: str) -> None:
        if url in seen:
            return
        seen.add(url)
        try:
            safe_url(url)
            openable = True
        except ExternalError:
            openable = False
        found.append(Link(label, url, openable))

    add("arXiv page" if paper.arxiv_id else "Search arXiv for the title", paper.url)
    pdf = pdf_url(paper)
    if pdf:
        add("PDF", pdf)
    for url in paper.links:
        add(_label(url), url)
    return found
