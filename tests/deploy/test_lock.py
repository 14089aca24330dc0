"""requirements.lock, which the image installs, keeps up with pyproject.toml's dependencies."""

from __future__ import annotations

import re
import tomllib

from packaging.requirements import Requirement

from tests.deploy.dockerfile import ROOT

LOCK = ROOT / "requirements.lock"


def _name(text: str) -> str:
    return re.sub(r"[-_.]+", "-", text).lower()


def lock_entries() -> dict[str, tuple[str, int]]:
    """name -> (pinned version, number of hashes), for every package of the lock file."""
    text = LOCK.read_text(encoding="utf-8")
    entries = {}
    for block in re.split(r"\n(?=[A-Za-z0-9])", text):
        match = re.match(r"([A-Za-z0-9_.-]+)==(\S+)", block)
        if match:
            entries[_name(match[1])] = (match[2], block.count("--hash=sha256:"))
    return entries


def test_every_runtime_dependency_is_locked_at_a_version_it_allows() -> None:
    """Before `make lock` was run after a dependency was added, the image's `pip check`
    failed; this says which one and what to run."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    entries = lock_entries()
    stale = []
    for spec in project["dependencies"]:
        requirement = Requirement(spec)
        pinned = entries.get(_name(requirement.name))
        if pinned is None or not requirement.specifier.contains(pinned[0], prereleases=True):
            stale.append(f"{spec} (locked: {pinned[0] if pinned else 'nothing'})")
    assert not stale, f"requirements.lock is stale, run `make lock`: {', '.join(stale)}"


def test_every_locked_package_is_pinned_with_its_hashes() -> None:
    entries = lock_entries()
    assert entries
    assert all(hashes >= 1 for _, hashes in entries.values()), entries
