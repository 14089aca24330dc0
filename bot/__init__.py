"""Notecast: a Discord bot that serves a vault of Obsidian-style episode notes."""

__version__ = "0.1.0"
