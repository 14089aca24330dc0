"""The data the quote rules use: plain constants, one rule per line (see classify.py)."""

from __future__ import annotations

# Words that make a name a label, not a person ("Question:", "Key point").
LABEL_WORDS: frozenset[str] = frozenset({
    "answer", "definition", "example", "key", "note", "question", "quote", "summary",
    "takeaway", "tip", "insight", "point", "lesson", "principle",
})

# Separators between a name and its role ("Sam Altman, CEO of OpenAI").
ROLE_SEPARATORS: tuple[str, ...] = (", ", " (")

# Callout types that hold a quote.
QUOTE_CALLOUTS: frozenset[str] = frozenset({"callout"})
