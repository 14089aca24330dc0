"""The image's install (``tests/deploy/image.py``), done once per test session, offline."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.deploy import image


@pytest.fixture(scope="session")
def installed(tmp_path_factory: pytest.TempPathFactory) -> image.Installed:
    problem = image.wheelhouse_problem()
    if problem:
        pytest.fail(problem, pytrace=False)
    return image.install(tmp_path_factory.mktemp("image"))


@pytest.fixture
def container_env(installed: image.Installed, tmp_path: Path) -> dict[str, str]:
    return image.container_env(installed, tmp_path)
