"""Small vaults of made-up notes, written in the vault's format."""

from __future__ import annotations

from pathlib import Path


def write_note(root: Path, channel: str, slug: str, title: str, body: str,
               video: str = "Vid00000001") -> Path:
    folder = root / channel
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{slug}.md"
    path.write_text(
        f"---\ntitle: {title}\nvideoId: {video}\n---\n\nFrom: [[{channel}]] <br/>\n{body}\n",
        encoding="utf-8")
    return path
