"""The rotation of a server's pool: every quote once before any twice, a new order each
cycle and each server, a quote added mid-cycle joining, an edited or deleted one dropping
out without a repeat; quote keys that survive re-typesetting but not an edit."""

from __future__ import annotations

from bot.schedule.rotation import next_key, normalize_text, order, quote_key


def keys(n: int, prefix: str = "q") -> list[str]:
    return [quote_key("talks", f"{prefix}{i}", f"Words number {i}.") for i in range(n)]


def test_a_key_survives_typesetting_but_not_an_edit() -> None:
    key = quote_key("talks", "negotiation", "“Silence  makes the other side\nfill the gap.”")
    assert key == quote_key("talks", "negotiation", '"silence makes the other side fill the gap"')
    assert key != quote_key("talks", "negotiation", "Silence makes the other side fill it.")
    assert key != quote_key("kitchen", "negotiation", "Silence makes the other side fill the gap.")
    assert key != quote_key("talks", "haggling", "Silence makes the other side fill the gap.")
    assert len(key) == 24
    assert normalize_text("Ｆｕｌｌ-width — dash") == "full width dash"


def take(pool: list[str], seed: int, cycle: int, used: set[str]) -> str | None:
    found = next_key(pool, seed, cycle, used)
    if found is not None:
        used.add(found)
    return found


def test_no_repeat_until_the_pool_is_used_up() -> None:
    pool = keys(12)
    cycles = []
    for cycle in range(3):
        used: set[str] = set()
        posted = [take(pool, 42, cycle, used) for _ in range(12)]
        assert sorted(posted) == sorted(pool)  # type: ignore[type-var]
        assert next_key(pool, 42, cycle, used) is None  # used up: the next cycle
        cycles.append(posted)
    assert cycles[0] != cycles[1] != cycles[2]  # a new shuffle each cycle
    assert order(pool, 42, 0) == cycles[0]
    assert order(pool, 7, 0) != order(pool, 42, 0)  # and each server


def test_the_order_does_not_depend_on_the_pool_order() -> None:
    pool = keys(20)
    assert next_key(pool, 1, 0, set()) == next_key(list(reversed(pool)), 1, 0, set())


def test_a_quote_added_mid_cycle_joins_it() -> None:
    pool = keys(8)
    used: set[str] = set()
    posted = [take(pool, 5, 0, used) for _ in range(4)]
    added = quote_key("talks", "new_note", "Fresh words.")
    pool.append(added)
    posted += [take(pool, 5, 0, used) for _ in range(5)]
    assert sorted(posted) == sorted(pool)  # type: ignore[type-var]
    assert next_key(pool, 5, 0, used) is None


def test_an_edited_or_deleted_quote_drops_out_without_a_repeat() -> None:
    pool = keys(10)
    used: set[str] = set()
    posted = [take(pool, 9, 0, used) for _ in range(3)]
    unposted = [k for k in order(pool, 9, 0) if k not in used]
    edited, deleted = unposted[0], unposted[1]
    new_text = quote_key("talks", "q-edited", "The words, edited.")
    pool = [new_text if k == edited else k for k in pool if k != deleted]
    pool.remove(posted[0])  # a quote posted already is deleted too
    while (found := take(pool, 9, 0, used)) is not None:
        assert found in pool
        posted.append(found)
    assert len(posted) == len(set(posted))
    assert edited not in posted and deleted not in posted and new_text in posted
    assert set(pool) <= set(posted)


def test_an_empty_pool_has_no_next_key() -> None:
    assert next_key([], 1, 0, set()) is None
