"""Running ``python -m bot`` as a user would, and small vaults of our own to run it over."""

from __future__ import annotations

import contextlib
import os
import pty
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

NOTE = """---
title: {title}
videoId: {video}
---

From: [[{channel}]] <br/>

{title} opens with a short overview <a class="yt-timestamp" data-t="00:01:{sec:02d}">[00:01:{sec:02d}]</a>.

## {heading}

The guest explains {topic} with an example about {extra} and links to [[{other} | another note]].

> A line worth quoting about {topic}.
"""


def user_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    """The environment of a user with no Notecast settings: no NOTECAST_* variables, no
    token, and config and cache folders of their own inside ``tmp_path``."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("NOTECAST_", "DISCORD_TOKEN", "XDG_"))}
    env["XDG_CONFIG_HOME"] = str(tmp_path / "xdg-config")
    env["XDG_CACHE_HOME"] = str(tmp_path / "xdg-cache")
    env["XDG_DATA_HOME"] = str(tmp_path / "xdg-data")  # (the state database's default folder)
    env.update(extra)
    return env


def notecast(*args: str, tmp_path: Path, stdin: str | None = "",
             env: dict[str, str] | None = None, cwd: Path | None = None,
             stdin_fd: int | None = None, **kwargs: Any) -> subprocess.CompletedProcess[str]:
    """``python -m bot ARGS``, run from a folder of its own (not the project's), with
    ``stdin`` as its input (a pipe), or the file descriptor ``stdin_fd``."""
    workdir = cwd or tmp_path / "elsewhere"
    workdir.mkdir(parents=True, exist_ok=True)
    if stdin_fd is not None:
        kwargs["stdin"] = stdin_fd
    return subprocess.run(
        [sys.executable, "-m", "bot", *args], input=stdin, capture_output=True, text=True,
        env={**user_env(tmp_path), **(env or {})}, cwd=workdir, timeout=120, check=False,
        **kwargs,
    )


def spawn(*args: str, tmp_path: Path, env: dict[str, str] | None = None,
          **kwargs: Any) -> subprocess.Popen[str]:
    """``python -m bot ARGS`` started in the background, in a session of its own (as a
    terminal's foreground job or a container's process would be)."""
    workdir = tmp_path / "elsewhere"
    workdir.mkdir(parents=True, exist_ok=True)
    return subprocess.Popen(
        [sys.executable, "-m", "bot", *args], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True, env={**user_env(tmp_path), **(env or {})},
        cwd=workdir, start_new_session=True, **kwargs,
    )


@contextlib.contextmanager
def terminal() -> Iterator[tuple[int, int]]:
    """A pseudo-terminal: (the side a user types into, the side a command reads as its
    standard input), both closed on the way out."""
    typed, read = pty.openpty()
    try:
        yield typed, read
    finally:
        for fd in (typed, read):
            with contextlib.suppress(OSError):
                os.close(fd)


def notecast_on_terminal(*args: str, tmp_path: Path, typed: str,
                         env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """``python -m bot ARGS`` as from a terminal: its standard input is one, into which
    ``typed`` was typed (output and errors are captured as by :func:`notecast`)."""
    with terminal() as (keyboard, stdin):
        os.write(keyboard, typed.encode())
        return notecast(*args, tmp_path=tmp_path, env=env, stdin=None, stdin_fd=stdin)


def spawn_on_terminal(*args: str, tmp_path: Path, stdin_fd: int,
                      env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    """:func:`spawn` with a terminal's side ``stdin_fd`` (see :func:`terminal`) as the
    command's standard input."""
    workdir = tmp_path / "elsewhere"
    workdir.mkdir(parents=True, exist_ok=True)
    return subprocess.Popen(
        [sys.executable, "-m", "bot", *args], stdin=stdin_fd, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True, env={**user_env(tmp_path), **(env or {})},
        cwd=workdir, start_new_session=True,
    )


def write_vault(root: Path, channels: int, notes_per_channel: int, words: str = "tide") -> Path:
    """A vault of ``<channel>/<slug>.md`` notes in our own format, with a hub per channel."""
    for c in range(channels):
        channel = f"show{c:02d}"
        folder = root / channel
        folder.mkdir(parents=True, exist_ok=True)
        hub = [f"---\ntitle: Show {c}\n---\n",
               f"### [Episode {c}](https://www.youtube.com/watch?v=abcdefghi{c:02d})"]
        for n in range(notes_per_channel):
            slug = f"{words}_{c}_{n}"
            hub.append(f"- [[{slug} | {words.title()} {c} {n}]]")
            (folder / f"{slug}.md").write_text(NOTE.format(
                title=f"{words.title()} {c} {n}", video=f"abcdefghi{c:02d}", channel=channel,
                sec=n % 60, heading=f"Part {n} of {words}", topic=f"{words} pattern {n}",
                extra=f"case {c * notes_per_channel + n}",
                other=f"{words}_{c}_{(n + 1) % notes_per_channel}"), encoding="utf-8")
        (folder / f"{channel}.md").write_text("\n".join(hub) + "\n", encoding="utf-8")
    return root
