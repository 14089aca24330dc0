"""The Dockerfile and .dockerignore read as data, and the builder stage run without Docker.

This machine has no Docker engine, so ``tests/deploy`` proves what the image would do by
doing it here: :func:`run_builder` copies what the builder stage's ``COPY`` lines copy and
runs its ``RUN`` lines as written, with the image's paths (``/opt/notecast``, ``/src``,
``/wheels``) mapped to temporary folders; :func:`runtime` gives the runtime stage's
environment, entry point and health check. Only what this module understands is accepted:
an instruction or an absolute path it does not know fails the test, so the Dockerfile
cannot drift away from what the test runs.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = ROOT / "Dockerfile"
DOCKERIGNORE = ROOT / ".dockerignore"


@dataclass(frozen=True)
class Instruction:
    keyword: str  # upper case: FROM, RUN, COPY, ...
    args: str  # continuation lines joined
    line: int  # 1-based, where it starts


@dataclass
class Stage:
    base: str
    name: str | None
    instructions: list[Instruction] = field(default_factory=list)

    def all(self, keyword: str) -> list[Instruction]:
        return [i for i in self.instructions if i.keyword == keyword]

    def last(self, keyword: str) -> Instruction:
        found = self.all(keyword)
        assert found, f"the stage {self.name or self.base} has no {keyword}"
        return found[-1]


def parse(text: str) -> list[Stage]:
    """The stages of a Dockerfile: comments dropped, continuation lines joined."""
    stages: list[Stage] = []
    pending: list[str] = []
    start = 0
    for number, raw in enumerate(text.splitlines(), 1):
        stripped = raw.strip()
        if not pending and (not stripped or stripped.startswith("#")):
            continue
        if pending and stripped.startswith("#"):
            continue  # a comment inside a continued instruction
        if not pending:
            start = number
        pending.append(stripped[:-1].rstrip() if stripped.endswith("\\") else stripped)
        if stripped.endswith("\\"):
            continue
        keyword, _, args = " ".join(part for part in pending if part).partition(" ")
        pending = []
        instruction = Instruction(keyword.upper(), args.strip(), start)
        if instruction.keyword == "FROM":
            words = instruction.args.split()
            name = words[2] if len(words) == 3 and words[1].upper() == "AS" else None
            stages.append(Stage(words[0], name))
        else:
            assert stages, f"line {start}: {keyword} before FROM"
            stages[-1].instructions.append(instruction)
    return stages


def stages() -> list[Stage]:
    return parse(DOCKERFILE.read_text(encoding="utf-8"))


def exec_form(args: str) -> list[str]:
    """``["tini", "--", "notecast"]``: the exec form; the shell form is refused (signals)."""
    value = json.loads(args)
    assert isinstance(value, list) and all(isinstance(v, str) for v in value), args
    return value


def healthcheck(args: str) -> tuple[dict[str, str], list[str]]:
    """A HEALTHCHECK's options (``--interval`` ...) and its command, in exec form."""
    options: dict[str, str] = {}
    rest = args
    while rest.startswith("--"):
        option, _, rest = rest.partition(" ")
        key, _, value = option[2:].partition("=")
        options[key] = value
        rest = rest.lstrip()
    keyword, _, command = rest.partition(" ")
    assert keyword.upper() == "CMD", f"HEALTHCHECK {args}"
    return options, exec_form(command.strip())


def expand(value: str, env: Mapping[str, str]) -> str:
    """``$VAR`` and ``${VAR}`` from ``env``, as Docker expands them in ENV and WORKDIR."""
    return re.sub(r"\$\{(\w+)\}|\$(\w+)", lambda m: env.get(m.group(1) or m.group(2), ""), value)


def env_pairs(args: str) -> list[tuple[str, str]]:
    """An ENV instruction's ``KEY=value`` pairs (the legacy ``ENV KEY value`` is refused)."""
    pairs = []
    for word in shlex.split(args):
        key, sep, value = word.partition("=")
        assert sep, f"ENV {args}: write KEY=value"
        pairs.append((key, value))
    return pairs


class PathMap:
    """The image's absolute paths mapped to folders here; any other path is refused."""

    def __init__(self, mapping: Mapping[str, Path]) -> None:
        # longest first, so that /opt/notecast/bin is not read as /opt
        self.mapping = sorted(((k, str(v)) for k, v in mapping.items()), key=lambda kv: -len(kv[0]))

    def host(self, text: str) -> str:
        """``text`` with every image path replaced; an unknown absolute path fails."""
        out = []
        for word in re.split(r"(\s+)", text):
            for prefix, target in self.mapping:
                if word == prefix or word.startswith(prefix + "/"):
                    word = target + word[len(prefix):]
                    break
            else:
                assert not word.startswith("/"), f"the Dockerfile uses {word}, which the test cannot map"
            out.append(word)
        return "".join(out)


def run_builder(stage: Stage, paths: PathMap, env: dict[str, str], *, timeout: float) -> list[str]:
    """Run the builder stage here: its ENV, WORKDIR, COPY (from the repository, as the
    build context) and RUN lines, in order. Returns the commands it ran, as run."""
    workdir: Path | None = None
    ran = []
    env = dict(env)
    for instruction in stage.instructions:
        if instruction.keyword == "ENV":
            env.update((k, expand(v, env)) for k, v in env_pairs(instruction.args))
        elif instruction.keyword == "WORKDIR":
            workdir = Path(paths.host(instruction.args))
            workdir.mkdir(parents=True, exist_ok=True)
        elif instruction.keyword == "COPY":
            assert workdir is not None, "COPY before WORKDIR"
            _copy(shlex.split(instruction.args), workdir)
        elif instruction.keyword == "RUN":
            command = paths.host(instruction.args)
            ran.append(command)
            done = subprocess.run(["/bin/sh", "-c", command], cwd=workdir or ROOT, env=env,
                                  capture_output=True, text=True, timeout=timeout)
            assert done.returncode == 0, (f"Dockerfile line {instruction.line}: {command}\n"
                                          f"{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
        else:
            raise AssertionError(f"line {instruction.line}: the builder's {instruction.keyword} "
                                 "is not run by tests/deploy")
    return ran


def _copy(words: list[str], workdir: Path) -> None:
    assert not any(w.startswith("--") for w in words), f"COPY {words}: flags are not run here"
    *sources, dest = words
    for source in sources:
        assert not ignored(source), f"COPY {source}: .dockerignore leaves it out of the context"
        origin = ROOT / source
        target = workdir / dest
        if origin.is_dir():
            shutil.copytree(origin, target, ignore=_ignored_in(), dirs_exist_ok=True)
        else:
            target = target / origin.name if dest.endswith("/") else target
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(origin, target)


def _ignored_in() -> Callable[[str, list[str]], list[str]]:
    def ignore(folder: str, names: list[str]) -> list[str]:
        relative = Path(folder).relative_to(ROOT)
        return [n for n in names if ignored(str(relative / n))]
    return ignore


def dockerignore_patterns() -> list[tuple[bool, re.Pattern[str]]]:
    """(``True`` for a ``!`` exception, the pattern as a regex), in order."""
    patterns = []
    for raw in DOCKERIGNORE.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        negate = line.startswith("!")
        pattern = os.path.normpath(line.lstrip("!").strip()).lstrip("/")
        regex = "".join(".*" if part == "**" else _glob(part) for part in re.split(r"(\*\*)", pattern))
        patterns.append((negate, re.compile(regex.replace(".*/", "(?:.*/)?"))))
    return patterns


def _glob(part: str) -> str:
    """One glob, as Go's filepath.Match reads it: ``*`` and ``?`` stop at ``/``, ``[...]``."""
    out, i = [], 0
    while i < len(part):
        c = part[i]
        end = part.find("]", i + 1) if c == "[" else -1
        if end > 0:
            out.append("[" + part[i + 1:end].replace("\\", "\\\\") + "]")
            i = end + 1
            continue
        out.append("[^/]*" if c == "*" else "[^/]" if c == "?" else re.escape(c))
        i += 1
    return "".join(out)


def ignored(path: str) -> bool:
    """Whether Docker leaves ``path`` (relative to the context) out of the build context:
    the last pattern that matches it or a folder above it decides."""
    parts = Path(path).parts
    result = False
    for negate, regex in dockerignore_patterns():
        if any(regex.fullmatch("/".join(parts[:n])) for n in range(1, len(parts) + 1)):
            result = not negate
    return result


@dataclass(frozen=True)
class Runtime:
    env: dict[str, str]  # the runtime stage's ENV, expanded, paths mapped
    entrypoint: list[str]
    cmd: list[str]
    health: list[str]
    health_options: dict[str, str]
    user: str
    workdir: str


def runtime(stage: Stage, paths: PathMap, base_env: Mapping[str, str]) -> Runtime:
    env = dict(base_env)
    for instruction in stage.all("ENV"):
        env.update((k, paths.host(expand(v, env))) for k, v in env_pairs(instruction.args))
    options, health = healthcheck(stage.last("HEALTHCHECK").args)
    return Runtime(env=env, entrypoint=exec_form(stage.last("ENTRYPOINT").args),
                   cmd=exec_form(stage.last("CMD").args), health=health, health_options=options,
                   user=stage.last("USER").args, workdir=stage.last("WORKDIR").args)
