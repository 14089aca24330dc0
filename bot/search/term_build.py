"""Building a :class:`~bot.search.term_index.TermIndex`: from texts, by appending texts
to one, and to and from the arrays persisted in the cache."""

from __future__ import annotations

import math
from array import array
from collections import Counter
from collections.abc import Callable, Iterable, Sequence

from bot.search.term_index import TermIndex, ints, offsets
from bot.search.text import stem_all, stemmer, words

_NL = "\n"  # separates strings in a blob (no stem, form or cleaned line holds one)

Blobs = dict[str, bytes]


def _tokenize(texts: Sequence[str]) -> tuple[list[list[str]], list[str], dict[str, str]]:
    """Each text's distinct stems (in order), its normalized form, and every written form's
    stem."""
    found = [words(text) for text in texts]
    forms = sorted({w for ws in found for w in ws})
    surface = dict(zip(forms, stem_all(forms), strict=True))
    doc_stems: list[list[str]] = []
    for ws in found:
        doc_stems.append(list(dict.fromkeys(surface[w] for w in ws)))
    return doc_stems, [" ".join(ws) for ws in found], surface


def build(texts: Iterable[str], *, exact: bool = False) -> TermIndex:
    """Index ``texts``. ``exact``: also keep the texts' normalized forms, for exact and
    prefix matches of the whole text (titles; not worth their memory for headings).

    One pass over the texts keeps only flat arrays and the distinct words: each text's
    distinct stems (provisional ids, in order of first use), renumbered in stem order at
    the end; postings are filled doc by doc in order of weight, so each comes out sorted
    (shortest text first) without a sort per stem.
    """
    form_pid: dict[str, int] = {}  # written form -> provisional stem id
    stem_pid: dict[str, int] = {}  # stem -> provisional id
    doc_off = offsets([0])
    doc_tids = ints()
    norms: list[str] = []
    stem_word = stemmer().stemWord  # not through stem()'s cache: each form comes once
    for text in texts:
        ws = words(text)
        if exact:
            norms.append(" ".join(ws))
        ids = [form_pid.get(w) for w in ws]
        if None in ids:
            for k, w in enumerate(ws):
                if ids[k] is None:
                    pid = form_pid.get(w)
                    if pid is None:
                        s = w if len(w) <= 3 or not w.isalpha() else stem_word(w)
                        pid = form_pid[w] = stem_pid.setdefault(s, len(stem_pid))
                    ids[k] = pid
        doc_tids.extend(dict.fromkeys(ids))  # type: ignore[arg-type]
        doc_off.append(len(doc_tids))
    stems = sorted(stem_pid)
    final = [0] * len(stems)
    for i, s in enumerate(stems):
        final[stem_pid[s]] = i
    doc_tids = ints(map(final.__getitem__, doc_tids))
    n = len(doc_off) - 1
    df = [0] * len(stems)
    for i, count in Counter(doc_tids).items():
        df[i] = count
    idf = [math.log(1.0 + (n - d + 0.5) / (d + 0.5)) for d in df]
    token_idf = list(map(idf.__getitem__, doc_tids))
    weight = array("d", (sum(token_idf[doc_off[d]:doc_off[d + 1]]) or 1.0 for d in range(n)))
    del token_idf
    post_off = offsets([0])
    for d in df:
        post_off.append(post_off[-1] + d)
    cursor = list(post_off[:-1])
    post = ints(bytes(4 * len(doc_tids)))
    for doc in sorted(range(n), key=weight.__getitem__):
        for k in range(doc_off[doc], doc_off[doc + 1]):
            i = doc_tids[k]
            post[cursor[i]] = doc
            cursor[i] += 1
    forms = sorted(form_pid)
    return TermIndex(stems=stems, post_off=post_off, post=post, doc_off=doc_off,
                     doc_tids=doc_tids, doc_weight=weight, forms=forms,
                     form_sids=ints(final[form_pid[f]] for f in forms),
                     norms=norms if exact else None)


def extended(index: TermIndex, texts: Sequence[str], dead: Iterable[int] = ()) -> TermIndex:
    """This index with ``texts`` appended (doc numbers from :attr:`size` on) and the
    docs ``dead`` never returned again. Stems new to the index are numbered after the
    others; each old stem's postings keep their order, the new docs after them."""
    dead_set = frozenset(dead) | index.dead
    if not texts:
        if dead_set == index.dead:
            return index
        return TermIndex(stems=index.stems, post_off=index.post_off, post=index.post,
                         doc_off=index.doc_off, doc_tids=index.doc_tids,
                         doc_weight=index.doc_weight, forms=index.forms,
                         form_sids=index.form_sids,
                         norms=index.norms if index.exact else None,
                         dead=dead_set, sorted_sids=index.sorted_sids)
    doc_stems, norms, surface = _tokenize(texts)
    stems = list(index.stems)
    sid = {s: i for i, s in enumerate(index.stems)}
    for ds in doc_stems:
        for s in ds:
            if s not in sid:
                sid[s] = len(stems)
                stems.append(s)
    extra: dict[int, list[int]] = {}
    doc_off = offsets(index.doc_off)
    doc_tids = ints(index.doc_tids)
    weight = array("d", index.doc_weight)
    base = index.size
    for k, ds in enumerate(doc_stems):
        total = 0.0
        for s in ds:
            i = sid[s]
            extra.setdefault(i, []).append(base + k)
            doc_tids.append(i)
            total += index.idf[i] if i < len(index.idf) else index.unseen_idf
        doc_off.append(len(doc_tids))
        weight.append(total or 1.0)
    post_off = offsets([0])
    post = ints()
    old = len(index.stems)
    for i in range(len(stems)):
        if i < old:
            post.extend(index.post[index.post_off[i]:index.post_off[i + 1]])
        post.extend(extra.get(i, ()))
        post_off.append(len(post))
    forms = sorted(set(index.forms) | set(surface))
    form_sid = dict(zip(index.forms, index.form_sids, strict=True))
    for f, s in surface.items():
        form_sid.setdefault(f, sid[s])
    order = None if len(stems) == old and index.sorted_sids is None else ints(
        sorted(range(len(stems)), key=stems.__getitem__))
    return TermIndex(stems=stems, post_off=post_off, post=post, doc_off=doc_off,
                     doc_tids=doc_tids, doc_weight=weight, forms=forms,
                     form_sids=ints(form_sid[f] for f in forms),
                     norms=[*index.norms, *norms] if index.exact else None, dead=dead_set,
                     sorted_sids=order)


def to_blobs(index: TermIndex, prefix: str) -> Blobs:
    """The arrays and strings that :func:`from_blobs` loads back (native byte order;
    the cache is this machine's derived data)."""
    out = {
        "stems": _NL.join(index.stems).encode(),
        "post_off": index.post_off.tobytes(), "post": index.post.tobytes(),
        "doc_off": index.doc_off.tobytes(), "doc_tids": index.doc_tids.tobytes(),
        "doc_weight": index.doc_weight.tobytes(),
        "forms": _NL.join(index.forms).encode(), "form_sids": index.form_sids.tobytes(),
        "norms": _NL.join(index.norms).encode() if index.norms else b"",
        "exact": b"1" if index.exact else b"0",
    }
    if index.sorted_sids is not None:
        out["sorted_sids"] = index.sorted_sids.tobytes()
    return {f"{prefix}.{k}": v for k, v in out.items()}


def from_blobs(prefix: str, blob: Callable[[str], bytes | None]) -> TermIndex:
    """An index from :func:`to_blobs`' output; ``KeyError`` when a part is missing."""
    def get(name: str) -> bytes:
        data = blob(f"{prefix}.{name}")
        if data is None:
            raise KeyError(f"{prefix}.{name}")
        return data

    def strings(name: str) -> list[str]:
        data = get(name)
        return data.decode().split(_NL) if data else []

    def typed(code: str, name: str) -> array:
        values = array(code)
        values.frombytes(get(name))
        return values

    sorted_data = blob(f"{prefix}.sorted_sids")
    sorted_sids = None
    if sorted_data is not None:
        sorted_sids = ints()
        sorted_sids.frombytes(sorted_data)
    return TermIndex(stems=strings("stems"), post_off=typed("q", "post_off"),
                     post=typed("i", "post"), doc_off=typed("q", "doc_off"),
                     doc_tids=typed("i", "doc_tids"), doc_weight=typed("d", "doc_weight"),
                     forms=get("forms"), form_sids=typed("i", "form_sids"),
                     norms=strings("norms") if get("exact") == b"1" else None,
                     sorted_sids=sorted_sids)


def empty() -> TermIndex:
    return build([])

