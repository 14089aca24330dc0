"""Building a term index: each text's distinct stems, and postings shortest text first."""

from __future__ import annotations

from bot.search.term_build import build
from bot.search.text import stem, words

TEXTS = ["Black holes and black-hole mergers", "The hole", "Mergers of galaxies",
         "", "Quantum tunnelling through holes in 2024", "hole HOLE Hole"]


def test_postings_hold_every_text_of_a_stem_lightest_first() -> None:
    index = build(TEXTS, exact=True)
    expected_docs: dict[str, list[int]] = {}
    for doc, text in enumerate(TEXTS):
        stems = list(dict.fromkeys(stem(w) for w in words(text)))
        got = [index.stems[i] for i in index.doc_tids[index.doc_off[doc]:index.doc_off[doc + 1]]]
        assert got == stems  # distinct, in order of first use
        for s in stems:
            expected_docs.setdefault(s, []).append(doc)
    assert index.stems == sorted(expected_docs)
    for s, docs in expected_docs.items():
        posting = list(index.posting(s))
        assert sorted(posting) == docs
        assert posting == sorted(docs, key=lambda d: (index.doc_weight[d], d))
    assert index.norms[0] == "black holes and black hole mergers"
    assert {f: index.stems[i] for f, i in zip(index.forms, index.form_sids, strict=True)}[
        "mergers"] == "merger"
