"""``notecast index`` over the real vault (21,273 files), when it is present.

The archive lives outside the repository, in ``../shared/corpus``; a fresh clone has no
such folder and these tests skip. Together they take about 20-30 s (unpacking ~3 s, one
cold build ~10 s, one warm sync, one ``stats``); each command has a time limit.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import unicodedata
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
ARCHIVE = CORPUS / "tubegraph-content.tar.xz"

if not ARCHIVE.is_file():
    pytest.skip("real vault not present: ../shared/corpus", allow_module_level=True)

COMMAND_TIMEOUT = 120  # seconds; a cold build takes ~10 s on two cores


def _key(name: str) -> str:
    """A folder or file name compared as the vault's author meant it: invisible format
    characters (U+2068 and the like) dropped, case folded."""
    text = "".join(ch for ch in name if unicodedata.category(ch) != "Cf")
    return unicodedata.normalize("NFKC", text).strip().casefold()


def _notecast(*args: str) -> tuple[dict[str, Any], str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NOTECAST_")}
    proc = subprocess.run(
        [sys.executable, "-m", "bot", *args], cwd=REPO_ROOT, env=env,
        capture_output=True, text=True, timeout=COMMAND_TIMEOUT, check=False,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "Traceback" not in proc.stderr, proc.stderr[-3000:]
    return json.loads(proc.stdout.strip().splitlines()[-1]), proc.stderr


class Tree:
    """What the unpacked vault holds, worked out from the files themselves."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.files: list[str] = []
        for dirpath, dirnames, filenames in os.walk(root):
            dirnames[:] = [d for d in dirnames if not d.startswith(".")]
            self.files += [Path(dirpath, f).relative_to(root).as_posix()
                           for f in filenames if not f.startswith(".")]
        self.folders = [p.name for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")]
        self.hubs = [f for f in self.files if f.count("/") == 1 and f.endswith(".md")
                     and _key(f.split("/")[0]) == _key(f.split("/")[1][:-3])]
        self.notes = [f for f in self.files if f.count("/") == 1 and f.endswith(".md")
                      and f not in set(self.hubs)]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Tree:
    target = tmp_path_factory.mktemp("corpus")
    subprocess.run(["tar", "-xJf", str(ARCHIVE), "-C", str(target)], check=True,
                   timeout=COMMAND_TIMEOUT)
    return Tree(target / "content")


@pytest.fixture(scope="module")
def cold(corpus: Tree, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    db = tmp_path_factory.mktemp("cache") / "notes.db"
    report, _ = _notecast("index", "--notes", str(corpus.root), "--db", str(db), "--json")
    return db, report


def test_tree_is_the_documented_vault(corpus: Tree) -> None:
    """Guards the expectations below: the archive is the one the README describes."""
    assert len(corpus.files) == 21_273
    assert len(corpus.folders) == 81
    assert len(corpus.notes) == 21_189


def test_cold_index_accounts_for_every_file(corpus: Tree, cold: tuple[Path, dict[str, Any]]) -> None:
    db, report = cold
    assert report["mode"] == "cold"
    assert report["files"] == len(corpus.files)
    assert report["notes"] == len(corpus.notes)
    assert report["channels"] == len(corpus.folders)
    assert report["hubs"] == len(corpus.hubs)
    con = sqlite3.connect(db)
    try:
        kinds = Counter(dict(con.execute("SELECT kind, COUNT(*) FROM files GROUP BY kind")))
        paths = {row[0] for row in con.execute("SELECT path FROM files")}
        note_paths = {row[0] for row in con.execute("SELECT path FROM notes")}
    finally:
        con.close()
    skipped = report["skipped"]
    # every file is a note, a hub, the directory, or skipped with a reason; none twice
    assert report["notes"] + report["hubs"] + kinds["directory"] + len(skipped) == len(corpus.files)
    assert paths == set(corpus.files)
    assert note_paths == set(corpus.notes)
    assert all(entry["reason"] for entry in skipped), skipped
    assert not [e for e in skipped if "parser error" in e["reason"]]
    assert len(skipped) == kinds["ignored"] + kinds["skipped"]
    assert report["parsed"] + kinds["ignored"] == len(corpus.files)  # all read once
    # the parts of the notes made it in
    assert report["episodes"] > 5_000
    assert report["sections"] > report["notes"]
    assert report["timestamps"] > 500_000 and report["links"] > 100_000
    assert report["blockquotes"] > 1_000


def test_stats_agree_with_the_index(corpus: Tree, cold: tuple[Path, dict[str, Any]]) -> None:
    db, report = cold
    stats, _ = _notecast("stats", "--db", str(db), "--json")
    for key in ("notes", "channels", "hubs", "episodes", "sections", "links", "timestamps",
                "blockquotes"):
        assert stats[key] == report[key], key
    assert stats["files"] == len(corpus.files)


def test_second_run_is_incremental_and_reads_nothing(corpus: Tree,
                                                    cold: tuple[Path, dict[str, Any]]) -> None:
    db, first = cold
    report, _ = _notecast("index", "--notes", str(corpus.root), "--db", str(db), "--json")
    assert report["mode"] == "incremental"
    assert (report["parsed"], report["removed"]) == (0, 0)
    con = sqlite3.connect(db)
    try:
        ignored = con.execute("SELECT COUNT(*) FROM files WHERE kind = 'ignored'").fetchone()[0]
    finally:
        con.close()
    assert report["unchanged"] + ignored == len(corpus.files)
    assert len(report["skipped"]) == len(first["skipped"])
    for key in ("notes", "channels", "hubs", "episodes", "sections", "timestamps"):
        assert report[key] == first[key], key
