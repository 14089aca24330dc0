"""The shapes of vault that users keep: channel folders, one folder of notes, nesting."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from bot.vault.scan import VaultFile, VaultScan
from tests.vault.test_scan import by_path, scan, write

HUB = "---\ntitle: Kiln Talk\n---\n### [Glazes](https://www.youtube.com/watch?v=Gz7kQ1mN4pX)\n- [[glazes]]\n"


def kinds(result: VaultScan) -> dict[str, tuple[str, str | None, str | None]]:
    return {f.path: (f.kind, f.channel, f.slug) for f in result.files}


def notes(result: VaultScan) -> list[VaultFile]:
    return [f for f in result.files if f.kind == "note"]


@pytest.fixture
def one_folder(tmp_path: Path) -> Path:
    """A vault that is one podcast's folder of notes, as Obsidian users keep it."""
    root = tmp_path / "kilntalk"
    write(root / "kilntalk.md", HUB)
    write(root / "glazes.md")
    write(root / "cone_temperatures.md")
    write(root / "index.md")
    write(root / "directory.md", "- [[kilntalk | Kiln Talk]]\n")
    write(root / "kiln.png", "not a note")
    return root


def test_a_single_folder_of_notes_is_one_channel_with_its_hub(one_folder: Path) -> None:
    result = scan(one_folder)
    assert kinds(result) == {
        "cone_temperatures.md": ("note", "kilntalk", "cone_temperatures"),
        "directory.md": ("directory", None, None),
        "glazes.md": ("note", "kilntalk", "glazes"),
        "index.md": ("ignored", None, None),
        "kiln.png": ("ignored", None, None),
        "kilntalk.md": ("hub", "kilntalk", "kilntalk"),
    }
    assert by_path(result)["index.md"].reason == "the vault's index page, not a note"
    assert result.folders == {"kilntalk": "kilntalk"}
    assert result.layout == "a single folder of notes: kilntalk"


def test_a_single_folder_keeps_notes_in_its_subfolders(one_folder: Path) -> None:
    write(one_folder / "2024" / "firing_schedules.md")
    write(one_folder / "2024" / "deep" / "kilntalk.md")  # a hub only at the top
    result = scan(one_folder)
    files = kinds(result)
    assert files["2024/firing_schedules.md"] == ("note", "kilntalk", "firing_schedules")
    assert files["2024/deep/kilntalk.md"] == ("note", "kilntalk", "kilntalk")
    assert result.folders == {"kilntalk": "kilntalk"}
    assert result.layout == "a single folder of notes: kilntalk with nested subfolders"


def test_channel_folders_are_read_as_before(tmp_path: Path) -> None:
    for channel in ("kilntalk", "glazelab"):
        write(tmp_path / channel / f"{channel}.md", HUB)
        write(tmp_path / channel / "a_note.md")
    write(tmp_path / "index.md")
    result = scan(tmp_path)
    assert {(f.channel, f.slug) for f in notes(result)} == {("kilntalk", "a_note"), ("glazelab", "a_note")}
    assert by_path(result)["index.md"].reason == "top-level page, not in a channel folder"
    assert result.layout == "2 channel folders"


def test_a_few_top_level_pages_beside_channel_folders_stay_pages(tmp_path: Path) -> None:
    for channel in ("kilntalk", "glazelab", "claybodies"):
        write(tmp_path / channel / "a_note.md")
    write(tmp_path / "readme.md")
    write(tmp_path / "todo.md")
    result = scan(tmp_path)
    assert len(notes(result)) == 3
    assert result.layout == "3 channel folders"


def test_notes_in_subfolders_of_a_channel_belong_to_it(tmp_path: Path) -> None:
    write(tmp_path / "kilntalk" / "kilntalk.md", HUB)
    write(tmp_path / "kilntalk" / "season_1" / "glazes.md")
    write(tmp_path / "kilntalk" / "season_1" / "kilntalk.md")
    result = scan(tmp_path)
    assert kinds(result) == {
        "kilntalk/kilntalk.md": ("hub", "kilntalk", "kilntalk"),
        "kilntalk/season_1/glazes.md": ("note", "kilntalk", "glazes"),
        "kilntalk/season_1/kilntalk.md": ("note", "kilntalk", "kilntalk"),
    }
    assert result.layout == "1 channel folder with nested subfolders"


def test_a_subfolder_without_notes_is_not_nesting(tmp_path: Path) -> None:
    write(tmp_path / "kilntalk" / "a_note.md")
    write(tmp_path / "kilntalk" / "attachments" / "kiln.png", "not a note")
    assert scan(tmp_path).layout == "1 channel folder"


def test_an_empty_folder_is_a_vault_of_no_notes(tmp_path: Path) -> None:
    result = scan(tmp_path)
    assert (result.files, result.folders, result.layout) == ([], {}, "an empty folder")


def reversed_listdir(monkeypatch: pytest.MonkeyPatch) -> None:
    listdir = os.listdir

    def backwards(path: str) -> list[str]:
        return sorted(listdir(path), reverse=True)

    monkeypatch.setattr(os, "listdir", backwards)


@pytest.mark.parametrize("backwards", [False, True])
def test_two_notes_with_one_name_in_a_channel_are_not_settled_by_listing_order(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, backwards: bool) -> None:
    write(tmp_path / "kilntalk" / "a_season" / "glazes.md")
    write(tmp_path / "kilntalk" / "glazes.md")
    write(tmp_path / "kilntalk" / "b_season" / "glazes.md")
    if backwards:
        reversed_listdir(monkeypatch)
    files = by_path(scan(tmp_path))
    assert [f.path for f in files.values() if f.kind == "note"] == ["kilntalk/glazes.md"]
    for twin in ("kilntalk/a_season/glazes.md", "kilntalk/b_season/glazes.md"):
        assert files[twin].kind == "ignored"
        assert files[twin].reason == "same channel and name as kilntalk/glazes.md (that one is read)"


@pytest.mark.parametrize("backwards", [False, True])
def test_twins_in_a_single_folder_are_reported_with_both_paths(
        one_folder: Path, monkeypatch: pytest.MonkeyPatch, backwards: bool) -> None:
    write(one_folder / "archive" / "glazes.md")
    if backwards:
        reversed_listdir(monkeypatch)
    files = by_path(scan(one_folder))
    assert files["glazes.md"].kind == "note"
    assert files["archive/glazes.md"].kind == "ignored"
    assert "glazes.md" in (files["archive/glazes.md"].reason or "")
