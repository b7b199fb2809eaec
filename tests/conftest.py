"""Shared fixtures: the ``../shared`` folder of real data and awkward cases."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

SHARED = Path(os.environ.get("BUREAUX_SHARED", Path(__file__).resolve().parents[2] / "shared"))


def _shared_or_skip(*parts: str) -> Path:
    path = SHARED.joinpath(*parts)
    if path.exists():
        return path
    if os.environ.get("BUREAUX_REQUIRE_SHARED") == "1":
        pytest.fail(f"{path} is missing, and BUREAUX_REQUIRE_SHARED=1 makes real-data tests mandatory")
    pytest.skip(f"{path} is absent: real-data tests need the shared folder beside the clone")


@pytest.fixture(scope="session")
def shared_cases() -> Path:
    """Folder of awkward inputs (``shared/cases``)."""
    return _shared_or_skip("cases")


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """Folder of real data sets (``shared/data``)."""
    return _shared_or_skip("data")


def skip_or_fail_service(reason: str) -> None:
    """Skip a test whose local server is missing, or fail it when CI sets BUREAUX_REQUIRE_SERVICES=1."""
    if os.environ.get("BUREAUX_REQUIRE_SERVICES") == "1":
        pytest.fail(f"{reason}, and BUREAUX_REQUIRE_SERVICES=1 makes service tests mandatory")
    pytest.skip(reason)
