"""The map page in headless Chromium: it draws a commune's outlines and shows a bureau's count on click."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import httpx
import pytest

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _require(condition: bool, reason: str) -> None:
    if condition:
        return
    if os.environ.get("BUREAUX_REQUIRE_SERVICES") == "1":
        pytest.fail(f"{reason}, and BUREAUX_REQUIRE_SERVICES=1 makes the browser test mandatory")
    pytest.skip(reason)


@pytest.fixture
def browser_context(tmp_path):
    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    _require(Path(chromium).exists(), "Chromium is not installed (Debian package chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _require(False, "the Python package playwright is not installed")
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            user_data_dir=str(tmp_path / "profile"),
            executable_path=chromium,
            headless=True,
            args=CHROMIUM_ARGS,
            viewport={"width": 1200, "height": 800},
            locale="fr-FR",
        )
        try:
            yield context
        finally:
            context.close()


def test_carte_draws_and_shows_count(live_server, browser_context):
    requested: list[str] = []
    page = browser_context.new_page()
    page.on("request", lambda request: requested.append(request.url))
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))

    page.goto(live_server + "/carte?commune=94028")
    page.wait_for_selector("svg#map[data-drawn]", timeout=15_000)
    assert page.locator("svg#map path").count() == 7
    assert page.locator("h1").inner_text() == "Carte des bureaux de vote"

    page.click('svg#map path[data-bureau="94028_0003"]')
    page.wait_for_selector('#info[data-bureau="94028_0003"] table:nth-of-type(2)', timeout=10_000)
    voters = httpx.get(live_server + "/collections/bureaux/items/94028_0003").json()["properties"]["voters"]
    info = page.locator("#info").inner_text()
    assert str(voters) in re.sub(r"\D", "", info)
    assert "Électeurs inscrits sur la liste principale" in info
    assert "Sexe F" in info
    assert "secret" not in info
    stats_requests = [url for url in requested if "/stats?" in url]
    assert stats_requests
    assert all("electorat=presidentielle" in url for url in stats_requests)

    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "carte-94028.png"))
    assert not errors
    assert requested
    for url in requested:
        assert url.startswith(live_server + "/"), url


def test_carte_secret_count(live_server, browser_context):
    page = browser_context.new_page()
    page.goto(live_server + "/map?commune=97411")
    page.wait_for_selector("svg#map[data-drawn]", timeout=15_000)
    page.click('svg#map path[data-bureau="97411_0001"]')
    page.wait_for_selector('#info[data-bureau="97411_0001"]', timeout=10_000)
    info = page.locator("#info").inner_text()
    assert "secret statistique" in info
    assert "moins de 11" not in info


def test_carte_in_english(live_server, browser_context):
    page = browser_context.new_page()
    # The context's French locale sets Accept-Language, so rewrite it on every request.
    page.route("**/*", lambda route: route.continue_(headers={**route.request.headers, "accept-language": "en"}))
    page.goto(live_server + "/carte?commune=97411")
    page.wait_for_selector("svg#map[data-drawn]", timeout=15_000)
    assert page.locator("h1").inner_text() == "Map of polling stations"
    page.click('svg#map path[data-bureau="97411_0001"]')
    page.wait_for_selector('#info[data-bureau="97411_0001"]', timeout=10_000)
    info = page.locator("#info").inner_text()
    assert "Voters on the main list" in info
    assert "withheld (statistical confidentiality)" in info
    assert "fewer than 11" not in info


def test_carte_content_security_policy(client):
    response = client.get("/carte")
    assert response.status_code == 200
    policy = response.headers["content-security-policy"]
    assert "default-src 'self'" in policy
    assert "http" not in policy
    assert "http" not in re.sub(r'xmlns="http://www.w3.org/2000/svg"', "", response.text)
