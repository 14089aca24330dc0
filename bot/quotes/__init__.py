"""Quotes: which blockquotes are someone's words, who said them, and where in the video.

The parser (:mod:`bot.notes.quotes`) records every blockquote with its shape, the name or
heading the note puts with it, its line and its moment. This package decides:

* :mod:`bot.quotes.classify`: whether a blockquote is a quote at all (an ``[!info]``
  callout, a list, a formula or the note's own prose is not), who the note says spoke it
  (a role kept apart), and whether it is the note's paraphrase rather than anyone's words;
* :mod:`bot.quotes.speakers`: one identity per person within a channel ("Altman",
  "Sam Altman" and a caption's garble of the name), by rules kept in
  :mod:`bot.quotes.rules`; two different people are never merged;
* :mod:`bot.quotes.store`: ``QuoteTables``, a derived table of the notes cache (built
  and updated by the cache's writer in the same transaction as the notes) and its SQL;
* :mod:`bot.quotes.service`: ``QuoteService``, what ``/quote`` and ``/quotes`` ask.

Importers use the names below.
"""

from bot.quotes.records import Quote, QuotePick, SpeakerChoice

__all__ = ["Quote", "QuotePick", "SpeakerChoice"]
