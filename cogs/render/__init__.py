"""Embed builders and text safety, shared by the command modules.

``text`` (escaping, clipping, member text), ``links`` (YouTube links through
:mod:`bot.notes.youtube` only), and one module of embeds per command area: ``topic``,
``search``, ``related``.
"""
