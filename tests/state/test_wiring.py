"""main() opens the state database with the cache and hands it to the services: the bot
and the console always, a lookup only when the abstractive summarizer needs it; a state
file that is not ours stops the command with one line and is left alone."""

from __future__ import annotations

import asyncio
import hashlib
import json
import subprocess
import sys
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from bot.cli.common import open_services
from bot.config import SAMPLE_VAULT, Settings
from bot.summaries.abstractive import AbstractiveSummarizer
from bot.summaries.extractive import ExtractiveSummarizer
from tests.cli.helpers import notecast, user_env
from tests.summaries.stub_llm import MARKED_ANSWER, StubLLM

NOTE = "curiousorbit/quantum_tunneling"


@pytest.fixture(scope="module")
def built_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A notes cache of the sample vault, built by ``notecast index``."""
    folder = tmp_path_factory.mktemp("cache")
    done = notecast("index", "--notes", str(SAMPLE_VAULT), "--db", str(folder / "c.db"), tmp_path=folder)
    assert done.returncode == 0, done.stderr
    return folder / "c.db"


def _copy(cache: Path, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "c.db").write_bytes(cache.read_bytes())
    return folder / "c.db"


@pytest.fixture
async def stub() -> AsyncIterator[StubLLM]:
    server = StubLLM(answer=MARKED_ANSWER)
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


async def test_the_bot_and_the_console_open_the_state_beside_the_cache(tmp_path: Path) -> None:
    settings = replace(Settings(), notes_dir=SAMPLE_VAULT, db=tmp_path / "data" / "c.db")
    async with open_services(settings, readonly=False) as services:
        assert services.state is not None
        assert await services.state.take_budget(1, date(2026, 1, 1), 3) == 1
        assert isinstance(services.summaries.summarizer, ExtractiveSummarizer)  # the default
    assert (tmp_path / "data" / "notecast-state.db").is_file()


async def test_a_lookup_opens_the_state_only_for_the_abstractive_summarizer(
        tmp_path: Path, built_cache: Path) -> None:
    db = _copy(built_cache, tmp_path)
    settings = replace(Settings(), db=db)
    async with open_services(settings, readonly=True) as services:
        assert services.state is None
    assert not (tmp_path / "notecast-state.db").exists()  # a lookup writes nothing it does not need
    abstractive = replace(settings, summarizer="abstractive", llm_base_url="http://127.0.0.1:9/v1",
                          llm_model="m", state_db=tmp_path / "s" / "state.db")
    async with open_services(abstractive, readonly=True) as services:
        assert services.state is not None
        assert isinstance(services.summaries.summarizer, AbstractiveSummarizer)
        assert services.summaries.summarizer.state is services.state
    assert (tmp_path / "s" / "state.db").is_file()


async def _summarize(tmp_path: Path, db: Path, env: dict[str, str]) -> tuple[int, str, str]:
    workdir = tmp_path / "elsewhere"
    workdir.mkdir(exist_ok=True)
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "summarize", NOTE, "--db", str(db), "--json",
        cwd=workdir, env={**user_env(tmp_path), **env},
        stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out, err = await asyncio.wait_for(process.communicate(), 60)
    return process.returncode or 0, out.decode(), err.decode()


async def test_notecast_summarize_asks_the_endpoint_once_then_reads_the_state(
        tmp_path: Path, built_cache: Path, stub: StubLLM) -> None:
    db = _copy(built_cache, tmp_path)
    env = {"NOTECAST_SUMMARIZER": "abstractive", "NOTECAST_LLM_BASE_URL": stub.base_url,
           "NOTECAST_LLM_MODEL": "stub-model", "NOTECAST_LLM_API_KEY": "sk-wiring-secret"}
    for _ in range(2):
        code, out, err = await _summarize(tmp_path, db, env)
        assert code == 0, err
        answer = json.loads(out)
        assert answer["summarizer"] == "abstractive:stub-model"
        assert answer["sentences"][0]["text"] == "The episode opens with the plan for the season."
        assert "sk-wiring-secret" not in out + err
    assert len(stub.requests) == 1  # the second run read the state database
    assert stub.requests[0]["headers"]["Authorization"] == "Bearer sk-wiring-secret"
    assert (tmp_path / "notecast-state.db").is_file()


async def test_a_state_file_that_is_not_ours_stops_the_command_in_one_line(
        tmp_path: Path, built_cache: Path) -> None:
    db = _copy(built_cache, tmp_path)
    foreign = tmp_path / "notecast-state.db"
    foreign.write_text("my diary\n")
    before = hashlib.sha256(foreign.read_bytes()).hexdigest()
    code, out, err = await _summarize(tmp_path, db, {
        "NOTECAST_SUMMARIZER": "abstractive", "NOTECAST_LLM_BASE_URL": "http://127.0.0.1:9/v1",
        "NOTECAST_LLM_MODEL": "m"})
    assert code == 2 and out == ""
    assert err.strip().startswith("notecast: ") and "not a Notecast state database" in err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert hashlib.sha256(foreign.read_bytes()).hexdigest() == before


# --------------------------------------------------------------------------- PostgreSQL (state_dsn)

async def test_with_a_dsn_the_services_keep_their_state_in_postgresql(tmp_path: Path, postgres_dsn: str) -> None:
    from bot.config import Secret
    from bot.state.postgres import PostgresStateStore
    from tests.state.pg_fixtures import fresh_schema

    async with fresh_schema(postgres_dsn) as dsn:
        settings = replace(Settings(), notes_dir=SAMPLE_VAULT, db=tmp_path / "data" / "c.db", state_dsn=Secret(dsn))
        async with open_services(settings, readonly=False) as services:
            assert isinstance(services.state, PostgresStateStore)
            assert await services.state.take_budget(1, date(2026, 1, 1), 3) == 1
        async with open_services(settings, readonly=False) as services:  # another process, the same state
            assert services.state is not None and await services.state.budget_used(1, date(2026, 1, 1)) == 1
    assert not (tmp_path / "data" / "notecast-state.db").exists()  # no SQLite file beside the cache


async def test_an_unreachable_state_dsn_stops_the_command_in_one_line_without_its_password(
        tmp_path: Path, built_cache: Path) -> None:
    db = _copy(built_cache, tmp_path)
    code, out, err = await _summarize(tmp_path, db, {
        "NOTECAST_SUMMARIZER": "abstractive", "NOTECAST_LLM_BASE_URL": "http://127.0.0.1:9/v1",
        "NOTECAST_LLM_MODEL": "m", "NOTECAST_STATE_DSN": "postgresql://notecast:hunter2-pw@127.0.0.1:9/shared"})
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert err.startswith("notecast: cannot use the state database (PostgreSQL database shared on 127.0.0.1:9)")
    assert "hunter2-pw" not in err
    assert not (tmp_path / "notecast-state.db").exists()
