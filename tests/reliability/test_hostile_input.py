"""Hostile input: digest text and sync files from the internet. Escape sequences (OSC 52 clipboard
writes, OSC 8 links, CSI colours), Rich markup, controls, bidi overrides, NUL bytes, 1 MB lines and
100k-paper files are shown literally or stripped, never interpreted, never a crash: in the TUI, in
`--json` output and in exports. Hostile sync files are refused with nothing changed. External
programs never go through a shell."""

from __future__ import annotations

import subprocess
from pathlib import Path

import orjson
import pytest

from paperterm.external import ExternalError, edit_text, safe_url
from paperterm.library import Library
from paperterm.sync import export_file
from tests.conftest import state_bytes
from tui.app import PapertermApp
from tui.widgets.paper_detail import PaperDetail

from ..test_cli import run
from ..test_tui import rendered, settle

OSC52 = "\x1b]52;c;cm0gLXJmIH4K\x07"  # "write `rm -rf ~` to the clipboard"
OSC8 = "\x1b]8;;file:///etc/passwd\x1b\\click\x1b]8;;\x1b\\"
CSI = "\x1b[31;1m\x1b[2J"
MARKUP = "[bold red]Boom[/] [link=file:///etc/passwd]x[/link]"
RLO = "\u202eevil\u202c"
TITLE = f"Hostile {MARKUP} {OSC52}{OSC8}{CSI}{RLO} Title\x07\x08 End"
ABSTRACT = f"An abstract with {MARKUP}, {OSC52} and {CSI} and a bell\x07, which is long enough to be an abstract. " * 3
FORBIDDEN = ("\x1b", "\x07", "\x9b", "\x9d", "\u202e", "\x08")


def hostile_digest(tmp_path: Path) -> Path:
    path = tmp_path / "hostile.txt"
    path.write_text(f"Daily Papers\n\nJan 6\n\n{TITLE}\n\n{ABSTRACT}\n")
    return path


def assert_clean(text: str) -> None:
    for bad in FORBIDDEN:
        assert bad not in text, repr(bad)


def test_hostile_text_is_literal_in_cli_json_and_exports(data_dir: Path, tmp_path: Path) -> None:
    assert run(data_dir, "import", str(hostile_digest(tmp_path))).returncode == 0
    library = Library.open(data_dir)
    (paper,) = library.papers.values()
    assert "[bold red]Boom[/]" in paper.title and "[link=file:///etc/passwd]" in paper.title
    run(data_dir, "bookmark", paper.id)
    outputs = [
        run(data_dir, "list", "--json").stdout.decode(),
        run(data_dir, "list").stdout.decode(),
        run(data_dir, "show", paper.id).stdout.decode(),
        run(data_dir, "search", "Hostile", "--json").stdout.decode(),
    ]
    for fmt in ("json", "bibtex", "markdown", "csv"):
        out = tmp_path / f"export.{fmt}"
        assert run(data_dir, "bookmarks", "export", str(out), "--format", fmt).returncode == 0
        outputs.append(out.read_text())
    for text in outputs:
        assert_clean(text)
    assert "[bold red]Boom[/]" in outputs[0] and "[bold red]Boom[/]" in outputs[2]


async def test_hostile_text_is_literal_in_the_tui(data_dir: Path, tmp_path: Path) -> None:
    Library.open(data_dir).import_paths([str(hostile_digest(tmp_path))])
    app = PapertermApp(data_dir, watch=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        shown = rendered(app.main.query_one(PaperDetail).content)
        assert "[bold red]Boom[/] [link=file:///etc/passwd]x[/link]" in shown
        assert_clean(shown)
        await pilot.press("y", "enter")  # copy the title: Textual base64-encodes it into its own OSC 52
        await pilot.pause(0.1)
        assert app.clipboard.startswith("Hostile [bold red]Boom[/]")
        assert_clean(app.clipboard)
        await pilot.press("enter")  # the reader
        await pilot.pause(0.2)
        await pilot.press("escape")
        assert app.is_running


def test_nul_bytes_are_refused_naming_file_and_line(data_dir: Path, tmp_path: Path) -> None:
    path = tmp_path / "nul.txt"
    path.write_bytes(b"Daily Papers\n\nA title\n\nAn abstract\x00 with a NUL\n")
    done = run(data_dir, "import", str(path))
    assert done.returncode == 1
    assert f"{path}:5".encode() in done.stderr and b"binary" in done.stderr
    assert not (data_dir / "library" / "manifest.json").exists()  # nothing changed


def test_a_one_megabyte_line(data_dir: Path, tmp_path: Path) -> None:
    path = tmp_path / "long.txt"
    abstract = ("word " * 200_000).strip() + "."
    path.write_text(f"Daily Papers\n\nJan 6\n\nA Paper With a Very Long Abstract\n\n{abstract}\n\n{'x' * 1_000_000}\n")
    done = run(data_dir, "import", str(path))
    assert done.returncode in (0, 1), done.stderr
    library = Library.open(data_dir)
    if done.returncode == 0:
        assert any(len(p.abstract) >= 1_000_000 for p in library.papers.values())
    else:
        assert str(path).encode() in done.stderr


@pytest.mark.parametrize("papers", [20_000, pytest.param(100_000, marks=pytest.mark.slow)])
def test_a_huge_digest_file(data_dir: Path, tmp_path: Path, papers: int) -> None:
    path = tmp_path / "huge.txt"
    blocks = [
        f"Paper {i}: On Scale Number {i}\n\nWe study scale {i} in a digest that is very large indeed."
        for i in range(papers)
    ]
    path.write_text("Daily Papers\n\nJan 6\n\n" + "\n\n".join(blocks) + "\n")
    assert run(data_dir, "import", str(path)).returncode == 0
    assert len(Library.open(data_dir).papers) == papers


# -- hostile sync files ----------------------------------------------------------------


def good_sync_file(seeded: Library, tmp_path: Path) -> dict:
    paper = sorted(seeded.papers)[0]
    seeded.bookmark(paper)
    seeded.set_note(paper, "a note")
    seeded.set_status(paper, "read")
    path = tmp_path / "good.json"
    export_file(seeded, path)
    return orjson.loads(path.read_bytes())


def mutations(value: object, path: tuple = ()) -> list[tuple[tuple, object]]:
    """Every position in the JSON tree, with a value of the wrong type for it."""
    found: list[tuple[tuple, object]] = []
    wrong = {str: 12345, int: "12", float: "x", bool: "yes", list: {"a": 1}, dict: ["a"], type(None): {"x": []}}
    if path:
        found.append((path, wrong.get(type(value))))
    if isinstance(value, dict):
        for key, child in value.items():
            found += mutations(child, (*path, key))
    elif isinstance(value, list):
        for index, child in enumerate(value[:2]):
            found += mutations(child, (*path, index))
    return found


def mutated(payload: dict, path: tuple, value: object) -> dict:
    copy = orjson.loads(orjson.dumps(payload))
    target = copy
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return copy


def test_every_field_of_a_sync_file_with_the_wrong_type_is_refused(
    seeded: Library, data_dir: Path, tmp_path: Path
) -> None:
    payload = good_sync_file(seeded, tmp_path)
    state_before = state_bytes(data_dir)
    tried = refused = 0
    for position, value in mutations(payload):
        path = tmp_path / "bad.json"
        path.write_bytes(orjson.dumps(mutated(payload, position, value)))
        done = run(data_dir, "bookmarks", "import", str(path))
        tried += 1
        if done.returncode != 0:
            refused += 1
            assert str(path).encode() in done.stderr, position
            assert state_bytes(data_dir) == state_before, position
        else:  # accepted only where the wrong value is harmless (e.g. an optional display field)
            Library.open(data_dir)
    print(f"\nsync mutations: {tried} tried, {refused} refused, the rest harmless and loadable")
    assert tried > 40 and refused >= tried * 0.8, (tried, refused)


@pytest.mark.parametrize(
    "hostile",
    [
        "path traversal list id",
        "path traversal paper id",
        "deeply nested",
        "huge",
        "not json",
        "newer schema",
    ],
)
def test_hostile_sync_files_are_refused(seeded: Library, data_dir: Path, tmp_path: Path, hostile: str) -> None:
    payload = good_sync_file(seeded, tmp_path)
    before = state_bytes(data_dir)
    path = tmp_path / "hostile.json"
    if hostile == "path traversal list id":
        payload["lists"].append({**payload["lists"][0], "id": "../../etc/passwd", "name": "x"})
        payload["entries"][0]["list"] = "../../etc/passwd"
        path.write_bytes(orjson.dumps(payload))
    elif hostile == "path traversal paper id":
        text = orjson.dumps(payload).decode().replace(sorted(seeded.papers)[0], "../../../../tmp/owned")
        path.write_text(text)
    elif hostile == "deeply nested":
        path.write_text(
            '{"schema_version": 1, "kind": "paperterm-sync", "state": ' + "[" * 100_000 + "]" * 100_000 + "}"
        )
    elif hostile == "huge":
        with open(path, "wb") as handle:  # sparse: 300 MiB on paper, nothing on disk
            handle.truncate(300 * 2**20)
    elif hostile == "not json":
        path.write_bytes(b"\x00\x01garbage")
    else:
        payload["schema_version"] = 99
        path.write_bytes(orjson.dumps(payload))
    done = run(data_dir, "bookmarks", "import", str(path))
    assert done.returncode == 1, done.stdout
    assert str(path).encode() in done.stderr
    assert state_bytes(data_dir) == before
    assert not Path("/tmp/owned").exists()


# -- external programs -------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "file:///etc/passwd",
        "data:text/html,x",
        "https://x.org/a b",
        "https://x\n.org",
        "//x.org",
    ],
)
def test_only_http_links_are_opened(url: str) -> None:
    with pytest.raises(ExternalError):
        safe_url(url)


def test_the_editor_runs_without_a_shell(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[object, dict]] = []

    def fake_run(args: object, **kwargs: object) -> subprocess.CompletedProcess:
        calls.append((args, kwargs))
        Path(args[-1]).write_text("edited")  # type: ignore[index]
        return subprocess.CompletedProcess(args, 0)

    monkeypatch.setattr(subprocess, "run", fake_run)
    monkeypatch.setenv("EDITOR", "vim -u NONE; rm -rf ~")
    assert edit_text("before") == "edited"
    ((args, kwargs),) = calls
    assert isinstance(args, list) and args[:3] == ["vim", "-u", "NONE;"] and not kwargs.get("shell")


async def test_the_app_opens_only_http_links(data_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    digest = tmp_path / "links.json"
    digest.write_text(
        orjson.dumps(
            [{"title": "A Paper With a Bad Link", "abstract": "x" * 300, "url": "javascript:alert(1)"}]
        ).decode()
    )
    Library.open(data_dir).import_paths([str(digest)])
    app = PapertermApp(data_dir, watch=False)
    opened: list[str] = []
    monkeypatch.setattr(app, "open_url", lambda url, **_: opened.append(url))
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("o")
        await pilot.pause(0.1)
    assert all(u.startswith("https://arxiv.org/") for u in opened)  # the arXiv search, never the javascript: link
