"""The layout a newcomer relies on: a module and a test per command, no cog that imports
the bot class, no module over 400 lines."""

from __future__ import annotations

import ast
from pathlib import Path

from cogs import EXTENSIONS, console_commands

ROOT = Path(__file__).resolve().parents[2]
COGS = ROOT / "cogs"
COMMANDS = ("stats", "topic", "search", "related", "quote", "quotes", "summarize")


def _imports(path: Path) -> set[str]:
    """Every module and name a file imports, TYPE_CHECKING blocks and functions included."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def test_no_cog_imports_the_bot_class() -> None:
    for path in sorted(COGS.rglob("*.py")):
        imported = _imports(path)
        assert not any(name.startswith("bot.app.client") for name in imported), path
        assert "NotecastBot" not in path.read_text(encoding="utf-8"), path


def test_each_command_has_its_module_its_extension_and_its_test() -> None:
    for name in COMMANDS:
        assert (COGS / f"{name}.py").is_file(), name
        assert f"cogs.{name}" in EXTENSIONS, name
        assert (ROOT / "tests" / "e2e" / f"test_{name}_command.py").is_file(), name
    assert set(console_commands()) == set(COMMANDS)


def test_no_module_is_over_400_lines() -> None:
    for path in [*COGS.rglob("*.py"), *(ROOT / "bot").rglob("*.py")]:
        lines = path.read_text(encoding="utf-8").count("\n")
        assert lines <= 400, f"{path} has {lines} lines"
