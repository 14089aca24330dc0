"""The ``notecast`` command line, run as users run it (a subprocess, real files)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from bot.config import SAMPLE_VAULT

INDEX_KEYS = {"notes", "channels", "hubs", "sections", "links", "timestamps", "blockquotes",
              "parsed", "unchanged", "removed", "skipped", "seconds"}


def notecast(*args: str, stdin: str = "", env: dict[str, str] | None = None,
             cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items()
            if not k.startswith(("NOTECAST_", "DISCORD_TOKEN"))}
    return subprocess.run(
        [sys.executable, "-m", "bot", *args], input=stdin, capture_output=True, text=True,
        env={**base, **(env or {})}, cwd=cwd, timeout=120, check=False,
    )


def test_index_json_accounts_for_every_file(tmp_path: Path) -> None:
    db = tmp_path / "cache.db"
    result = notecast("index", "--notes", str(SAMPLE_VAULT), "--db", str(db), "--json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report.keys() >= INDEX_KEYS
    assert report["notes"] == 12 and report["channels"] == 2 and report["hubs"] == 2
    files = sum(1 for p in SAMPLE_VAULT.rglob("*") if p.is_file())
    assert report["parsed"] + len(report["skipped"]) == files
    assert all(item["reason"] for item in report["skipped"])
    again = json.loads(notecast("index", "--notes", str(SAMPLE_VAULT), "--db", str(db),
                                "--json").stdout)
    assert again["parsed"] == 0 and again["unchanged"] == report["parsed"]


def test_stats_reads_the_cache_without_syncing(tmp_path: Path) -> None:
    db = tmp_path / "cache.db"
    missing = notecast("stats", "--db", str(db))
    assert missing.returncode == 1 and "notecast index" in missing.stderr
    notecast("index", "--notes", str(SAMPLE_VAULT), "--db", str(db))
    stats = json.loads(notecast("stats", "--db", str(db), "--json").stdout)
    assert stats["notes"] == 12 and stats["last_sync"]
    assert [s["path"] for s in stats["skipped"]] == ["index.md"]


def test_index_of_a_missing_folder_says_so(tmp_path: Path) -> None:
    result = notecast("index", "--notes", str(tmp_path / "nope"), "--db", str(tmp_path / "c.db"))
    assert result.returncode == 1
    assert "notes folder not found" in result.stderr
    assert "Traceback" not in result.stderr


def test_run_without_a_token_explains_and_opens_the_console(tmp_path: Path) -> None:
    result = notecast("run", "--db", str(tmp_path / "c.db"), stdin="/stats\n")
    assert result.returncode == 0, result.stderr
    assert "No Discord token is set" in result.stderr
    assert "notecast console" in result.stderr
    assert "## Notecast: what I know" in result.stdout


def test_the_token_is_not_logged(tmp_path: Path) -> None:
    token = "MTIzNDU2.Gh7x.secret-value-that-must-not-leak"
    result = notecast("--log-level", "DEBUG", "sync-commands", "--guild", "1",
                      env={"DISCORD_TOKEN": token, "NOTECAST_DB": str(tmp_path / "c.db")})
    assert "secret-value-that-must-not-leak" not in result.stderr + result.stdout
    assert "Traceback" not in result.stderr


def test_a_bad_setting_is_a_clear_error(tmp_path: Path) -> None:
    result = notecast("stats", env={"NOTECAST_RESYNC_MINUTES": "often"})
    assert result.returncode == 2
    assert "resync_minutes" in result.stderr and "Traceback" not in result.stderr
