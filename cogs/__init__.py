"""Command cogs: one discord.py extension per command area.

Each extension module has a ``setup(bot)`` that adds its cog, and a ``CONSOLE_COMMANDS``
tuple that offers the same commands, with the same reply builders, to ``notecast console``.
"""

from __future__ import annotations

import importlib

from cogs.replies import ConsoleCommand

EXTENSIONS: tuple[str, ...] = ("cogs.stats", "cogs.topics")


def console_commands() -> dict[str, ConsoleCommand]:
    """Every extension's console commands, by name."""
    commands: dict[str, ConsoleCommand] = {}
    for name in EXTENSIONS:
        module = importlib.import_module(name)
        for command in getattr(module, "CONSOLE_COMMANDS", ()):
            commands[command.name] = command
    return commands
