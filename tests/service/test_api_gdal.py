"""GDAL's OGC API – Features client reads the served collections."""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest


def _ogrinfo() -> str:
    path = shutil.which("ogrinfo")
    if path:
        return path
    if os.environ.get("BUREAUX_REQUIRE_SERVICES") == "1":
        pytest.fail("ogrinfo is missing (Debian package gdal-bin), and BUREAUX_REQUIRE_SERVICES=1 makes this test mandatory")
    pytest.skip("ogrinfo is missing: install the Debian package gdal-bin")


def run(*arguments: str) -> str:
    result = subprocess.run(arguments, capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_gdal_lists_collections(live_server):
    output = run(_ogrinfo(), "-ro", f"OAPIF:{live_server}/")
    assert "bureaux" in output
    assert "communes" in output


@pytest.mark.parametrize("page_size", ["3", "1000"])
def test_gdal_reads_every_feature(live_server, page_size):
    output = run(_ogrinfo(), "-ro", "-al", "-oo", f"PAGE_SIZE={page_size}", f"OAPIF:{live_server}/", "bureaux")
    assert output.count("OGRFeature(bureaux)") == 10
    for index in range(1, 8):
        assert f"bureau (String) = 94028_000{index}" in output


def test_gdal_bbox_filter(live_server):
    output = run(_ogrinfo(), "-ro", "-al", "-q", "-spat", "55", "-21", "56", "-20", f"OAPIF:{live_server}/", "bureaux")
    assert output.count("OGRFeature(bureaux)") == 1
    assert "97411_0001" in output
