"""The terminal text of ``notecast topic``, ``search`` and ``related`` (:mod:`bot.cli.show`),
from hand-made service results: what it shows, and that hostile note text prints nothing
a terminal would act on."""

from __future__ import annotations

import unicodedata

from bot.cli import show
from bot.notes.reader import NoteCard, SectionInfo
from bot.search import LookupResult, NoteRef, Related, SearchHit, TopicHit

VIDEO = "VQll5QGjxrI"
WATCH = f"https://www.youtube.com/watch?v={VIDEO}"
# an ANSI colour, a clear-screen, a title change (OSC ... BEL), a C1 CSI, a bidi override,
# a zero-width space and a BOM
HOSTILE = "\x1b[31mred\x1b[0m \x1b[2J\x1b]0;evil\x07 \x9b1m \u202eesrever\u202c zero\u200bwidth\ufeff"


def printable(text: str) -> bool:
    """Nothing a terminal acts on: no control character but the line breaks, no format
    character (bidi overrides, zero-width marks)."""
    return all(ch == "\n" or unicodedata.category(ch) not in ("Cc", "Cf") for ch in text)


def hit(note_id: int, title: str, *, why: str = "title", section: str | None = None,
        index: int | None = None, channel_name: str = "Physics Hour") -> TopicHit:
    return TopicHit(note_id, "physics", f"note_{note_id}", title, VIDEO, WATCH, "Episode 1",
                    0.8, section, why, index, channel_name)


def card(title: str = "Quantum tunneling", heading_extra: str = "", body_extra: str = "",
         video_id: str | None = VIDEO) -> NoteCard:
    sections = (
        SectionInfo(0, 0, "", "", None),
        SectionInfo(1, 0, "", f"  Particles   cross\nbarriers {body_extra} they could not "
                              "climb. " + "More words follow here. " * 40, 12),
        SectionInfo(2, 2, f"Barriers {heading_extra}", "A barrier is a wall of energy.", 316),
        SectionInfo(3, 2, "Tunnel diodes", "Diodes use [[tunnel_effect|the effect]] daily.",
                    7955),
        SectionInfo(4, 2, "Open questions", "Nobody knows.", None),
    )
    return NoteCard(1, "physics", "Physics Hour", "quantum_tunneling", title, video_id,
                    "Episode 1", "physics/quantum_tunneling.md", "", sections)


def related(note_title: str = "Quantum tunneling") -> Related:
    return Related(NoteRef(1, "physics", "quantum_tunneling", note_title),
                   links_out=[NoteRef(2, "physics", "barriers", "Barriers")],
                   backlinks=[NoteRef(2, "physics", "barriers", "Barriers"),
                              NoteRef(3, "chem", "diodes", "Diodes [[x|in practice]]")],
                   same_episode=[], unresolved_links=["Gamow", "WKB"],
                   episode_title="Episode 1", url=WATCH)


def test_a_line_drops_escapes_controls_and_bidi_and_shows_wikilink_labels() -> None:
    shown = show.line(f"Title {HOSTILE} [[target|the label]] [[plain/path]] ]]stray")
    assert printable(shown) and "\x1b" not in shown
    assert "[31mred" in shown  # the escape's own character is gone: nothing to act on
    assert "the label" in shown and "path" in shown and "[[" not in shown and "]]" not in shown
    assert "\n" not in show.line("one\ntwo\tthree")


def test_clip_cuts_at_a_word_boundary() -> None:
    assert show.clip("word " * 200, 50).endswith("word…")
    assert len(show.clip("word " * 200, 50)) <= 50
    assert show.clip("short", 50) == "short"


def test_a_moment_is_its_time_and_its_link() -> None:
    assert show.moment(VIDEO, 7955) == f"2:12:35 {WATCH}&t=7955s"
    assert show.moment(VIDEO, 316) == f"5:16 {WATCH}&t=316s"
    assert show.moment(VIDEO, None) == ""
    assert show.moment("abc) [x](https://evil", 316) == ""  # no link from a bad video id


def test_topic_shows_the_note_its_opening_sections_moments_links_and_other_matches() -> None:
    best = hit(1, "Quantum tunneling", why="text", section="Tunnel diodes", index=3)
    others = [best, hit(5, "Wave functions", section="Barriers", channel_name="Wave Club"),
              hit(6, "Alpha decay")]
    text = show.topic_text(card(), best, others, related())
    lines = text.splitlines()
    assert lines[:3] == ["Quantum tunneling", "Physics Hour · Episode 1", WATCH]
    assert "Particles cross barriers they could not climb." in text  # white space folded
    opening = text.split("\n\n")[1]
    assert opening.endswith("…") and len(" ".join(opening.split())) <= show.INTRO_CHARS
    assert "Matched in section 2, “Tunnel diodes” (by text)" in text
    assert f"2:12:35 {WATCH}&t=7955s" in text
    assert "Diodes use the effect daily." in text
    assert f" 1. Barriers  5:16 {WATCH}&t=316s" in text
    assert f"›  2. Tunnel diodes  2:12:35 {WATCH}&t=7955s" in lines
    assert "   3. Open questions" in lines  # no moment, no link
    links_to = text.split("Links to:\n")[1].split("\n\n")[0]
    linked_from = text.split("Linked from:\n")[1].split("\n\n")[0]
    assert links_to == "  • Barriers"
    assert linked_from == "  • Diodes in practice"  # a backlink also linked to is shown once
    assert "   1. Wave functions › Barriers — Wave Club" in lines
    assert "   2. Alpha decay — Physics Hour" in lines
    assert "Quantum tunneling ›" not in text  # the best note is not another match


def test_a_title_match_has_no_matched_section_and_a_note_without_video_no_links() -> None:
    best = hit(1, "Quantum tunneling")
    text = show.topic_text(card(video_id=None), best, [best], None)
    assert "Matched in" not in text and "Other matches" not in text
    assert "https://" not in text and " 1. Barriers" in text


def test_hostile_note_text_prints_nothing_a_terminal_acts_on() -> None:
    best = hit(1, f"Quantum {HOSTILE}", why="heading", section=f"Barriers {HOSTILE}", index=2)
    texts = [
        show.topic_text(card(f"Quantum {HOSTILE}", HOSTILE, HOSTILE), best,
                        [best, hit(2, HOSTILE, section=HOSTILE, channel_name=HOSTILE)],
                        related(HOSTILE)),
        show.no_match_text(HOSTILE, LookupResult(HOSTILE, [], False, [HOSTILE])),
        show.search_text([SearchHit(1, HOSTILE, HOSTILE, HOSTILE, 2, HOSTILE,
                                    f"**{HOSTILE}**", 1.0, VIDEO, WATCH)]),
        show.no_hits_text(HOSTILE),
        show.related_text(Related(NoteRef(1, HOSTILE, HOSTILE, HOSTILE), [], [], [],
                                  [HOSTILE], HOSTILE, WATCH)),
        show.unknown_note(HOSTILE), show.unknown_channel(HOSTILE),
    ]
    for text in texts:
        assert printable(text), repr(text)
        assert "red" in text


def test_no_match_says_so_and_lists_the_closest_titles() -> None:
    result = LookupResult("quantm", [hit(1, "Quantum tunneling")], False,
                          ["Quantum tunneling", "Quantum [[foam|foam]]"])
    assert show.no_match_text("  quantm\n", result).splitlines() == [
        "No note matches “quantm” well.", "Did you mean:", "  • Quantum tunneling",
        "  • Quantum foam"]
    assert show.no_match_text("x", LookupResult("x", [], False)) == "No note matches “x” well."


def test_search_numbers_the_hits_with_their_snippet_and_link() -> None:
    hits = [SearchHit(1, "physics", "quantum_tunneling", "Quantum tunneling", 2, "Barriers",
                      "a **barrier** is a\nwall", 2.0, VIDEO, WATCH),
            SearchHit(2, "chem", "diodes", "Diodes", 0, None, "**barrier** diodes", 1.0)]
    assert show.search_text(hits).splitlines() == [
        " 1. Quantum tunneling › Barriers — physics",
        "    a **barrier** is a wall",
        f"    {WATCH}",
        "",
        " 2. Diodes — chem",
        "    **barrier** diodes",
    ]
    assert show.no_hits_text("zzz") == "No section holds the words of “zzz”. Try fewer or other words."


def test_related_lists_every_group_as_the_json_does() -> None:
    text = show.related_text(related())
    assert text.splitlines() == [
        "Quantum tunneling", "physics/quantum_tunneling", "episode: Episode 1", WATCH,
        "", "Links to (1):", "  • Barriers (physics/barriers)",
        "", "Linked from (2):", "  • Barriers (physics/barriers)",
        "  • Diodes in practice (chem/diodes)",
        "", "Same episode (0):", "  none",
        "", "Mentioned, with no note of their own (2):", "  Gamow, WKB",
    ]


def test_related_shows_only_a_youtube_watch_link() -> None:
    for url in ("https://evil.example/watch?v=VQll5QGjxrI", "javascript:alert(1)",
                f"{WATCH}&v=abcdefghijk", "https://www.youtube.com/watch?v=short"):
        shown = show.related_text(Related(NoteRef(1, "c", "s", "T"), [], [], [], [], None, url))
        assert "http" not in shown and "javascript" not in shown


def test_a_lookup_that_could_not_run_has_its_sentence() -> None:
    assert show.reason_message(None, None) is None
    assert show.reason_message("empty", None) == "Type a few words to search for."
    assert "no words" in (show.reason_message("no words", None) or "")
    assert show.reason_message("unknown channel", "nope\x1b[2J") == \
        "There is no channel called “nope[2J”."
    assert "loading" in (show.reason_message("not ready", None) or "")
