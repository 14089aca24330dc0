"""Text as the search sees it: folded words, their stems, and the words it ignores.

Stems come from the Snowball English stemmer (PyStemmer, a C library): ``layoffs`` and
``layoff``, ``roasting`` and ``roast``, ``ponies`` and ``pony`` meet on one key. It only has
to map a word and its usual variants to one key, for matching; nothing shows a stem.
"""

from __future__ import annotations

import functools
import re
import threading
import unicodedata

import Stemmer

from bot.notes.names import clean_line, strip_invisible

WORD = re.compile(r"[^\W_]+")
_MD_LINK = re.compile(r"\[([^\[\]]*)\]\([^()\s]*\)")
_WIKI_LINK = re.compile(r"\[\[([^\[\]|]*)(?:\|([^\[\]]*))?\]\]")
_MD_MARKS = re.compile(r"[*`]+")

_STOPWORD_TEXT = """
a about above after again against all am an and any are as at be because been before being
below between both but by can could did do does doing down during each few for from further
had has have having he her here hers herself him himself his how i if in into is it its
itself just me more most my myself no nor not now of off on once only or other our ours
ourselves out over own same she should so some such than that the their theirs them
themselves then there these they this those through to too under until up very was we were
what when where which while who whom why will with would you your yours yourself
yourselves s t don isn doesn didn
also another anyone anything around away back cannot could every everyone everything
get gets getting got go goes going gone like lot lots make makes made making many much
one ones really say says said see seem seems someone something stuff thing things
tell thats there's way ways well whats yet even ever still whether within without vs versus
"""  # generic words of questions ("what does someone say about the way ..."): searching
# them finds everything; they still count in exact and prefix title matches
STOPWORDS = frozenset(_STOPWORD_TEXT.split())

_LOCAL = threading.local()  # a Stemmer object is not thread-safe: one per thread


def stemmer() -> Stemmer.Stemmer:
    """This thread's Snowball English stemmer."""
    found: Stemmer.Stemmer | None = getattr(_LOCAL, "stemmer", None)
    if found is None:
        found = _LOCAL.stemmer = Stemmer.Stemmer("english")
    return found


def fold(text: str) -> str:
    """Text as the index sees it: invisible marks and diacritics dropped, case folded."""
    if text.isascii():
        return text.lower()
    text = unicodedata.normalize("NFKD", strip_invisible(text))
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return unicodedata.normalize("NFKC", text.casefold())


def words(text: str) -> list[str]:
    """The folded words of ``text`` (letters and digits; everything else separates)."""
    return WORD.findall(fold(text))


@functools.lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """The Snowball English stem of a folded word (words of three letters or fewer, and
    words with digits, are their own stem)."""
    if len(word) <= 3 or not word.isalpha():
        return word
    return str(stemmer().stemWord(word))


def stem_all(found: list[str]) -> list[str]:
    """:func:`stem` of many words at once (one call into the C stemmer)."""
    stems = stemmer().stemWords(found)
    return [w if len(w) <= 3 or not w.isalpha() else s for w, s in zip(found, stems, strict=True)]


def clean_heading(heading: str) -> str:
    """A heading for display and matching: markdown and wiki links reduced to their label,
    emphasis marks dropped."""
    if "[" in heading:
        heading = _WIKI_LINK.sub(lambda m: (m.group(2) or m.group(1)).strip(), heading)
        heading = _MD_LINK.sub(r"\1", heading)
    if "*" in heading or "`" in heading:
        heading = _MD_MARKS.sub("", heading)
    return clean_line(heading)


def max_edits(word: str) -> int:
    return 1 if len(word) <= 7 else 2


def similarity(edits: int, length: int = 6) -> float:
    """How much a word one or two edits away counts (a long word's typo is unambiguous)."""
    if edits <= 0:
        return 1.0
    return (0.9 if length >= 6 else 0.85) if edits == 1 else 0.75


def shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: max(0, limit - 1)].rstrip() + "…"


def same_but_number(a: str, b: str) -> bool:
    """``a`` and ``b`` differ only as singular and plural (``car``/``cars``,
    ``policy``/``policies``, ``box``/``boxes``)."""
    short, long = sorted((a, b), key=len)
    return (long == short + "s" or long == short + "es"
            or (short.endswith("y") and long == short[:-1] + "ies"))
