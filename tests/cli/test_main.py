"""The ``notecast`` command line, run as users run it: a subprocess started in a folder
of its own, with only the flags a user would pass; we check what it prints and what it
leaves on disk."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

from bot.config import SAMPLE_VAULT
from tests.cli.helpers import notecast, notecast_on_terminal, user_env, write_vault

LOG_LINE = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+ (DEBUG|INFO|WARNING) ")
INDEX_KEYS = {"notes", "channels", "hubs", "sections", "links", "timestamps", "blockquotes",
              "parsed", "unchanged", "removed", "skipped", "seconds"}


def one_line_error(result: subprocess.CompletedProcess[str]) -> str:
    """The one ``notecast: ...`` line of a failed command (beside log lines), exit code 2."""
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if not LOG_LINE.match(line)]
    assert len(lines) == 1 and lines[0].startswith("notecast: "), result.stderr
    return lines[0]


def _stats(tmp_path: Path, *args: str) -> dict[str, object]:
    result = notecast("stats", "--json", *args, tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_index_json_accounts_for_every_file(tmp_path: Path) -> None:
    db = tmp_path / "cache.db"
    result = notecast("index", "--notes", str(SAMPLE_VAULT), "--db", str(db), "--json", tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report.keys() >= INDEX_KEYS
    assert report["notes"] == 12 and report["channels"] == 2 and report["hubs"] == 2
    files = sum(1 for p in SAMPLE_VAULT.rglob("*") if p.is_file())
    assert report["parsed"] + len(report["skipped"]) == files
    assert all(item["reason"] for item in report["skipped"])
    again = json.loads(notecast("index", "--notes", str(SAMPLE_VAULT), "--db", str(db), "--json",
                                tmp_path=tmp_path).stdout)
    assert again["parsed"] == 0 and again["unchanged"] == report["parsed"]


def test_stats_reads_the_cache_without_syncing(tmp_path: Path) -> None:
    db = tmp_path / "cache.db"
    missing = notecast("stats", "--db", str(db), tmp_path=tmp_path)
    assert "notecast index" in one_line_error(missing) and not db.exists()
    notecast("index", "--notes", str(SAMPLE_VAULT), "--db", str(db), tmp_path=tmp_path)
    stats = _stats(tmp_path, "--db", str(db))
    assert stats["notes"] == 12 and stats["last_sync"]
    assert [s["path"] for s in stats["skipped"]] == ["index.md"]  # type: ignore[attr-defined]
    text = notecast("stats", "--db", str(db), tmp_path=tmp_path).stdout
    assert f"built from the vault {SAMPLE_VAULT}" in text


def test_a_lookup_answers_from_the_cache_and_never_syncs(tmp_path: Path) -> None:
    """Before: ``topic --db FILE`` synced FILE with the sample vault (a cache of our vault
    became the 12 sample notes) and answered from the sample notes."""
    vault = write_vault(tmp_path / "vault", channels=2, notes_per_channel=3, words="tide")
    db = tmp_path / "ours.db"
    assert notecast("index", "--notes", str(vault), "--db", str(db), tmp_path=tmp_path).returncode == 0

    found = notecast("topic", "tide 1 2", "--db", str(db), "--json", tmp_path=tmp_path)
    assert found.returncode == 0, found.stderr
    assert json.loads(found.stdout)["results"][0]["slug"] == "tide_1_2"
    reply = notecast("topic", "tide 1 2", "--db", str(db), tmp_path=tmp_path)
    assert reply.returncode == 0, reply.stderr
    assert "Tide 1 2" in reply.stdout and "tunneling" not in reply.stdout.lower()
    for args in (("search", "tide pattern"), ("related", "show00/tide_0_1")):
        result = notecast(*args, "--db", str(db), "--json", tmp_path=tmp_path)
        assert result.returncode == 0, result.stderr

    stats = _stats(tmp_path, "--db", str(db))
    assert stats["notes"] == 6 and stats["notes_dir"] == os.path.realpath(vault)
    # a lookup has no vault to sync with
    refused = notecast("topic", "tide", "--notes", str(SAMPLE_VAULT), "--db", str(db), tmp_path=tmp_path)
    assert refused.returncode == 2 and "--notes" in refused.stderr


def test_the_default_cache_stays_with_the_vault_it_was_built_from(tmp_path: Path) -> None:
    """Before: with no flags at all, each command synced the default cache with the sample
    vault, so it flipped between vaults."""
    vault = write_vault(tmp_path / "vault", channels=1, notes_per_channel=4, words="ember")
    assert notecast("index", "--notes", str(vault), tmp_path=tmp_path).returncode == 0
    assert (tmp_path / "xdg-cache" / "notecast" / "notecast.db").is_file()

    answer = notecast("topic", "ember 0 3", "--json", tmp_path=tmp_path)
    assert json.loads(answer.stdout)["results"][0]["slug"] == "ember_0_3"
    assert _stats(tmp_path)["notes"] == 4

    other = notecast("index", tmp_path=tmp_path)  # the default vault: the sample notes
    assert "--rebuild" in one_line_error(other)
    assert _stats(tmp_path)["notes"] == 4

    rebuilt = notecast("index", "--rebuild", "--json", tmp_path=tmp_path)
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert _stats(tmp_path)["notes"] == 12


def test_a_vault_that_lost_its_notes_needs_allow_shrink(tmp_path: Path) -> None:
    vault = write_vault(tmp_path / "vault", channels=2, notes_per_channel=3)
    db = tmp_path / "c.db"
    assert notecast("index", "--notes", str(vault), "--db", str(db), tmp_path=tmp_path).returncode == 0
    for note in (vault / "show01").glob("tide_*.md"):
        note.unlink()
    for note in (vault / "show00").glob("tide_*.md"):
        note.unlink()
    refused = notecast("index", "--notes", str(vault), "--db", str(db), tmp_path=tmp_path)
    assert "--allow-shrink" in one_line_error(refused)
    assert _stats(tmp_path, "--db", str(db))["notes"] == 6
    shown = notecast("stats", "--db", str(db), tmp_path=tmp_path).stdout
    assert "last sync refused:" in shown and "holds 0 notes" in shown
    assert "read as " in shown  # how the vault was read (its layout)
    forced = notecast("index", "--notes", str(vault), "--db", str(db), "--allow-shrink", tmp_path=tmp_path)
    assert forced.returncode == 0, forced.stderr
    assert _stats(tmp_path, "--db", str(db))["notes"] == 0


def test_a_file_that_is_not_a_cache_is_left_alone(tmp_path: Path) -> None:
    """Before: ``stats --db notes.md`` emptied notes.md."""
    notes = tmp_path / "notes.md"
    notes.write_text("# My own notes\n\nNothing to do with Notecast.\n", encoding="utf-8")
    before = (notes.read_bytes(), notes.stat().st_mtime_ns)
    for args in (("stats",), ("topic", "notes"), ("index", "--notes", str(SAMPLE_VAULT))):
        result = notecast(*args, "--db", str(notes), tmp_path=tmp_path)
        assert str(notes) in one_line_error(result)
        assert (notes.read_bytes(), notes.stat().st_mtime_ns) == before


def test_a_closed_standard_output_is_no_error(tmp_path: Path) -> None:
    """``notecast stats --json | head -c 10``: before, a BrokenPipeError traceback."""
    db = tmp_path / "c.db"
    notecast("index", "--notes", str(SAMPLE_VAULT), "--db", str(db), tmp_path=tmp_path)
    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader is gone before anything is written: every write fails
    try:
        result = subprocess.run(
            [sys.executable, "-m", "bot", "stats", "--json", "--db", str(db)], stdout=write_end,
            stderr=subprocess.PIPE, text=True, env=user_env(tmp_path), cwd=tmp_path,
            timeout=60, check=False)
    finally:
        os.close(write_end)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    piped = subprocess.run(
        f"{sys.executable} -m bot stats --json --db {db} | head -c 10", shell=True,
        capture_output=True, text=True, env=user_env(tmp_path), cwd=tmp_path, timeout=60, check=False)
    assert len(piped.stdout) == 10 and piped.stderr == ""


def test_index_of_a_missing_folder_says_so(tmp_path: Path) -> None:
    result = notecast("index", "--notes", str(tmp_path / "nope"), "--db", str(tmp_path / "c.db"),
                      tmp_path=tmp_path)
    assert "notes folder not found" in one_line_error(result)


def test_run_without_a_token_explains_and_opens_the_console(tmp_path: Path) -> None:
    """``make run`` on a fresh machine (a terminal): no settings, no cache; the console
    syncs the bundled sample notes first, as the bot does."""
    result = notecast_on_terminal("run", typed="/stats\nquit\n", tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "No Discord token is set" in result.stderr
    assert "notecast console" in result.stderr
    assert "## Notecast: what I know" in result.stdout
    assert "**12** notes" in result.stdout
    assert "Traceback" not in result.stderr


def test_run_without_a_token_or_a_terminal_explains_and_exits_2(tmp_path: Path) -> None:
    """A container or a service (no terminal): before, the console started, read the
    empty input and exited 0, so the container restarted for ever without a word."""
    for env in ({}, {"DISCORD_TOKEN": "   "}):
        result = notecast("run", stdin="/stats\n", tmp_path=tmp_path, env=env)
        assert result.returncode == 2, result.stderr
        assert "No Discord token is set" in result.stderr and "DISCORD_TOKEN_FILE" in result.stderr
        assert result.stderr.splitlines()[-1] == (
            "notecast: no Discord token, and no terminal for the console: not started")
        assert result.stdout == "" and "Traceback" not in result.stderr
    assert not (tmp_path / "xdg-cache" / "notecast").exists()  # nothing synced


def test_an_empty_token_file_is_one_line_and_exit_2(tmp_path: Path) -> None:
    """Before: an empty DISCORD_TOKEN_FILE (a secret not written yet) meant no token."""
    empty = tmp_path / "discord_token"
    empty.write_text("\n  \n", encoding="utf-8")
    result = notecast("run", tmp_path=tmp_path, env={"DISCORD_TOKEN_FILE": str(empty)})
    assert one_line_error(result) == (
        f"notecast: DISCORD_TOKEN_FILE names an empty file ({empty}): write the secret in "
        "it, or unset DISCORD_TOKEN_FILE")


SECRET_TOKEN = "MTAfake.TOKEN.supersecretvalue123"


def test_an_error_line_never_shows_a_secret(tmp_path: Path) -> None:
    """Before: ``notecast: /tmp/xMTAfake.TOKEN...: notes folder not found``; the log lines
    were redacted, the error line was not."""
    for log_format in ("json", "text"):
        result = notecast("index", "--notes", str(tmp_path / f"x{SECRET_TOKEN}"), "--db",
                          str(tmp_path / "t.db"), tmp_path=tmp_path,
                          env={"NOTECAST_LOG_FORMAT": log_format, "DISCORD_TOKEN": SECRET_TOKEN})
        assert result.returncode == 2
        assert [line for line in result.stderr.splitlines() if line.startswith("notecast:")] == [
            f"notecast: {tmp_path}/x********: notes folder not found"]
        assert SECRET_TOKEN not in result.stderr + result.stdout
    from_file = tmp_path / "key"
    from_file.write_text("sk-key-from-a-file-0123\n", encoding="utf-8")
    result = notecast("stats", "--db", str(tmp_path / "sk-key-from-a-file-0123.db"),
                      tmp_path=tmp_path, env={"NOTECAST_LLM_API_KEY_FILE": str(from_file)})
    assert one_line_error(result).startswith(f"notecast: no notes cache at {tmp_path}/********.db")


def test_a_bad_value_typed_never_shows_a_secret(tmp_path: Path) -> None:
    env = {"DISCORD_TOKEN": SECRET_TOKEN}
    typed = notecast("sync-commands", "--guild", SECRET_TOKEN, tmp_path=tmp_path, env=env)
    assert typed.returncode == 2 and "--guild: invalid int value: '********'" in typed.stderr
    setting = notecast("stats", tmp_path=tmp_path, env={**env, "NOTECAST_OPS_PORT": SECRET_TOKEN})
    assert "'ops_port'" in one_line_error(setting)
    for result in (typed, setting):
        assert SECRET_TOKEN not in result.stderr + result.stdout


def test_the_token_is_not_logged(tmp_path: Path) -> None:
    token = "MTIzNDU2.Gh7x.secret-value-that-must-not-leak"
    result = notecast("--log-level", "DEBUG", "sync-commands", "--guild", "1", tmp_path=tmp_path,
                      env={"DISCORD_TOKEN": token, "NOTECAST_DB": str(tmp_path / "c.db")})
    assert "secret-value-that-must-not-leak" not in result.stderr + result.stdout
    assert "Traceback" not in result.stderr


def test_a_bad_setting_is_a_clear_error(tmp_path: Path) -> None:
    result = notecast("stats", env={"NOTECAST_RESYNC_MINUTES": "often"}, tmp_path=tmp_path)
    message = one_line_error(result)
    assert "resync_minutes" in message and "NOTECAST_RESYNC_MINUTES" in message


def test_settings_are_found_from_any_folder(tmp_path: Path) -> None:
    """Before: only ./config/notecast.toml was read, so from any other folder (``/``, a
    service's working directory) the settings were silently ignored."""
    vault = write_vault(tmp_path / "vault", channels=1, notes_per_channel=2, words="reef")
    settings_file = tmp_path / "xdg-config" / "notecast" / "notecast.toml"
    settings_file.parent.mkdir(parents=True)
    settings_file.write_text(f'[notecast]\nnotes_dir = "{vault}"\ndb = "data/reef.db"\n', encoding="utf-8")
    indexed = notecast("--log-level", "INFO", "index", tmp_path=tmp_path, cwd=Path("/"))
    assert indexed.returncode == 0, indexed.stderr
    assert f"settings file {settings_file}" in indexed.stderr
    db = settings_file.parent / "data" / "reef.db"  # relative to the file's folder
    assert _stats(tmp_path, "--db", str(db))["notes"] == 2

    missing = notecast("stats", tmp_path=tmp_path, env={"NOTECAST_CONFIG": str(tmp_path / "none.toml")})
    assert "none.toml" in one_line_error(missing)


def test_the_console_over_another_vaults_cache_answers_from_it_and_says_so(tmp_path: Path) -> None:
    vault = write_vault(tmp_path / "vault", channels=2, notes_per_channel=3)
    db = tmp_path / "c.db"
    assert notecast("index", "--notes", str(vault), "--db", str(db), tmp_path=tmp_path).returncode == 0
    result = notecast("console", "--db", str(db), stdin="/stats\n", tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "**6** notes" in result.stdout
    assert "--rebuild" in result.stderr and "Traceback" not in result.stderr
    assert _stats(tmp_path, "--db", str(db))["notes"] == 6
