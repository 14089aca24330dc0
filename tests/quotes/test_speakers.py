"""One identity per person within a channel, and never two people as one."""

from __future__ import annotations

import pytest

from bot.quotes.speakers import Identity, name_key, resolve, speaker_of


def identity(names: dict[str, int], written: str, channel: str = "talks") -> Identity:
    return resolve({channel: names})[(channel, written)]


@pytest.mark.parametrize(("written", "key"), [
    ("Sam Altman.", "sam altman"),
    ("sam  ALTMAN", "sam altman"),
    ("Zoë Brønte", "zoe bronte"),  # accents dropped
    ("Seth Stephens-Davidowitz", "seth stephens davidowitz"),
    ("Conan O'Brien", "conan obrien"),
    ("J.R.R. Tolkien", "j r r tolkien"),
])
def test_name_key_folds_case_accents_and_punctuation(written: str, key: str) -> None:
    assert name_key(written) == key


def test_a_surname_alone_joins_the_one_full_name_that_has_it() -> None:
    names = {"Sam Altman": 5, "Altman": 2, "Dana Whitfield": 1}
    sam = identity(names, "Altman")
    assert sam == Identity("talks", "Sam Altman", ("Altman", "Sam Altman"))
    assert identity(names, "Sam Altman") is sam or identity(names, "Sam Altman") == sam


def test_a_surname_shared_by_two_people_joins_neither() -> None:
    names = {"Sam Altman": 5, "Jack Altman": 1, "Altman": 2}
    assert identity(names, "Altman").aliases == ("Altman",)
    assert identity(names, "Sam Altman").aliases == ("Sam Altman",)
    assert identity(names, "Jack Altman").aliases == ("Jack Altman",)


@pytest.mark.parametrize(("a", "b"), [
    ("Lex Fridman", "Alex Fredman"),  # first names and surnames both garbled
    ("Lex Fridman", "Lex Friedman"),
    ("Yann LeCun", "Yan LeCun"),
    ("Georges St-Pierre", "George St. Pierre"),
    ("Jim Rutt", "Jim Rut"),
    ("Sam Altman", "Sam altman"),
    ("Sam Altman", "Sam Altman."),
    ("Cal Newport", "Dr. Cal Newport"),  # an honorific is no other person
    ("Lisa Feldman Barrett", "Lisa Barrett"),  # a middle name left out
])
def test_spellings_of_one_person_merge(a: str, b: str) -> None:
    merged = identity({a: 9, b: 1}, b)
    assert set(merged.aliases) == {a, b}
    assert merged.name == a


@pytest.mark.parametrize(("a", "b"), [
    ("Sam Altman", "Sam Harris"),
    ("John Smith", "Jane Smith"),
    ("Dan Brown", "Don Brown"),
    ("George H. W. Bush", "George W. Bush"),
    ("Ada Li", "Ada Lu"),
    ("Mark Chen", "Mark Chan"),
])
def test_two_different_people_never_merge(a: str, b: str) -> None:
    ids = resolve({"talks": {a: 3, b: 3}})
    assert ids[("talks", a)].aliases == (a,)
    assert ids[("talks", b)].aliases == (b,)


def test_identities_are_per_channel() -> None:
    ids = resolve({"talks": {"Sam Altman": 2}, "cooking": {"Altman": 4}})
    assert ids[("cooking", "Altman")] == Identity("cooking", "Altman", ("Altman",))
    assert ids[("talks", "Sam Altman")].channel == "talks"


def test_a_lone_first_name_joins_the_one_full_name_that_opens_with_it() -> None:
    names = {"Seth Stephens-Davidowitz": 3, "Seth": 1}
    assert identity(names, "Seth").name == "Seth Stephens-Davidowitz"
    names = {"Seth Rowe": 3, "Seth Stephens-Davidowitz": 3, "Seth": 1}
    assert identity(names, "Seth").aliases == ("Seth",)


def test_the_display_name_is_the_most_complete_then_the_most_frequent() -> None:
    names = {"Lex Fridman": 40, "Alex Fredman": 2, "Fridman": 3, "lex fridman": 50}
    ident = identity(names, "Fridman")
    assert ident.name == "Lex Fridman"
    assert ident.aliases == ("Alex Fredman", "Fridman", "Lex Fridman", "lex fridman")


def test_resolve_is_deterministic_whatever_the_order() -> None:
    names = {"Lex Fridman": 4, "Alex Fredman": 4, "Lex Friedman": 4, "Fridman": 1,
             "Sam Harris": 2, "Harris": 1, "Sam Altman": 1}
    first = resolve({"talks": names})
    again = resolve({"talks": dict(reversed(list(names.items())))})
    assert first == again


@pytest.mark.parametrize(("raw", "strict", "expected"), [
    ("Sam Altman, CEO of OpenAI", False, ("Sam Altman", "CEO of OpenAI")),
    ("Noor Haddad (founder)", False, ("Noor Haddad", "founder")),
    ("Ada Ray on planning", True, ("Ada Ray", None)),
    ("Ben from Larkspur", False, ("Ben", "Larkspur")),
    ("Jeff Marlo: \"Big winners pay for experiments.\"", False, ("Jeff Marlo", None)),
    ("Tepper Vance and Ada Ray", False, ("Tepper Vance and Ada Ray", None)),
    ("*From the transcript*", False, (None, None)),
    ("A poor mindset.", False, (None, None)),
    ("Podcast Host", False, (None, None)),
    ("Kernighan", True, (None, None)),  # a lone word as a title: no evidence of a person
    ("Kernighan on C", True, ("Kernighan", None)),
])
def test_speaker_of(raw: str, strict: bool, expected: tuple[str | None, str | None]) -> None:
    assert speaker_of(raw, strict=strict, not_names=set()) == expected
