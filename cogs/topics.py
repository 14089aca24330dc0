"""``/topic``, ``/search`` and ``/related``: finding the right note whatever the member types.

The ranking lives in :class:`bot.search.service.TopicSearch`; this module reads the
interaction, asks the services, and renders the answer: embeds within Discord's limits,
note text escaped, buttons to page through a note's sections, other matches and search
results.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.errors import NotesLoading, NotFound, UserFacingError
from bot.notes.parsing import format_seconds
from bot.notes.reader import NoteCard
from bot.search import LookupResult, QueryTooVague, Related, SearchHit, TopicHit
from cogs.replies import (
    CHOICES_LIMIT,
    EMBED_COLOUR,
    ConsoleCommand,
    Reply,
    choice_text,
    clip,
    fit_embed,
    safe_text,
    send_reply,
)

if TYPE_CHECKING:
    from bot.app.client import NotecastBot
    from bot.services import Services

log = logging.getLogger(__name__)

VIEW_TIMEOUT = 15 * 60
RESULTS_PER_PAGE = 5
OTHER_MATCHES = 9
SECTION_TEXT_CHARS = 3000
INTRO_CHARS = 500


# --------------------------------------------------------------------------- rendering

def _title(text: str) -> str:
    return clip(safe_text(text), 256)


def _moment_link(card: NoteCard, seconds: int | None) -> str:
    url = card.moment_url(seconds)
    return f"[▶ {format_seconds(seconds)}]({url})" if url and seconds is not None else ""


def _where(card: NoteCard) -> str:
    episode = f" · {card.episode_title}" if card.episode_title else ""
    return f"{card.channel_name}{episode}"


def overview_embed(card: NoteCard, related: Related | None, hit: TopicHit | None) -> discord.Embed:
    """A note at a glance: intro, sections with their first moment, related notes."""
    embed = discord.Embed(title=_title(card.title), url=card.url, colour=EMBED_COLOUR)
    embed.set_author(name=clip(_where(card), 256))
    intro = next((s.text for s in card.sections if s.text.strip()), card.intro)
    embed.description = clip(safe_text(" ".join(intro.split())), INTRO_CHARS) or "\u200b"
    if hit is not None and hit.matched_section and hit.why in ("heading", "text"):
        embed.description += f"\n\nMatched in **{safe_text(hit.matched_section)}**"
    lines = []
    for number, section in enumerate(card.headed_sections, start=1):
        moment = _moment_link(card, section.first_seconds)
        lines.append(f"{number}. {clip(safe_text(section.heading), 90)} {moment}".rstrip())
    if lines:
        embed.add_field(name="Sections", value=_join_within(lines, 1024), inline=False)
    if related is not None:
        out = [safe_text(n.title) for n in related.links_out]
        back = [safe_text(n.title) for n in related.backlinks if n not in related.links_out]
        if out:
            embed.add_field(name="Links to", value=_join_within(out, 1024, " · "), inline=False)
        if back:
            embed.add_field(name="Linked from", value=_join_within(back, 1024, " · "),
                            inline=False)
    why = f" · matched by {hit.why}" if hit is not None else ""
    embed.set_footer(text=f"{card.channel}/{card.slug}.md{why}")
    return fit_embed(embed)


def section_embed(card: NoteCard, position: int, moments: list[tuple[int, str]]) -> discord.Embed:
    """One section of a note, with its moments as links into the video."""
    sections = card.headed_sections or card.sections
    section = sections[position]
    embed = discord.Embed(title=_title(card.title), url=card.url, colour=EMBED_COLOUR)
    embed.set_author(name=clip(_where(card), 256))
    heading = safe_text(section.heading) if section.heading else "Introduction"
    body = clip(safe_text(section.text), SECTION_TEXT_CHARS) or "*(this section is empty)*"
    embed.description = f"**{heading}**\n\n{body}"
    if moments:
        links = [f"[▶ {label}]({url})" for label, url in ((format_seconds(s), u) for s, u in moments)]
        embed.add_field(name="Moments in the episode", value=_join_within(links, 1024, " "),
                        inline=False)
    embed.set_footer(text=f"Section {position + 1} of {len(sections)} · {card.channel}/{card.slug}.md")
    return fit_embed(embed)


def matches_embed(query: str, hits: list[TopicHit]) -> discord.Embed:
    embed = discord.Embed(title=clip(f"Other matches for “{safe_text(query)}”", 256),
                          colour=EMBED_COLOUR)
    lines = []
    for number, hit in enumerate(hits, start=1):
        where = safe_text(hit.channel_name or hit.channel)
        section = f" › {safe_text(hit.matched_section)}" if hit.matched_section else ""
        lines.append(f"**{number}. {safe_text(hit.title)}**{section}\n{where}")
    embed.description = "\n".join(lines) if lines else "No other notes match."
    embed.set_footer(text="Pick one below to open it")
    return fit_embed(embed)


def no_match_embed(query: str, result: LookupResult) -> discord.Embed:
    embed = discord.Embed(title="No note matches that well", colour=EMBED_COLOUR)
    embed.description = f"I found nothing close to “{clip(safe_text(query), 200)}”."
    if result.did_you_mean:
        embed.add_field(name="Did you mean",
                        value=_join_within([f"• {safe_text(t)}" for t in result.did_you_mean], 1024),
                        inline=False)
    embed.set_footer(text="Try fewer words, or pick a suggestion as you type")
    return fit_embed(embed)


def search_embed(query: str, hits: list[SearchHit], page: int, pages: int) -> discord.Embed:
    embed = discord.Embed(title=clip(f"Search: {safe_text(query)}", 256), colour=EMBED_COLOUR)
    start = page * RESULTS_PER_PAGE
    for hit in hits[start : start + RESULTS_PER_PAGE]:
        heading = f" › {hit.heading}" if hit.heading else ""
        name = clip(safe_text(f"{hit.title}{heading}"), 256)
        link = f"\n[watch]({hit.url})" if hit.url else ""
        embed.add_field(name=name, value=clip(_snippet(hit.snippet), 900) + link, inline=False)
    embed.set_footer(text=f"Page {page + 1} of {pages} · {len(hits)} sections found")
    return fit_embed(embed)


def related_embed(related: Related) -> discord.Embed:
    embed = discord.Embed(title=_title(related.note.title), url=related.url, colour=EMBED_COLOUR)
    if related.episode_title:
        embed.set_author(name=clip(related.episode_title, 256))

    def names(refs: list[Any]) -> str:
        return _join_within([f"• {safe_text(r.title)}" for r in refs], 1024) or "none"

    embed.add_field(name=f"Links to ({len(related.links_out)})", value=names(related.links_out),
                    inline=False)
    embed.add_field(name=f"Linked from ({len(related.backlinks)})", value=names(related.backlinks),
                    inline=False)
    embed.add_field(name=f"Same episode ({len(related.same_episode)})",
                    value=names(related.same_episode), inline=False)
    if related.unresolved_links:
        embed.add_field(name="Mentioned, with no note of their own",
                        value=clip(safe_text(", ".join(related.unresolved_links)), 1024),
                        inline=False)
    embed.set_footer(text=f"{related.note.channel}/{related.note.slug}.md")
    return fit_embed(embed)


def _snippet(snippet: str) -> str:
    """A snippet with its ``**`` marks kept and everything else escaped."""
    return "**".join(safe_text(part) for part in snippet.split("**"))


def _join_within(items: list[str], limit: int, sep: str = "\n") -> str:
    """Join whole items while they fit in ``limit`` characters, then say how many are left."""
    out: list[str] = []
    used = 0
    for n, item in enumerate(items):
        remaining = len(items) - n
        tail = f"… and {remaining} more"
        cost = len(item) + (len(sep) if out else 0)
        room = limit - (len(sep) + len(tail) if remaining > 1 else 0)
        if used + cost > room:
            out.append(tail)
            break
        out.append(item)
        used += cost
    return sep.join(out)


# --------------------------------------------------------------------------- views

class OwnedView(discord.ui.View):
    """Buttons that only the member who asked can use, that go quiet when they time out,
    and whose errors take the command tree's error path."""

    def __init__(self, owner_id: int | None) -> None:
        super().__init__(timeout=VIEW_TIMEOUT)
        self.owner_id = owner_id
        self.message: discord.Message | discord.InteractionMessage | None = None

    async def interaction_check(self, interaction: discord.Interaction[Any]) -> bool:
        if self.owner_id is None or interaction.user.id == self.owner_id:
            return True
        await interaction.response.send_message(
            "These buttons belong to the member who asked. Run the command yourself to browse.",
            ephemeral=True, allowed_mentions=discord.AllowedMentions.none())
        return False

    async def on_timeout(self) -> None:
        for child in self.children:
            if isinstance(child, discord.ui.Button | discord.ui.Select):
                child.disabled = True
        if self.message is not None:
            try:
                await self.message.edit(view=self)
            except discord.HTTPException:
                log.debug("could not disable the buttons of an expired message")

    async def on_error(self, interaction: discord.Interaction[Any], error: Exception,
                       item: discord.ui.Item[Any]) -> None:
        from bot.app.client import describe_error, send_ephemeral

        text, expected = describe_error(error)
        if not expected:
            log.error("a button of %s failed", type(self).__name__, exc_info=error)
        await send_ephemeral(interaction, text)


class TopicView(OwnedView):
    """Pages through one note (overview, then each section) and its other matches."""

    def __init__(self, services: Services, query: str, hits: list[TopicHit], card: NoteCard,
                 related: Related | None, owner_id: int | None, page: int = -1) -> None:
        super().__init__(owner_id)
        self.services = services
        self.query = query
        self.hits = hits
        self.card = card
        self.related = related
        self.page = page  # -1: overview; n: the n-th section; -2: other matches
        self.select: discord.ui.Select[TopicView] | None = None
        self._update()

    @property
    def sections(self) -> tuple[Any, ...]:
        return self.card.headed_sections or self.card.sections

    def _others(self) -> list[TopicHit]:
        return [h for h in self.hits if h.note_id != self.card.note_id][:OTHER_MATCHES]

    def _update(self) -> None:
        count = len(self.sections)
        self.previous_section.disabled = self.page <= 0 and self.page != -2
        self.next_section.disabled = self.page >= count - 1 or self.page == -2
        self.overview.disabled = self.page == -1
        self.other_matches.disabled = self.page == -2 or not self._others()
        if self.select is not None:
            self.remove_item(self.select)
            self.select = None
        if self.page == -2 and self._others():
            options = [
                discord.SelectOption(label=clip(h.title, 100),
                                     description=clip(h.channel_name or h.channel, 100),
                                     value=str(n))
                for n, h in enumerate(self._others())
            ]
            self.select = discord.ui.Select(placeholder="Open another note", options=options)
            self.select.callback = self._open_other  # type: ignore[method-assign]
            self.add_item(self.select)

    async def render(self) -> discord.Embed:
        if self.page == -2:
            return matches_embed(self.query, self._others())
        if self.page == -1:
            best = next((h for h in self.hits if h.note_id == self.card.note_id), None)
            return overview_embed(self.card, self.related, best)
        section = self.sections[self.page]
        moments = await self.services.notes.moments(self.card.note_id, section.index)
        links = [(m.seconds, self.card.moment_url(m.seconds) or "") for m in moments]
        return section_embed(self.card, self.page, [(s, u) for s, u in links if u])

    async def _show(self, interaction: discord.Interaction[Any], page: int) -> None:
        self.page = page
        self._update()
        await interaction.response.edit_message(embed=await self.render(), view=self)

    @discord.ui.button(label="◀ Section", style=discord.ButtonStyle.secondary)
    async def previous_section(self, interaction: discord.Interaction[Any],
                               button: discord.ui.Button[TopicView]) -> None:
        await self._show(interaction, -1 if self.page <= 0 else self.page - 1)

    @discord.ui.button(label="Overview", style=discord.ButtonStyle.secondary)
    async def overview(self, interaction: discord.Interaction[Any],
                       button: discord.ui.Button[TopicView]) -> None:
        await self._show(interaction, -1)

    @discord.ui.button(label="Section ▶", style=discord.ButtonStyle.primary)
    async def next_section(self, interaction: discord.Interaction[Any],
                           button: discord.ui.Button[TopicView]) -> None:
        await self._show(interaction, self.page + 1)

    @discord.ui.button(label="Other matches", style=discord.ButtonStyle.secondary)
    async def other_matches(self, interaction: discord.Interaction[Any],
                            button: discord.ui.Button[TopicView]) -> None:
        await self._show(interaction, -2)

    async def _open_other(self, interaction: discord.Interaction[Any]) -> None:
        assert self.select is not None
        hit = self._others()[int(self.select.values[0])]
        card = await self.services.notes.card(hit.note_id)
        if card is None:
            raise NotFound("That note is gone from the vault since I listed it.")
        self.card = card
        self.related = await self.services.topics.related(hit.note_id)
        await self._show(interaction, -1)


class SearchView(OwnedView):
    def __init__(self, query: str, hits: list[SearchHit], owner_id: int | None) -> None:
        super().__init__(owner_id)
        self.query = query
        self.hits = hits
        self.page = 0
        self.pages = max(1, -(-len(hits) // RESULTS_PER_PAGE))
        self._update()

    def _update(self) -> None:
        self.previous_page.disabled = self.page == 0
        self.next_page.disabled = self.page >= self.pages - 1

    def render(self) -> discord.Embed:
        return search_embed(self.query, self.hits, self.page, self.pages)

    async def _show(self, interaction: discord.Interaction[Any], page: int) -> None:
        self.page = max(0, min(self.pages - 1, page))
        self._update()
        await interaction.response.edit_message(embed=self.render(), view=self)

    @discord.ui.button(label="◀ Previous", style=discord.ButtonStyle.secondary)
    async def previous_page(self, interaction: discord.Interaction[Any],
                            button: discord.ui.Button[SearchView]) -> None:
        await self._show(interaction, self.page - 1)

    @discord.ui.button(label="Next ▶", style=discord.ButtonStyle.primary)
    async def next_page(self, interaction: discord.Interaction[Any],
                        button: discord.ui.Button[SearchView]) -> None:
        await self._show(interaction, self.page + 1)


# --------------------------------------------------------------------------- replies

_VAGUE = ("Type a few words of the topic: its title, a name, or what it is about. "
          "Emoji and punctuation alone don't tell me what to look for.")


def _check_reason(result: LookupResult, channel: str | None) -> None:
    if result.reason in ("empty", "no words"):
        raise UserFacingError(_VAGUE)
    if result.reason == "unknown channel":
        raise UserFacingError(f"I don't know a channel called “{clip(safe_text(channel or ''), 80)}”. "
                              "Pick one from the list as you type.")
    if result.reason == "not ready":
        raise NotesLoading()


async def topic_reply(services: Services, options: dict[str, str],
                      owner_id: int | None = None) -> Reply:
    """The /topic answer: the best note's overview with buttons, or "did you mean"."""
    await services.require_ready()
    query = options.get("query", "")
    channel = options.get("channel") or None
    result = await services.topics.lookup(query, channel)
    _check_reason(result, channel)
    best = result.best
    if best is None or not result.confident:
        return Reply(embeds=[no_match_embed(query, result)], ephemeral=True)
    card = await services.notes.card(best.note_id)
    if card is None:
        raise NotFound("That note has just left the vault. Try again in a moment.")
    hits = result.hits
    if len(hits) == 1:  # a picked suggestion: find its neighbours for "Other matches"
        neighbours = await services.topics.lookup(card.title, channel)
        hits = [best, *[h for h in neighbours.hits if h.note_id != best.note_id]]
    related = await services.topics.related(best.note_id)
    page = -1
    if best.section_index is not None:
        sections = card.headed_sections or card.sections
        page = next((n for n, s in enumerate(sections) if s.index == best.section_index), -1)
    view = TopicView(services, query, hits, card, related, owner_id, page)
    return Reply(embeds=[await view.render()], view=view)


async def search_reply(services: Services, options: dict[str, str],
                       owner_id: int | None = None) -> Reply:
    """The /search answer: matching sections with snippets, five to a page."""
    await services.require_ready()
    query = options.get("query", "")
    channel = options.get("channel") or None
    try:
        hits = await services.topics.full_text(query, channel, limit=50)
    except QueryTooVague:
        raise UserFacingError(_VAGUE) from None
    except ValueError:
        raise UserFacingError(f"I don't know a channel called “{clip(safe_text(channel or ''), 80)}”.") from None
    if not hits:
        embed = discord.Embed(title=clip(f"Search: {safe_text(query)}", 256), colour=EMBED_COLOUR,
                              description="No section holds those words. Try fewer or other words.")
        return Reply(embeds=[embed], ephemeral=True)
    view = SearchView(query, hits, owner_id)
    return Reply(embeds=[view.render()], view=view if view.pages > 1 else None)


async def related_reply(services: Services, options: dict[str, str],
                        owner_id: int | None = None) -> Reply:
    """The /related answer: links out, backlinks and the notes of the same episode."""
    await services.require_ready()
    text = options.get("note", "")
    hit = await services.topics.resolve(text)
    if hit is None:
        result = await services.topics.lookup(text)
        _check_reason(result, None)
        raise NotFound(f"I can't tell which note “{clip(safe_text(text), 100)}” is. "
                       "Pick one from the suggestions as you type.")
    related = await services.topics.related(hit.note_id)
    if related is None:
        raise NotFound("That note has just left the vault. Try again in a moment.")
    return Reply(embeds=[related_embed(related)])


# --------------------------------------------------------------------------- the cog

def per_member_cooldown(interaction: discord.Interaction[NotecastBot]) -> app_commands.Cooldown | None:
    settings = interaction.client.services.settings
    if settings.cooldown_uses <= 0 or settings.cooldown_seconds <= 0:
        return None
    return app_commands.Cooldown(settings.cooldown_uses, settings.cooldown_seconds)


def _member_key(interaction: discord.Interaction[Any]) -> int:
    return interaction.user.id


class TopicsCog(commands.Cog, name="Topics"):
    def __init__(self, bot: NotecastBot) -> None:
        self.bot = bot

    @property
    def services(self) -> Services:
        return self.bot.services

    async def _send(self, interaction: discord.Interaction[NotecastBot], reply: Reply) -> None:
        await send_reply(interaction, reply)
        if isinstance(reply.view, OwnedView):
            reply.view.message = await interaction.original_response()

    @app_commands.command(name="topic", description="The note that best matches what you type")
    @app_commands.describe(query="A title, a name, a section, or what it is about",
                           channel="Only notes from this channel")
    @app_commands.checks.dynamic_cooldown(per_member_cooldown, key=_member_key)
    async def topic(self, interaction: discord.Interaction[NotecastBot],
                    query: app_commands.Range[str, 1, 6000], channel: str | None = None) -> None:
        options = {"query": query, "channel": channel or ""}
        await self._send(interaction, await topic_reply(self.services, options, interaction.user.id))

    @app_commands.command(name="search", description="Full-text search across every note")
    @app_commands.describe(query="Words to find", channel="Only notes from this channel")
    @app_commands.checks.dynamic_cooldown(per_member_cooldown, key=_member_key)
    async def search(self, interaction: discord.Interaction[NotecastBot],
                     query: app_commands.Range[str, 1, 6000], channel: str | None = None) -> None:
        options = {"query": query, "channel": channel or ""}
        await self._send(interaction, await search_reply(self.services, options, interaction.user.id))

    @app_commands.command(name="related", description="Notes linked from and to a note, and its episode")
    @app_commands.describe(note="The note (pick from the suggestions)")
    @app_commands.checks.dynamic_cooldown(per_member_cooldown, key=_member_key)
    async def related(self, interaction: discord.Interaction[NotecastBot],
                      note: app_commands.Range[str, 1, 6000]) -> None:
        await self._send(interaction, await related_reply(self.services, {"note": note},
                                                          interaction.user.id))

    @topic.autocomplete("query")
    @related.autocomplete("note")
    async def note_autocomplete(self, interaction: discord.Interaction[NotecastBot],
                                current: str) -> list[app_commands.Choice[str]]:
        channel = getattr(interaction.namespace, "channel", None) or None
        try:
            choices = self.services.topics.autocomplete(current, channel, limit=CHOICES_LIMIT)
        except Exception:  # a suggestion list must never fail the member's typing
            log.exception("autocomplete failed for %r", current[:100])
            return []
        return [app_commands.Choice(name=choice_text(c.name), value=c.value[:100])
                for c in choices[:CHOICES_LIMIT]]

    @topic.autocomplete("channel")
    @search.autocomplete("channel")
    async def channel_autocomplete(self, interaction: discord.Interaction[NotecastBot],
                                   current: str) -> list[app_commands.Choice[str]]:
        wanted = current.casefold().strip()
        try:
            channels = self.services.topics.channels()
        except Exception:
            log.exception("channel autocomplete failed")
            return []
        found = [c for c in channels
                 if not wanted or wanted in c.name.casefold() or wanted in c.key.casefold()]
        found.sort(key=lambda c: (not c.name.casefold().startswith(wanted), c.name.casefold()))
        return [app_commands.Choice(name=choice_text(f"{c.name} ({c.notes} notes)"),
                                    value=c.key[:100])
                for c in found[:CHOICES_LIMIT]]


async def setup(bot: NotecastBot) -> None:
    await bot.add_cog(TopicsCog(bot))


CONSOLE_COMMANDS = (
    ConsoleCommand("topic", "The note that best matches what you type", ("query", "channel"),
                   topic_reply, required=("query",)),
    ConsoleCommand("search", "Full-text search across every note", ("query", "channel"),
                   search_reply, required=("query",)),
    ConsoleCommand("related", "Notes linked from and to a note, and its episode", ("note",),
                   related_reply, required=("note",)),
)
