"""Compatibility: the reply builders that lived here now live with their commands.

``/topic`` is :mod:`cogs.topic`, ``/search`` :mod:`cogs.search`, ``/related``
:mod:`cogs.related`. This module is no extension; it only re-exports the builders for
callers that still import them from here (``bot.cli.lookups``).
"""

from cogs.related import related_reply
from cogs.search import search_reply
from cogs.topic import topic_reply

__all__ = ["related_reply", "search_reply", "topic_reply"]
