"""Scanning and reading the vault safely: every tree is built in tmp_path."""

from __future__ import annotations

import errno
import os
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import pytest

from bot.notes.parsing import clean_line, is_hub_file
from bot.vault.scan import (
    MAX_DEPTH,
    MAX_NOTE_BYTES,
    VaultFile,
    VaultScan,
    read_vault_file,
    scan_vault,
)

T = TypeVar("T")
NOTE = "---\ntitle: A note\nvideoId: fXtUr3Id0Ab\n---\n\nFrom: [[ch]] <br/>\n\n## Part\n\nWords.\n"


def within(seconds: float, func: Callable[[], T]) -> T:
    """Run ``func`` in a daemon thread; fail (instead of hanging) if it does not finish."""
    result: list[T] = []
    error: list[BaseException] = []

    def run() -> None:
        try:
            result.append(func())
        except BaseException as exc:
            error.append(exc)

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(seconds)
    assert not worker.is_alive(), f"did not finish within {seconds} s"
    if error:
        raise error[0]
    return result[0]


def scan(root: Path) -> VaultScan:
    return within(20, lambda: scan_vault(root))


def write(path: Path, text: str = NOTE) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def by_path(result: VaultScan) -> dict[str, VaultFile]:
    return {f.path: f for f in result.files}


@pytest.fixture
def vault(tmp_path: Path) -> Path:
    root = tmp_path / "vault"
    write(root / "ch" / "ch.md", "---\ntitle: ch\n---\n")
    write(root / "ch" / "first_note.md")
    return root


def test_notes_and_hub_are_classified(vault: Path) -> None:
    files = by_path(scan(vault))
    assert (files["ch/first_note.md"].kind, files["ch/first_note.md"].slug) == ("note", "first_note")
    assert files["ch/ch.md"].kind == "hub"


def test_hub_name_is_matched_without_case(tmp_path: Path) -> None:
    write(tmp_path / "acquiredfm" / "acquiredFM.md", "---\ntitle: Acquired\n---\n")
    assert by_path(scan(tmp_path))["acquiredfm/acquiredFM.md"].kind == "hub"


def test_channel_folder_with_invisible_marks(tmp_path: Path) -> None:
    write(tmp_path / "\u2068ch\u2069" / "a_note.md")
    result = scan(tmp_path)
    [note] = result.files
    assert (note.kind, note.channel) == ("note", "ch")
    assert result.folders == {"ch": "\u2068ch\u2069"}


def test_symlink_to_a_file_outside_is_ignored(vault: Path, tmp_path: Path) -> None:
    secret = write(tmp_path / "outside" / "secret.md")
    (vault / "ch" / "leak.md").symlink_to(secret)
    leak = by_path(scan(vault))["ch/leak.md"]
    assert leak.kind == "ignored"
    assert leak.reason is not None and "outside" in leak.reason


def test_symlink_to_a_file_inside_is_indexed(vault: Path) -> None:
    (vault / "ch" / "alias.md").symlink_to(vault / "ch" / "first_note.md")
    alias = by_path(scan(vault))["ch/alias.md"]
    assert (alias.kind, alias.slug) == ("note", "alias")
    assert read_vault_file(str(vault), "ch/alias.md")[0] == NOTE.encode()


def test_directory_symlink_loop_ends_and_is_reported(vault: Path) -> None:
    (vault / "ch" / "loop").symlink_to(vault / "ch")
    (vault / "ch" / "up").symlink_to(vault)
    files = by_path(scan(vault))
    assert files["ch/loop"].kind == "ignored" and files["ch/up"].kind == "ignored"
    assert "folder" in (files["ch/loop"].reason or "")
    assert [f.path for f in files.values() if f.kind == "note"] == ["ch/first_note.md"]


def test_named_pipe_is_ignored_and_never_opened(vault: Path) -> None:
    pipe = vault / "ch" / "pipe.md"
    os.mkfifo(pipe)
    entry = by_path(scan(vault))["ch/pipe.md"]  # a read would block: scan() has a timeout
    assert entry.kind == "ignored"
    assert "pipe" in (entry.reason or "")
    # no reader holds the pipe open: opening its write end without blocking fails
    with pytest.raises(OSError) as info:
        os.open(pipe, os.O_WRONLY | os.O_NONBLOCK)
    assert info.value.errno == errno.ENXIO


def test_read_vault_file_on_a_pipe_fails_quickly(vault: Path) -> None:
    os.mkfifo(vault / "ch" / "pipe.md")
    with pytest.raises(OSError):
        within(10, lambda: read_vault_file(str(vault), "ch/pipe.md"))


def test_non_markdown_file_is_ignored(vault: Path) -> None:
    (vault / "ch" / "picture.png").write_bytes(b"\x89PNG\r\n")
    entry = by_path(scan(vault))["ch/picture.png"]
    assert entry.kind == "ignored" and "markdown" in (entry.reason or "")


def test_top_level_page_is_ignored_but_directory_is_read(vault: Path) -> None:
    write(vault / "index.md")
    write(vault / "directory.md", "- [[ch | Channel]]\n")
    files = by_path(scan(vault))
    assert files["index.md"].kind == "ignored" and "top-level" in (files["index.md"].reason or "")
    assert files["directory.md"].kind == "directory"


def test_same_channel_and_slug_in_two_subfolders_keeps_the_first_by_path(vault: Path) -> None:
    write(vault / "ch" / "a" / "twin.md")
    write(vault / "ch" / "b" / "twin.md")
    files = by_path(scan(vault))
    assert files["ch/a/twin.md"].kind == "note"
    second = files["ch/b/twin.md"]
    assert second.kind == "ignored"
    assert "ch/a/twin.md" in (second.reason or "")


def test_same_slug_in_two_channels_is_two_notes(vault: Path) -> None:
    write(vault / "other" / "first_note.md")
    files = by_path(scan(vault))
    assert files["other/first_note.md"].kind == "note"
    assert files["ch/first_note.md"].kind == "note"


def test_dot_folders_are_skipped(vault: Path) -> None:
    write(vault / ".obsidian" / "workspace.md")
    write(vault / "ch" / ".trash" / "old.md")
    result = scan(vault)
    assert all("obsidian" not in f.path and ".trash" not in f.path for f in result.files)
    assert ".obsidian" not in result.folders and "ch" in result.folders


def test_file_over_8_mb_is_ignored(vault: Path) -> None:
    with open(vault / "ch" / "huge.md", "wb") as handle:
        handle.truncate(MAX_NOTE_BYTES + 1)  # sparse: no 8 MB written
    entry = by_path(scan(vault))["ch/huge.md"]
    assert entry.kind == "ignored" and "8 MB" in (entry.reason or "")
    with pytest.raises(OSError):
        read_vault_file(str(vault), "ch/huge.md")


def test_read_vault_file_returns_data_size_and_mtime(vault: Path) -> None:
    data, size, mtime_ns = read_vault_file(str(vault), "ch/first_note.md")
    assert data == NOTE.encode()
    assert size == len(data)
    assert mtime_ns == (vault / "ch" / "first_note.md").stat().st_mtime_ns


def test_vault_reached_through_a_linked_root_is_read(vault: Path, tmp_path: Path) -> None:
    linked = tmp_path / "linked_root"
    linked.symlink_to(vault, target_is_directory=True)
    assert by_path(scan(linked))["ch/first_note.md"].kind == "note"
    assert read_vault_file(str(linked), "ch/first_note.md")[0] == NOTE.encode()


def test_read_vault_file_refuses_a_path_out_of_the_vault(vault: Path, tmp_path: Path) -> None:
    write(tmp_path / "secret.md")
    with pytest.raises(OSError) as info:
        read_vault_file(str(vault), "../secret.md")
    assert "outside" in str(info.value)


def test_read_vault_file_refuses_a_link_repointed_after_the_scan(
        vault: Path, tmp_path: Path) -> None:
    link = vault / "ch" / "alias.md"
    link.symlink_to(vault / "ch" / "first_note.md")
    assert by_path(scan(vault))["ch/alias.md"].kind == "note"
    link.unlink()
    link.symlink_to(write(tmp_path / "secret.md", "secret"))
    with pytest.raises(OSError):
        read_vault_file(str(vault), "ch/alias.md")


def test_undecodable_file_name_is_ignored_with_a_printable_path(vault: Path) -> None:
    raw = os.fsencode(vault / "ch") + b"/bad\xff.md"
    with open(raw, "wb") as handle:
        handle.write(NOTE.encode())
    [entry] = [f for f in scan(vault).files if f.path.startswith("ch/bad")]
    assert entry.kind == "ignored" and "UTF-8" in (entry.reason or "")
    entry.path.encode("utf-8")  # storable and showable: no lone surrogates


def test_very_deep_tree_is_cut_without_recursion_error(vault: Path) -> None:
    # deeper than Python's recursion limit; os.makedirs() and shutil.rmtree() would
    # recurse too deep themselves, so the tree is built and removed one folder at a time
    folders = [str(vault / "ch")]
    for _ in range(1200):
        folders.append(os.path.join(folders[-1], "d"))
        os.mkdir(folders[-1])
    try:
        result = scan(vault)
    finally:
        for folder in reversed(folders[1:]):
            os.rmdir(folder)
    cut = [f for f in result.files if "nested" in (f.reason or "")]
    assert len(cut) == 1
    assert cut[0].path.count("/") == MAX_DEPTH


def test_missing_root_raises() -> None:
    with pytest.raises(FileNotFoundError):
        scan_vault(Path("/nonexistent/notecast/vault"))


def test_root_that_is_a_file_raises(tmp_path: Path) -> None:
    with pytest.raises(NotADirectoryError):
        scan_vault(write(tmp_path / "not_a_folder.md"))


def test_slug_and_hub_are_those_of_parsing(tmp_path: Path) -> None:
    # the scan's inlined ASCII paths must agree with clean_line() and is_hub_file()
    stems = ["plain_name", "two  spaces", " lead and trail ", "tab\tname", "unit\x1fsep", "CH", "ch ",
             "\u200bzero\u200bwidth", "nbsp\u00a0name", "Stra\u00dfe", "\u2068ch\u2069", "x\x7f"]
    for stem in stems:
        write(tmp_path / "ch" / f"{stem}.md")
    files = scan(tmp_path).files
    assert len(files) == len(stems)
    for file in files:
        stem = file.path.split("/")[-1][:-3]
        assert file.slug == clean_line(stem)
        assert (file.kind == "hub") == is_hub_file("ch", file.slug), file.path
        assert file.kind in ("hub", "note")


@pytest.mark.skipif(sys.platform != "linux", reason="PATH_MAX is 4096 bytes on Linux")
def test_path_too_long_for_the_system_is_reported(tmp_path: Path) -> None:
    # a folder path just short of PATH_MAX: a short name in it can be read, a long one not
    root = tmp_path / ("v" * 200)
    folder = str(root / "ch")
    os.makedirs(folder)
    while len(os.fsencode(folder)) + 1 + 255 < 3900:
        folder = os.path.join(folder, "d" * 255)
        os.mkdir(folder)
    folder = os.path.join(folder, "e" * (3900 - 1 - len(os.fsencode(folder))))
    os.mkdir(folder)  # a folder path of 3900 bytes, not cut for its depth:
    assert os.path.relpath(folder, root).count("/") < MAX_DEPTH
    long_name = "f" * 240 + ".md"
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        for name in ("a.md", long_name):
            os.close(os.open(name, os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=fd))
    finally:
        os.close(fd)
    files = {f.path.split("/")[-1]: f for f in scan(root).files}
    assert files["a.md"].kind == "note"
    assert files[long_name].kind == "ignored"
    assert files[long_name].reason == f"cannot stat: {os.strerror(errno.ENAMETOOLONG)}"
