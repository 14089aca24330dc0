"""Inline markup to plain text: what a cut-out timestamp anchor leaves behind goes too."""

from __future__ import annotations

import pytest

from bot.notes.inline import render_inline
from tests.notes.helpers import ANCHOR


def _a(seconds: int) -> str:
    return ANCHOR.format(f"00:00:{seconds:02d}")


@pytest.mark.parametrize(("raw", "text", "offsets"), [
    (f"seen concretely {_a(1)} {_a(2)}.", "seen concretely.", [15, 15]),
    (f"as determined {_a(1)}, {_a(2)}.", "as determined.", [13, 13]),
    (f"= -1/12{_a(1)},{_a(2)},{_a(3)}. However", "= -1/12. However", [7, 7, 7]),
    (f"against the mill ({_a(4)}).\nNext", "against the mill.\nNext", [16]),
    (f"of its craft [{_a(5)}]. This", "of its craft. This", [12]),
])
def test_punctuation_an_anchor_leaves_is_dropped(raw: str, text: str,
                                                 offsets: list[int]) -> None:
    rendered, stamps, _ = render_inline(raw)
    assert rendered == text
    assert [off for _, _, off, _ in stamps] == offsets


@pytest.mark.parametrize(("raw", "text"), [
    ("call foo() and x = [] here, as is", "call foo() and x = [] here, as is"),
    (f"call foo() {_a(1)}.", "call foo()."),
    (f"call foo(){_a(1)} now", "call foo() now"),
    (f"the list x = [] {_a(1)}, then", "the list x = [], then"),
])
def test_brackets_the_note_wrote_stay(raw: str, text: str) -> None:
    assert render_inline(raw)[0] == text
