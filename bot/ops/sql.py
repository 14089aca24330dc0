"""The statements of :mod:`bot.ops`: read-only, against the notes cache's tables."""

from __future__ import annotations

# every note of the cache: its file (relative to the vault), content hash and title
NOTE_FILES = """
SELECT f.path AS path, f.hash AS hash, n.title AS title
FROM files AS f JOIN notes AS n ON n.id = f.note_id
WHERE f.note_id IS NOT NULL
"""
