"""Hub files (episodes and their notes) and directory.md."""

from __future__ import annotations

import pytest

from bot.notes.parsing import ParsedHub, is_hub_file, parse_directory, parse_hub
from tests.conftest import FIXTURES
from tests.notes.helpers import SAMPLE_VAULT


def test_hub_episodes_have_title_url_id_and_slugs() -> None:
    hub = parse_hub((SAMPLE_VAULT / "curiousorbit" / "CuriousOrbit.md").read_text(),
                    "curiousorbit")
    assert hub.title == "CuriousOrbit"
    assert [(e.video_id, e.title) for e in hub.episodes] == [
        ("Qm7tR2vX9pL", "Why Particles Walk Through Walls, with Dr. Anselm Keogh"),
        ("Zk4w-8sB1cH", "Light in the Deep: Bioluminescence with Dr. Ines Varga"),
    ]
    assert hub.episodes[1].url == "https://www.youtube.com/watch?v=Zk4w-8sB1cH"
    assert hub.episodes[0].slugs == [
        "quantum_tunneling", "tunneling_and_fusion_in_stars", "scanning_tunneling_microscope"]


def test_hub_video_id_with_underscore() -> None:
    hub = parse_hub((SAMPLE_VAULT / "stockpotledger" / "stockpotledger.md").read_text(),
                    "stockpotledger")
    assert [e.video_id for e in hub.episodes] == ["Lp2xC6vR0eT", "Hy9u_3kM5dW"]
    assert hub.episodes[1].slugs[0] == "food_cost_percentage"


@pytest.mark.parametrize(("channel", "slug", "expected"), [
    ("acquiredfm", "acquiredFM", True),
    ("curiousorbit", "CuriousOrbit", True),
    ("\u2068lexfridman\u2069", "lexfridman", True),
    ("curiousorbit", "quantum_tunneling", False),
    ("acquiredfm", "acquiredfm_extra", False),
])
def test_is_hub_file_ignores_case_and_invisible_marks(
        channel: str, slug: str, expected: bool) -> None:
    assert is_hub_file(channel, slug) is expected


def test_parse_directory_maps_channel_to_display_name() -> None:
    names = parse_directory((SAMPLE_VAULT / "directory.md").read_text())
    assert names == {"curiousorbit": "The Curious Orbit", "stockpotledger": "Stockpot & Ledger"}


# --------------------------------------------------------------------------- episode links


def hostile_hub() -> ParsedHub:
    return parse_hub((FIXTURES / "hub_hostile_links.md").read_text(encoding="utf-8"), "kilntalk")


def test_an_episode_url_is_rebuilt_from_its_video_id() -> None:
    urls = {e.title: e.url for e in hostile_hub().episodes}
    assert urls["Glazes Explained"] == "https://www.youtube.com/watch?v=Gz7kQ1mN4pX"
    assert urls["Short Link Episode"] == "https://www.youtube.com/watch?v=Hb2nR8sT5vY"
    assert urls["Injected"] == "https://www.youtube.com/watch?v=Ij4uP7yE2cF"


def test_an_episode_linked_off_youtube_has_no_url() -> None:
    [mirror] = [e for e in hostile_hub().episodes if e.title == "Mirror Site"]
    assert (mirror.video_id, mirror.url, mirror.slugs) == ("Mr3tL6wQ9zK", "", ["mirror_note"])


def test_a_malformed_video_id_names_no_episode() -> None:
    hub = hostile_hub()
    assert [e.title for e in hub.episodes] == [
        "Glazes Explained", "Short Link Episode", "Mirror Site", "Injected"]
    assert all("orphan_note" not in e.slugs for e in hub.episodes)
