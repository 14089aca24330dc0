"""Buttons shared by the commands: owned by the member who asked, quiet once they expire.

:class:`OwnedView` answers anyone else with a short ephemeral note, sends its errors down
the command tree's error path, and on time-out disables its buttons and edits the message.
:class:`PagedView` adds "◀ Previous" / "Next ▶" over pages that a subclass renders.
"""

from __future__ import annotations

import logging
from typing import Any

import discord

from bot.app.tree import describe_error, send_ephemeral

log = logging.getLogger(__name__)

# An interaction's token (the only way to edit an ephemeral reply) lasts 15 minutes:
# the buttons expire before it does, so the edit that disables them still works.
VIEW_TIMEOUT = 14 * 60


class OwnedView(discord.ui.View):
    """Buttons that only the member who asked can use, that go quiet when they time out,
    and whose errors take the command tree's error path."""

    def __init__(self, owner_id: int | None, timeout: float = VIEW_TIMEOUT) -> None:
        super().__init__(timeout=timeout)
        self.owner_id = owner_id
        self._interaction: discord.Interaction[Any] | None = None
        self._message: discord.WebhookMessage | None = None

    def attach(self, interaction: discord.Interaction[Any],
               message: discord.WebhookMessage | None = None) -> None:
        """Remember how to edit the message these buttons are on: the command's follow-up
        ``message``, else the interaction's original response."""
        self._interaction, self._message = interaction, message

    async def interaction_check(self, interaction: discord.Interaction[Any]) -> bool:
        if self.owner_id is None or interaction.user.id == self.owner_id:
            # the newest token lasts longest: a click's original response is this message
            self.attach(interaction)
            return True
        await interaction.response.send_message(
            "These buttons belong to the member who asked. Run the command yourself to browse.",
            ephemeral=True, allowed_mentions=discord.AllowedMentions.none())
        return False

    def disable_all(self) -> None:
        for child in self.children:
            if isinstance(child, discord.ui.Button | discord.ui.Select):
                child.disabled = True

    async def on_timeout(self) -> None:
        self.disable_all()
        try:
            if self._message is not None:
                await self._message.edit(view=self)
            elif self._interaction is not None:
                await self._interaction.edit_original_response(view=self)
        except discord.HTTPException:
            log.info("could not disable the buttons of an expired %s", type(self).__name__)

    async def on_error(self, interaction: discord.Interaction[Any], error: Exception,
                       item: discord.ui.Item[Any]) -> None:
        text, expected = describe_error(error)
        if not expected:
            log.error("a button of %s failed", type(self).__name__, exc_info=error)
        await send_ephemeral(interaction, text)


class PagedView(OwnedView):
    """Previous / next over ``pages`` pages; a subclass renders page ``self.page``."""

    def __init__(self, pages: int, owner_id: int | None) -> None:
        super().__init__(owner_id)
        self.page = 0
        self.pages = max(1, pages)
        self._update()

    def _update(self) -> None:
        self.previous_page.disabled = self.page == 0
        self.next_page.disabled = self.page >= self.pages - 1

    def render(self) -> discord.Embed:
        raise NotImplementedError

    async def _show(self, interaction: discord.Interaction[Any], page: int) -> None:
        self.page = max(0, min(self.pages - 1, page))
        self._update()
        await interaction.response.edit_message(embed=self.render(), view=self)

    @discord.ui.button(label="◀ Previous", style=discord.ButtonStyle.secondary)
    async def previous_page(self, interaction: discord.Interaction[Any],
                            button: discord.ui.Button[PagedView]) -> None:
        await self._show(interaction, self.page - 1)

    @discord.ui.button(label="Next ▶", style=discord.ButtonStyle.primary)
    async def next_page(self, interaction: discord.Interaction[Any],
                        button: discord.ui.Button[PagedView]) -> None:
        await self._show(interaction, self.page + 1)
