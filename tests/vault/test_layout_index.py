"""What an admin sees indexing a vault that is one folder of notes (``notecast index``)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.vault.test_layout import HUB
from tests.vault.test_scan import write

REPO_ROOT = Path(__file__).resolve().parents[2]


def index(notes: Path, db: Path) -> dict[str, object]:
    proc = subprocess.run(
        [sys.executable, "-m", "bot", "index", "--notes", str(notes), "--db", str(db), "--json"],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=120, check=False,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    report: dict[str, object] = json.loads(proc.stdout)
    return report


def test_a_single_folder_of_notes_is_indexed_as_one_channel(tmp_path: Path) -> None:
    root = tmp_path / "kilntalk"
    write(root / "kilntalk.md", HUB)
    write(root / "glazes.md")
    write(root / "cone_temperatures.md")
    write(root / "archive" / "firing_schedules.md")
    write(root / "index.md")
    report = index(root, tmp_path / "notes.db")
    counts = {key: report[key] for key in ("notes", "channels", "hubs", "episodes")}
    assert counts == {"notes": 3, "channels": 1, "hubs": 1, "episodes": 1}
    assert report["skipped"] == [{"path": "index.md", "reason": "the vault's index page, not a note"}]
