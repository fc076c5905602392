"""Reusable end-to-end harness: headless Debian Chromium driven by Playwright, against a
live Relais served over real HTTP by pytest-django's live_server.

Fixtures: `browser`, `page` (desktop), `tablet_page` (1024x768, touch). Helpers:
`login(page, live_server, aidant)`, `assert_accessible(page)`, `snapshot(page, request, name)`.
"""

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, sync_playwright

from tests.factories import PASSWORD, current_code

# Playwright's sync API runs an event loop in the test thread; Django's ORM then refuses
# synchronous queries there unless told this is deliberate (tests only).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
AXE_SOURCE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/e2e/" in str(item.path) or "/e2e/" in str(item.path):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as instance:
        yield instance


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM}: run scripts/ensure-system")
    browser = playwright.chromium.launch(
        executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
    )
    yield browser
    browser.close()


def _context(browser: Browser, live_server: Any, **options: Any) -> BrowserContext:
    context = browser.new_context(base_url=live_server.url, locale="fr-FR", **options)
    context.set_default_timeout(10_000)
    return context


@pytest.fixture
def page(browser: Browser, live_server: Any, request: pytest.FixtureRequest) -> Iterator[Page]:
    context = _context(browser, live_server, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    yield page
    _keep_failure_screenshot(page, request)
    context.close()


@pytest.fixture
def tablet_page(
    browser: Browser, live_server: Any, request: pytest.FixtureRequest
) -> Iterator[Page]:
    context = _context(
        browser, live_server, viewport={"width": 1024, "height": 768}, has_touch=True
    )
    page = context.new_page()
    yield page
    _keep_failure_screenshot(page, request)
    context.close()


def _artifact_dir(request: pytest.FixtureRequest) -> Path:
    name = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.nodeid)
    path = ARTIFACTS / name
    path.mkdir(parents=True, exist_ok=True)
    return path


def _keep_failure_screenshot(page: Page, request: pytest.FixtureRequest) -> None:
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed and not page.is_closed():
        page.screenshot(path=str(_artifact_dir(request) / "failure.png"), full_page=True)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    report = yield
    if report.when == "call":
        item.rep_call = report  # type: ignore[attr-defined]
    return report


def snapshot(page: Page, request: pytest.FixtureRequest, name: str) -> Path:
    """Saves a full-page screenshot as a test artifact (test-artifacts/<test>/<name>.png)."""
    path = _artifact_dir(request) / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def login(page: Page, aidant: Any, *, password: str = PASSWORD) -> None:
    """The real two-step login: password, then a TOTP code computed from the device key."""
    page.goto("/connexion/")
    page.get_by_label("Adresse électronique").fill(aidant.email)
    page.get_by_label("Mot de passe").fill(password)
    page.get_by_role("button", name="Continuer").click()
    page.wait_for_url("**/connexion/code/**")
    device = TOTPDevice.objects.get(user=aidant, confirmed=True)
    page.get_by_label("Code à 6 chiffres").fill(current_code(device))
    page.get_by_role("button", name="Valider").click()
    page.wait_for_url("**/espace/")


def assert_accessible(page: Page) -> None:
    """Runs axe-core (WCAG 2.x A and AA rules) on the current page: 0 violations expected."""
    if not AXE_SOURCE.exists():
        pytest.fail("axe-core is missing: run `npm ci` (make install does)")
    page.evaluate(AXE_SOURCE.read_text())
    violations = page.evaluate(
        """async () => {
            const result = await axe.run(document, {
                runOnly: {
                    type: 'tag',
                    values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'],
                },
            });
            return result.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help,
                targets: v.nodes.map(n => n.target.join(' ')).slice(0, 5),
            }));
        }"""
    )
    assert violations == [], f"axe-core violations on {page.url}: {violations}"
