"""SimCord in place of Discord, for the installed bot in tests/deploy's venv (never the image).

``tests/deploy`` copies this file into the test venv's site-packages as
``_notecast_simcord.py``, with a ``.pth`` line that imports it when Python starts. It does
nothing unless ``NOTECAST_SIMCORD=1`` is set (the bot's process, not ``notecast health``).
Then:

* every connection to anything but this machine (and every name lookup but localhost) is
  refused, so the bot can only have talked to SimCord;
* ``discord.Client.start`` (what ``notecast run`` calls with the token) attaches the bot to
  a SimCord environment instead of logging in to Discord: SimCord is an in-process
  simulation (``simcord.run(bot)``: a fake HTTP client and gateway), with no server a
  separate process could connect to. The command, its settings, services, signal
  handling and exit codes are the installed Notecast's own; only the bot's
  ``setup_hook`` runs right after SimCord's login instead of during it (see below);
* once the bot is READY, a simulated member runs ``/stats`` in a guild and one JSON line
  ``{"simcord": "ready", ...}`` is printed on stdout; ``start`` returns when the bot is
  closed (on SIGTERM, through Notecast's own stop hook), as the real one does.
"""

from __future__ import annotations

import os
import socket
from typing import Any

LOOPBACK = ("127.", "::1", "localhost")


def _local(address: Any) -> bool:
    if isinstance(address, str | bytes):  # AF_UNIX
        return True
    host = str(address[0]) if isinstance(address, tuple) and address else ""
    return host.startswith(LOOPBACK) or host == "::ffff:127.0.0.1"


def _refuse_network() -> None:
    connect = socket.socket.connect
    connect_ex = socket.socket.connect_ex
    getaddrinfo = socket.getaddrinfo

    def guarded_connect(self: socket.socket, address: Any) -> None:
        if not _local(address):
            raise ConnectionRefusedError(f"tests/deploy: no network ({address!r})")
        connect(self, address)

    def guarded_connect_ex(self: socket.socket, address: Any) -> int:
        if not _local(address):
            raise ConnectionRefusedError(f"tests/deploy: no network ({address!r})")
        return connect_ex(self, address)

    def guarded_getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        name = host.decode() if isinstance(host, bytes) else host
        if name is not None and not _local((name,)):
            raise socket.gaierror(f"tests/deploy: no network ({name!r})")
        return getaddrinfo(host, *args, **kwargs)

    socket.socket.connect = guarded_connect  # type: ignore[method-assign,assignment]
    socket.socket.connect_ex = guarded_connect_ex  # type: ignore[method-assign,assignment]
    socket.getaddrinfo = guarded_getaddrinfo


def _in_simcord() -> None:
    import asyncio
    import json
    import sys

    import discord

    original_close = discord.Client.close

    async def close(self: discord.Client) -> None:
        try:
            await original_close(self)
        finally:
            closed = self.__dict__.get("_simcord_closed")
            if closed is not None:
                closed.set()

    async def start(self: discord.Client, token: str, *, reconnect: bool = True) -> None:
        import simcord

        closed = self.__dict__["_simcord_closed"] = asyncio.Event()
        # The bot's own background work (the vault's syncs, its watcher) waits for ever on
        # events of its own, which SimCord cannot settle: setup_hook runs once SimCord has
        # the bot READY, outside SimCord's tracking, in real time as it does in production.
        setup_hook = self.setup_hook

        async def later() -> None:
            return None

        self.setup_hook = later  # type: ignore[method-assign]
        async with simcord.run(self) as env:
            del self.setup_hook
            await setup_hook()
            services = getattr(self, "services", None)
            if services is not None:  # Notecast's first sync of the vault
                await services.vault_sync.wait_first_sync()
            guild = env.create_guild("Deploy test")
            channel = guild.create_text_channel("general")
            member = guild.add_member(env.create_user("alice"))
            tree = getattr(self, "tree", None)
            if tree is not None:
                await tree.sync()  # as `notecast sync-commands` does
            result = await member.slash(channel, "stats")
            embeds = result.response.embeds if result.response is not None else []
            notecast = sys.modules.get("bot")
            print(json.dumps({
                "simcord": "ready",
                "bot_module": getattr(notecast, "__file__", None),
                "stats": [e.to_dict() for e in embeds],
                "token_seen": token == os.environ.get("NOTECAST_SIMCORD_TOKEN"),
            }), flush=True)
            await closed.wait()

    discord.Client.start = start  # type: ignore[method-assign]
    discord.Client.close = close  # type: ignore[method-assign]


if os.environ.get("NOTECAST_SIMCORD") == "1":
    _refuse_network()
    _in_simcord()
