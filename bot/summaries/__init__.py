"""Summaries: the gist of a note or one of its sections, with the moments it came from.

* :mod:`bot.summaries.sentences`: a section's plain text split into sentences (pure,
  linear), each with the moments the note cites inside it;
* :mod:`bot.summaries.extractive`: the default summarizer: sentences ranked by centrality
  over the note's own sentences with term weights from the whole vault, redundancy
  removed, kept in document order, within Discord's limits; no download, no network;
* :mod:`bot.summaries.abstractive`: an optional summarizer through an OpenAI-compatible
  chat endpoint, behind the same interface, falling back to the extractive one;
* :mod:`bot.summaries.service`: ``SummaryService``, what ``/summarize`` and
  ``notecast summarize`` ask.

Importers use the names below.
"""

from bot.summaries.records import (
    LENGTHS,
    SUMMARY_TEXT_LIMIT,
    Summarizer,
    Summary,
    SummaryInput,
    SummarySentence,
)

__all__ = ["LENGTHS", "SUMMARY_TEXT_LIMIT", "Summarizer", "Summary", "SummaryInput",
           "SummarySentence"]
