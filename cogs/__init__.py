"""Command cogs: one discord.py extension per command area.

Each extension module has a ``setup(bot)`` that adds its cog, and a ``CONSOLE_COMMANDS``
tuple that offers the same commands, with the same reply builders, to ``notecast console``.
A module per command area: ``stats``, ``topic``, ``search``, ``related``, ``quote`` (a
quote with "Another"), ``quotes`` (a note's quotes, paged), ``summarize`` (a note's or a
section's summary, its length switched in place); shared parts are
``replies`` (the Reply, sending within Discord's deadline), ``views`` (buttons),
``options`` (what members type, autocomplete) and ``render/`` (embeds, escaping, links).
No cog imports the bot class: ``setup(bot)`` hands ``bot.services`` to the cog
(:func:`bot.app.protocols.services_of`).
"""

from __future__ import annotations

import importlib

from cogs.replies import ConsoleCommand

EXTENSIONS: tuple[str, ...] = (
    "cogs.stats",
    "cogs.topic",
    "cogs.search",
    "cogs.related",
    "cogs.quote",
    "cogs.quotes",
    "cogs.summarize",
    "cogs.qotd",
    "cogs.about",
    "cogs.reload",
)


def console_commands() -> dict[str, ConsoleCommand]:
    """Every extension's console commands, by name."""
    commands: dict[str, ConsoleCommand] = {}
    for name in EXTENSIONS:
        module = importlib.import_module(name)
        for command in getattr(module, "CONSOLE_COMMANDS", ()):
            commands[command.name] = command
    return commands
