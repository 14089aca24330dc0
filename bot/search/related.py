"""``/related``: the notes around one note, on the shared snapshot."""

from __future__ import annotations

from bot.search import sql
from bot.search.holder import SearchIndex
from bot.search.records import NoteRef, Related


class RelatedNotes:
    """Links out (same channel first, then any), backlinks and same-episode notes."""

    def __init__(self, index: SearchIndex) -> None:
        self.index = index

    async def related(self, note_id: int) -> Related | None:
        """The notes around ``note_id``, or ``None`` when it is not (or no longer) there."""
        snap = await self.index.snapshot()
        index = snap.by_id.get(note_id)
        if index is None:
            return None
        note = snap.notes[index]

        def ref(i: int) -> NoteRef:
            n = snap.notes[i]
            return NoteRef(n.note_id, n.channel, n.slug, n.title)

        links_out: list[NoteRef] = []
        unresolved: list[str] = []
        seen: set[int] = {index}
        for row in await self.index.fetch(sql.LINKS_OUT, {"note_id": note_id}):
            target = snap.resolve_link(note.channel, row[0])
            if target is None:
                if row[0] and row[0] != note.channel:
                    unresolved.append(row[0])
                continue
            if target not in seen:
                seen.add(target)
                links_out.append(ref(target))
        backlinks: list[NoteRef] = []
        for row in await self.index.fetch(
            sql.LINKS_IN, {"slug_key": note.slug_key, "note_id": note_id}
        ):
            source = snap.by_id.get(row[0])
            if source is None:
                continue
            if snap.resolve_link(snap.notes[source].channel, note.slug_key) == index:
                backlinks.append(ref(source))
        backlinks.sort(key=lambda r: (r.channel != note.channel, r.channel, r.title))
        same_episode = [ref(i) for i in snap.by_video.get(note.video_id or "", ())
                        if i != index and note.video_id]
        episode_title, url = snap.episode(note)
        return Related(ref(index), links_out, backlinks, same_episode, unresolved,
                       episode_title, url)
