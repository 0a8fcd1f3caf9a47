"""Browser journeys: Playwright driving Debian's Chromium against a live server."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
# Playwright's sync API runs an event loop in the test thread; the ORM calls the tests
# make between page actions are ordinary synchronous calls.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).resolve().parent
    for item in items:
        if here in Path(str(item.path)).resolve().parents:
            item.add_marker(pytest.mark.e2e)


# The rows the migrations seed: a live-server test empties every table when it ends, so
# each journey puts them back first and none depends on running before another.
SEED_MIGRATIONS = (
    ("brobygger.conversations.migrations.0002_default_topics", "load"),
    ("brobygger.outcomes.migrations.0002_shipped_instruments", "load"),
    ("brobygger.concerns.migrations.0002_national_crisis_numbers", "add_numbers"),
)


@pytest.fixture(autouse=True)
def _seed_data(transactional_db: None) -> None:
    import importlib

    from django.apps import apps
    from django.db import connection

    for module, function in SEED_MIGRATIONS:
        getattr(importlib.import_module(module), function)(apps, connection.schema_editor)


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server) -> Iterator[object]:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="da-DK")
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


@pytest.fixture
def phone_page(browser, live_server) -> Iterator[object]:
    context = browser.new_context(
        viewport={"width": 360, "height": 740}, locale="da-DK", is_mobile=True, has_touch=True
    )
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


def go_by_menu(page, label: str) -> None:
    """A link of the main menu, as a person uses it: on a phone the menu is folded behind
    its button first (templates/base.html); on a desktop it is open."""
    page.wait_for_load_state("load")  # app.js folds the menu once it has run
    button = page.locator(".menu-button")
    if button.is_visible():
        button.click()
    page.get_by_role("navigation", name="Hovedmenu").get_by_role("link", name=label).click()


def screenshot(page, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def assert_accessible(page, name: str) -> None:
    """axe-core, offline, on the page as it is: no WCAG 2.1 A/AA violations."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(
        page,
        options={
            "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}
        },
    )
    violations = results.response["violations"]
    details = [(v["id"], v["help"], [n["target"] for n in v["nodes"]][:3]) for v in violations]
    assert violations == [], f"{name}: {details}"
