"""The log's JSON format: one object a line that parses, with time, level, logger, message
and exception text; and the secrets never in a line, whichever format."""

from __future__ import annotations

import io
import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.config import SAMPLE_VAULT
from bot.ops.logs import REDACTED, JsonFormatter, TextFormatter
from tests.cli.helpers import user_env

TOKEN = "MTIzNDU2Nzg5MDEyMzQ1Njc4.GhIjKl.not-a-real-token-but-long-enough"


def _logger(formatter: logging.Formatter) -> tuple[logging.Logger, io.StringIO]:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(formatter)
    logger = logging.getLogger(f"tests.ops.logs.{id(stream)}")
    logger.handlers[:] = [handler]
    logger.propagate = False
    logger.setLevel(logging.DEBUG)
    return logger, stream


def test_a_json_line_holds_time_level_logger_message_and_the_traceback() -> None:
    logger, stream = _logger(JsonFormatter())
    logger.info("synced %d notes\nin two lines", 12)
    try:
        raise RuntimeError("disk on fire")
    except RuntimeError:
        logger.exception("sync failed")
    lines = stream.getvalue().splitlines()
    assert len(lines) == 2  # one object a line, whatever the message holds
    first, second = (json.loads(line) for line in lines)
    assert first["message"] == "synced 12 notes\nin two lines"
    assert first["level"] == "INFO" and first["logger"] == logger.name
    assert first["time"].endswith("+00:00") and "T" in first["time"]
    assert "exception" not in first
    assert second["level"] == "ERROR"
    assert "RuntimeError: disk on fire" in second["exception"]
    assert "Traceback" in second["exception"]


@pytest.mark.parametrize("formatter", [JsonFormatter(secrets=[TOKEN]),
                                       TextFormatter(secrets=[TOKEN])])
def test_a_secret_in_a_message_or_a_traceback_is_redacted(formatter: logging.Formatter) -> None:
    logger, stream = _logger(formatter)
    logger.warning("a library said: 401 for Bot %s", TOKEN)
    try:
        raise ValueError(f"bad header Authorization: Bot {TOKEN}")
    except ValueError:
        logger.exception("login failed")
    text = stream.getvalue()
    assert TOKEN not in text
    assert text.count(REDACTED) == 2


def test_json_logs_of_a_real_command_parse_and_never_hold_the_token(tmp_path: Path) -> None:
    env = user_env(tmp_path, DISCORD_TOKEN=TOKEN, NOTECAST_LOG_FORMAT="json",
                   NOTECAST_LLM_API_KEY="sk-also-a-secret-value-1234")
    done = subprocess.run(
        [sys.executable, "-m", "bot", "--log-level", "DEBUG", "index", "--notes",
         str(SAMPLE_VAULT), "--db", str(tmp_path / "c.db"), "--json"],
        capture_output=True, text=True, env=env, cwd=tmp_path, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) >= 3
    entries = [json.loads(line) for line in lines]  # every line is one JSON object
    assert {"time", "level", "logger", "message"} <= set(entries[0])
    assert any("settings" in e["message"] for e in entries)
    everything = done.stdout + done.stderr
    assert TOKEN not in everything and "sk-also-a-secret-value-1234" not in everything
    assert os.environ.get("DISCORD_TOKEN") != TOKEN  # (the test's own process untouched)
