"""What the cogs need from the bot, without importing the bot class.

A cog gets its services through :func:`services_of`: any client with a ``services``
attribute (``NotecastBot``, or a test's own bot) will do. This keeps ``cogs/`` free of
``bot.app.client`` and of an import cycle (the client loads the cogs).
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from bot.services import Services


@runtime_checkable
class HasServices(Protocol):
    """A client that carries the services the commands use."""

    services: Services


def services_of(client: object) -> Services:
    """The services of a bot (or of ``interaction.client``)."""
    if not isinstance(client, HasServices):
        raise TypeError(f"{type(client).__name__} carries no Notecast services")
    return client.services
