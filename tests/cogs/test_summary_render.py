"""The /summarize embed, from hand-made summaries: the note and episode linked, each sentence
with its moment, the sections drawn on, length and summarizer; Discord's limits with whole
sentences only; hostile note text shown safely; links only where they are valid."""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

import pytest

from bot.summaries import Summary, SummaryInput, SummarySentence
from bot.summaries.records import InputSection
from cogs.render.summary import DRAWN_FROM, EMPTY, summary_embed
from cogs.replies import Reply
from tests.cogs.test_quote_render import BIDI, HOSTILE, LIVE_MASKED_LINK, all_text, check_limits

VIDEO = "aBcDeFgHiJk"
SECTIONS = (InputSection(0, "", "Tides rise twice a day.", ((0, 65),)),
            InputSection(1, "The Pull of Two Bulges", "The Moon pulls.", ()),
            InputSection(2, "Spring and Neap", "Spring tides spring up.", ()),
            InputSection(3, "Conclusion", "The sea keeps time.", ()))


def make_source(**changes: Any) -> SummaryInput:
    source = SummaryInput(note_id=7, channel="tidewatch", channel_name="Tide Watch",
                          slug="moon_tides", title="Moon tides", video_id=VIDEO,
                          episode_title="Tides and the Moon", content_hash="abc",
                          sections=SECTIONS, section_index=None)
    return replace(source, **changes)


def sentence(text: str, seconds: int | None = None, section: int = 0,
             video_id: str | None = VIDEO) -> SummarySentence:
    return SummarySentence(text=text, section_index=section, seconds=seconds, video_id=video_id)


def make_summary(sentences: tuple[SummarySentence, ...] | None = None, **changes: Any) -> Summary:
    summary = Summary(source=make_source(), length="short",
                      sentences=sentences if sentences is not None else (
                          sentence("Tides rise and fall twice a day.", 65),
                          sentence("Spring tides have nothing to do with the season.",
                                   section=2),
                          sentence("The sea keeps time for the harbour.", 3754, section=3)),
                      sections_used=(0, 2, 3), summarizer="extractive")
    return replace(summary, **changes)


def field(embed: Any, name: str) -> str:
    return next(f.value for f in embed.fields if f.name == name)


def test_a_summary_shows_its_note_episode_sentences_moments_sections_and_summarizer() -> None:
    embed = summary_embed(make_summary())
    check_limits(embed)
    assert embed.title == "Moon tides"
    assert embed.url == f"https://www.youtube.com/watch?v={VIDEO}"
    assert embed.author.name == "Tide Watch · Tides and the Moon"
    assert embed.description == (
        f"Tides rise and fall twice a day. [▶ 1:05](https://www.youtube.com/watch?v={VIDEO}&t=65s)"
        "\n\nSpring tides have nothing to do with the season."
        f"\n\nThe sea keeps time for the harbour. "
        f"[▶ 1:02:34](https://www.youtube.com/watch?v={VIDEO}&t=3754s)")
    assert field(embed, DRAWN_FROM) == "• Introduction\n• Spring and Neap\n• Conclusion"
    assert embed.footer.text == "Short summary of the whole note · extractive"


def test_a_section_summary_names_its_section_and_its_summarizer() -> None:
    summary = make_summary((sentence("The Moon pulls the sea.", 200, section=1),),
                           source=make_source(sections=(SECTIONS[1],), section_index=1),
                           sections_used=(1,), length="long",
                           summarizer="abstractive:llama3.1:8b")
    embed = summary_embed(summary)
    assert field(embed, DRAWN_FROM) == "• The Pull of Two Bulges"
    assert embed.footer.text == ("Long summary of “The Pull of Two Bulges” · "
                                 "abstractive:llama3.1:8b")


def test_the_fallback_reason_is_shortened_to_one_line() -> None:
    reason = "timeout after 8.0 s talking to http://127.0.0.1:9/v1/chat/completions\n" + \
        "x" * 3000
    embed = summary_embed(make_summary(summarizer=f"extractive (fallback: {reason})"))
    footer = embed.footer.text
    assert footer.startswith("Short summary of the whole note · extractive (fallback: timeout")
    assert footer.endswith("…)") and "\n" not in footer and len(footer) < 200
    short = summary_embed(make_summary(summarizer="extractive (fallback: HTTP 500)"))
    assert short.footer.text.endswith("· extractive (fallback: HTTP 500)")


@pytest.mark.parametrize("video_id", [None, "short", "abc) [Free Nitro](https://evil.example/?",
                                      "aBcDeFgHiJk&x", "aBcDeFgHiJ "])
def test_no_link_without_a_valid_video_id(video_id: str | None) -> None:
    summary = make_summary(tuple(replace(s, video_id=video_id)
                                 for s in make_summary().sentences),
                           source=make_source(video_id=video_id))
    embed = summary_embed(summary)
    check_limits(embed)
    assert embed.url is None
    text = all_text(embed)
    assert "https://" not in text and "evil" not in text and "▶" not in text
    assert "Tides rise and fall twice a day." in embed.description


@pytest.mark.parametrize("seconds", [-5, 24 * 3600 + 1, 10 ** 9])
def test_an_impossible_moment_gets_no_link(seconds: int) -> None:
    embed = summary_embed(make_summary((sentence("A moment out of range.", seconds),)))
    assert embed.description == "A moment out of range."


def test_a_huge_summary_keeps_whole_sentences_within_every_limit() -> None:
    sentences = tuple(sentence(f"Sentence {n} says " + "something long " * 40 + "end.", n * 60)
                      for n in range(40))
    source = make_source(title="T" * 6000, channel_name="C" * 6000, episode_title="E" * 6000,
                         sections=tuple(InputSection(n, "H" * 6000, "", ())
                                        for n in range(60)))
    embed = summary_embed(make_summary(sentences, source=source,
                                       sections_used=tuple(range(60)),
                                       summarizer="abstractive:" + "m" * 6000))
    check_limits(embed)
    shown = embed.description.split("\n\n")
    assert 1 < len(shown) < 40
    for n, text in enumerate(shown):  # whole sentences, in order, each with its moment
        assert text.startswith(f"Sentence {n} says ") and " end. [▶ " in text
        assert text.endswith(f"&t={n * 60}s)")
    assert f"{40 - len(shown)} more sentences did not fit" in embed.footer.text
    assert "… and" in field(embed, DRAWN_FROM)


def test_the_description_fills_up_to_4096_but_never_past() -> None:
    # 41 sentences of 99 characters and a separator: 41 * 101 - 2 = 4139 > 4096
    sentences = tuple(sentence("w" * 98 + ".") for _ in range(41))
    embed = summary_embed(make_summary(sentences))
    check_limits(embed)
    assert embed.description.count("w.") == 40 and len(embed.description) == 40 * 101 - 2
    assert embed.footer.text.endswith("1 more sentence did not fit")


def test_a_section_whose_sentences_were_all_left_out_is_not_listed() -> None:
    sentences = (*(sentence("w" * 98 + ".", section=1) for _ in range(39)),
                 sentence("x" * 98 + ".", section=2), sentence("y" * 98 + ".", section=3),
                 sentence("z" * 98 + ".", section=2))
    embed = summary_embed(make_summary(sentences, sections_used=(1, 2, 3)))
    check_limits(embed)
    assert "x." in embed.description and "y." not in embed.description
    assert "2 more sentences did not fit" in embed.footer.text
    assert field(embed, DRAWN_FROM) == "• The Pull of Two Bulges\n• Spring and Neap"


def test_a_single_sentence_too_long_even_alone_is_clipped_rather_than_lost() -> None:
    embed = summary_embed(make_summary((sentence("*" * 3000, 5), sentence("Next."))))
    check_limits(embed)
    assert embed.description.startswith("\\*\\*")
    assert embed.description.endswith(f"\\*… [▶ 0:05](https://www.youtube.com/watch?v={VIDEO}&t=5s)")
    assert "Next." not in embed.description
    assert "1 more sentence did not fit" in embed.footer.text


def test_no_sentences_says_so() -> None:
    embed = summary_embed(make_summary((), sections_used=()))
    check_limits(embed)
    assert embed.description == EMPTY
    assert DRAWN_FROM not in [f.name for f in embed.fields]


def test_mentions_markdown_nul_and_bidi_marks_are_shown_safely() -> None:
    source = make_source(title=HOSTILE, channel_name=HOSTILE, episode_title=HOSTILE,
                         sections=tuple(replace(s, heading=HOSTILE) for s in SECTIONS))
    sentences = (sentence(HOSTILE, 65), sentence("[[moon_tides | Moon tides]] wiki " + HOSTILE))
    embed = summary_embed(make_summary(sentences, source=source, sections_used=(1,),
                                       summarizer="abstractive:@everyone\x00" + BIDI))
    check_limits(embed)
    text = all_text(embed)
    assert "\x00" not in text
    assert not any(mark in text for mark in BIDI)
    assert "@everyone" not in text and "@here" not in text
    assert "<@123456789012345678>" not in text and "<@&42>" not in text and "<#77>" not in text
    assert "everyone" in text and "123456789012345678" in text  # shown, defused
    rendered = text.replace(embed.author.name or "", "")  # the author line: no markdown
    assert [m for m in LIVE_MASKED_LINK.findall(rendered) if not m.startswith("[▶")] == []
    assert "\\*\\*bold\\*\\*" in embed.description and "\\`code\\`" in embed.description
    assert "\\|\\|spoiler\\|\\|" in embed.description
    assert "[[" not in embed.description and "Moon tides wiki" in embed.description
    assert "\n\\#" not in embed.description and "\n" not in embed.description.split("\n\n")[0]
    assert len(re.findall(r"\[▶ 1:05\]\(https://www\.youtube\.com/watch\?v=aBcDeFgHiJk&t=65s\)",
                          embed.description)) == 1


def test_a_reply_of_a_summary_pings_nobody() -> None:
    reply = Reply(embeds=[summary_embed(make_summary((sentence(HOSTILE),)))])
    assert reply.send_kwargs()["allowed_mentions"].to_dict() == {"parse": []}
