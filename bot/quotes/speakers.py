"""Who is a person, and one identity per person within a channel.

:func:`speaker_of` reads the person a note names from a callout's title, a dash line or a
``Name:`` prefix (the role kept apart); :func:`resolve` merges the spellings of one
person in a channel ("Altman", "Sam Altman", "Sam altman.", a caption's "Sam Altmann")
by the thresholds in :mod:`bot.quotes.rules`, and never two different people.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass

from rapidfuzz.distance import Levenshtein
from rapidfuzz.fuzz import ratio

from bot.quotes import rules

_EMPHASIS = "*_~` \t"
_NAME_WINDOW = 200  # an attribution longer than this is prose, not a name
_URL = re.compile(r"\(?https?://\S{1,300}+\)?")
_INITIALS = re.compile(r"(?:[A-Z]\.){1,4}+|[A-Z]")
_NAME_TOKEN = re.compile(r"[^\W\d_][\w.'’-]{0,40}+")
_PUNCTUATION = re.compile(r"[^\w\s]")
# Letters that Unicode does not decompose into a base letter and an accent
_UNDECOMPOSED = str.maketrans({"ø": "o", "æ": "ae", "œ": "oe", "ß": "ss", "đ": "d", "ł": "l",
                               "þ": "th", "ð": "d", "ı": "i"})


@dataclass(frozen=True, slots=True)
class Identity:
    channel: str
    name: str  # the display name: the most complete, most frequent spelling
    aliases: tuple[str, ...]  # every spelling seen (name included), sorted


def trailing_name(words: list[str]) -> str:
    """The name at the end of some words ("As the great Ada Ray" -> "Ada Ray")."""
    out: list[str] = []
    for word in reversed(words):
        if word.casefold() in rules.TOPIC_WORDS or not (
                word[:1].isupper() or (out and word in rules.NAME_PARTICLES)):
            break
        out.append(word)
    return " ".join(reversed(out))


def leading_name(words: list[str]) -> str:
    """The name at the start of some words ("Ada Ray during the talk" -> "Ada Ray")."""
    out: list[str] = []
    for word in words:
        if not (word[:1].isupper() or (out and word in rules.NAME_PARTICLES)):
            break
        out.append(word)
    return " ".join(out)


def speaker_of(raw: str | None, *, strict: bool, not_names: set[str],
             sure: bool = False) -> tuple[str | None, str | None]:
    """The person a name, title or attribution line names, and the role the note gives
    them: ``(None, None)`` when it names nobody. ``strict`` for a callout's title or a
    ``Name:`` prefix (headings and labels look like names there); ``sure`` for the title
    of an ``[!info]`` callout, nearly always a heading: a known first name, an honorific,
    initials or "X on Y" must show a person."""
    if not raw:
        return None, None
    text = _URL.sub("", raw.strip()).strip(_EMPHASIS + "\"“”'.:;,")
    if not text or len(text) > _NAME_WINDOW or fold(text) in not_names:
        return None, None
    text = text.split(": ", 1)[0].strip(_EMPHASIS)
    evidence = False
    low = text.casefold()
    for opener in rules.SPEAKER_OPENERS:
        if low.startswith(opener):
            text, evidence = text[len(opener):].strip(), True
            break
    name, role = cut(text, rules.ROLE_SEPARATORS)
    head, _ = cut(name, rules.TOPIC_CONNECTORS)
    if head != name:
        evidence = evidence or name[len(head):].startswith(rules.EVIDENCE_CONNECTORS)
        name = head
    head, affiliation = cut(name, rules.ROLE_CONNECTORS)
    if affiliation is not None:
        name, role = head, role or affiliation
    possessive = re.match(r"(?P<name>[^'’]{1,80}+)['’]s?[ \t]++(?P<noun>\w++)", name)
    if possessive is not None:
        if strict and possessive.group("noun").casefold() not in rules.SPEECH_NOUNS:
            return None, None
        name, evidence = possessive.group("name"), True
    name = name.strip(_EMPHASIS + "\"“”'.,")
    if " " in name and name.rsplit(" ", 1)[1].casefold() in rules.SAY_VERBS:
        verb = name.rsplit(" ", 1)[1].casefold()
        name = name.rsplit(" ", 1)[0]  # "Ada Ray recalls"
        evidence = evidence or verb in rules.SAY_VERB_EVIDENCE  # "Ada recalls"
    if role is not None:
        role = role.strip(_EMPHASIS + "()\"“”'.,; ")
        role = role if any(c.isalpha() for c in role) else None
    parts = re.split(r" (?:and|&) ", name)
    if len(parts) > 2 or not all(is_person(p, strict, evidence, sure) for p in parts):
        return None, None
    if fold(name) in not_names:
        return None, None
    return name, role or None


def is_person(name: str, strict: bool, evidence: bool, sure: bool = False) -> bool:
    """1-4 capitalised name words (honorifics, particles, initials aside), none a label
    or topic word; in strict mode a lone word needs evidence ("X on Y", "X's View")."""
    tokens = name.split()
    if not tokens or len(name) > rules.MAX_NAME_CHARS:
        return False
    core: list[str] = []
    titled = initials = False
    for index, token in enumerate(tokens):
        folded = token.casefold()
        if not core and folded in rules.HONORIFICS and index < len(tokens) - 1:
            titled = True
        elif core and ((folded in rules.NAME_PARTICLES and token[:1].islower())
                       or folded in rules.NAME_SUFFIXES):
            continue
        elif _INITIALS.fullmatch(token):
            initials = True
        elif _NAME_TOKEN.fullmatch(token) and token[:1].isupper():
            core.append(folded.strip(".'’"))
        else:
            return False
    if not core or len(core) > rules.MAX_NAME_WORDS:
        return False
    if any(w in rules.LABEL_WORDS or w in rules.TOPIC_WORDS for w in core):
        return False
    known = core[0] in rules.FIRST_NAMES or titled or initials
    if not strict or known:
        return True
    if sure and not evidence:
        return False
    if any(len(w) >= rules.SUFFIX_MIN_LENGTH and w.endswith(rules.TOPIC_SUFFIXES) for w in core):
        return False
    return len(core) >= 2 or evidence


def cut(text: str, separators: tuple[str, ...]) -> tuple[str, str | None]:
    """``text`` cut at the earliest of ``separators``: (before, after or None)."""
    best = -1
    found = ""
    for sep in separators:
        at = text.find(sep)
        if at > 0 and (best < 0 or at < best):
            best, found = at, sep
    if best < 0:
        return text, None
    return text[:best].strip(), text[best + len(found):].strip() or None



def fold(text: str) -> str:
    """Case and punctuation folded: what a name, a title and a heading compare by."""
    return " ".join(re.sub(r"[^\w\s]", " ", text.casefold()).split())




def name_key(name: str) -> str:
    """The folded form used for matching and search: case folded, accents and
    punctuation dropped ("Sam Altman." and "sam altman" -> "sam altman"; "O'Brien" ->
    "obrien"; "Stephens-Davidowitz" -> "stephens davidowitz")."""
    text = unicodedata.normalize("NFKD", name.casefold().translate(_UNDECOMPOSED))
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = text.replace("'", "").replace("’", "")
    return " ".join(_PUNCTUATION.sub(" ", text).split())


@dataclass(frozen=True, slots=True)
class _Form:
    """A spelling's name words for matching: honorifics and suffixes dropped."""

    words: tuple[str, ...]
    initials: tuple[str, ...]  # middle initials ("George W. Bush" -> ("w",))

    @property
    def first(self) -> str:
        return self.words[0]

    @property
    def last(self) -> str:
        return self.words[-1]


def _form(name: str) -> _Form | None:
    words = name_key(name).split()
    while len(words) > 1 and words[0] in _HONORIFIC_KEYS:
        words.pop(0)
    while len(words) > 1 and words[-1] in _SUFFIX_KEYS:
        words.pop()
    if not words:
        return None
    middle = tuple(w for w in words[1:-1] if len(w) == 1)
    core = tuple(w for i, w in enumerate(words) if len(w) > 1 or i in (0, len(words) - 1))
    return _Form(core, middle)


_HONORIFIC_KEYS = frozenset(name_key(w) for w in rules.HONORIFICS) - {""}
_SUFFIX_KEYS = frozenset(name_key(w) for w in rules.NAME_SUFFIXES) - {""}


def _close(a: str, b: str, min_ratio: float, max_edits: int) -> bool:
    return a == b or (ratio(a, b) >= min_ratio
                      and Levenshtein.distance(a, b, score_cutoff=max_edits) <= max_edits)


def _same_person(a: _Form, b: _Form) -> bool:
    """Two full names of one person: first names alike and surnames alike (a caption's
    garble), middle initials not in conflict."""
    if len(a.words) < 2 or len(b.words) < 2:
        return False
    if a.initials and b.initials and a.initials != b.initials:
        return False  # "George H. W. Bush" and "George W. Bush"
    if min(len(a.last), len(b.last)) < rules.GARBLE_MIN_SURNAME and a.last != b.last:
        return False
    return (_close(a.first, b.first, rules.GARBLE_FIRST_RATIO, rules.GARBLE_FIRST_EDITS)
            and _close(a.last, b.last, rules.GARBLE_LAST_RATIO, rules.GARBLE_LAST_EDITS))


def resolve(names: Mapping[str, Mapping[str, int]]) -> dict[tuple[str, str], Identity]:
    """One identity per person within each channel. ``names``: channel -> {speaker as
    written: number of quotes}; the result maps (channel, as written) to its identity.
    Deterministic: the same input gives the same identities, whatever its order."""
    result: dict[tuple[str, str], Identity] = {}
    for channel in sorted(names):
        counts = names[channel]
        for members in _clusters(counts):
            display = max(members, key=lambda n: _display_rank(n, counts[n]))
            identity = Identity(channel, display, tuple(sorted(members)))
            for member in members:
                result[(channel, member)] = identity
    return result


def _clusters(counts: Mapping[str, int]) -> list[list[str]]:
    """The spellings of a channel grouped by person."""
    groups: dict[tuple[str, ...], list[str]] = {}
    forms: dict[tuple[str, ...], _Form] = {}
    for written in sorted(counts):
        form = _form(written)
        key = (*form.words, *form.initials) if form is not None else (written,)
        groups.setdefault(key, []).append(written)
        if form is not None:
            forms.setdefault(key, form)
    def full(key: tuple[str, ...]) -> bool:
        return key in forms and len(forms[key].words) >= 2

    clusters: list[list[tuple[str, ...]]] = []
    for key in sorted(k for k in groups if full(k)):
        for cluster in clusters:  # complete linkage: alike to every name already there
            if all(_same_person(forms[key], forms[other]) for other in cluster):
                cluster.append(key)
                break
        else:
            clusters.append([key])
    people = list(clusters)  # full names only: a lone word never takes in another
    for key in sorted(k for k in groups if not full(k)):
        home = _lone_home(key[0], people, forms) if key in forms else None
        if home is not None:
            home.append(key)
        else:
            clusters.append([key])
    return [[w for key in cluster for w in groups[key]] for cluster in clusters]


def _lone_home(word: str, people: list[list[tuple[str, ...]]],
               forms: Mapping[tuple[str, ...], _Form]) -> list[tuple[str, ...]] | None:
    """The one person (a cluster of full names) whose surname, else whose first name, is
    ``word``; ``None`` when none is, or several are."""
    by_last = [c for c in people if any(forms[key].last == word for key in c)]
    if by_last:
        return by_last[0] if len(by_last) == 1 else None
    if rules.MERGE_LONE_FIRST_NAME:
        by_first = [c for c in people if any(forms[key].first == word for key in c)]
        if len(by_first) == 1:
            return by_first[0]
    return None


def _display_rank(written: str, count: int) -> tuple[int, bool, int, int, str]:
    """Most complete (name words), well written (capitalised, no stray punctuation),
    most frequent; then the longest and the first in order, for a stable choice."""
    form = _form(written)
    words = len(form.words) if form is not None else 0
    tidy = written == written.strip(" .,;:*_") and all(
        w[:1].isupper() or w.casefold() in rules.NAME_PARTICLES for w in written.split())
    return words, tidy, count, len(written), "".join(chr(0x10FFFF - ord(c)) for c in written)
