"""The services that commands use, built once by ``main()`` and handed to the bot.

Nothing here imports Discord: the console, the command line and the tests use the same
objects as the bot does.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.config import Settings
from bot.note_reader import NoteReader
from bot.notes_cache import NotesCache
from bot.topic_search import TopicSearch
from bot.vault_sync import VaultSync


@dataclass
class Services:
    settings: Settings
    cache: NotesCache
    vault_sync: VaultSync
    topics: TopicSearch
    notes: NoteReader

    @classmethod
    def build(cls, settings: Settings, cache: NotesCache) -> Services:
        topics = TopicSearch(cache)
        return cls(
            settings=settings,
            cache=cache,
            vault_sync=VaultSync(cache, settings.notes_dir, settings.resync_minutes,
                                 after_sync=[topics.refresh]),
            topics=topics,
            notes=NoteReader(cache),
        )

    async def require_ready(self) -> None:
        await self.vault_sync.require_ready()
