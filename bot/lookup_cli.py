"""Command-line lookups (``notecast topic``, ``search``, ``related``): added with the topic
search feature."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def add_lookup_commands(add: Callable[..., Any]) -> None:
    """Register the lookup subcommands with the ``notecast`` parser."""
