"""Shared fixtures: one headless Chromium for the whole test session.

Playwright's sync API allows one running instance per thread, so every test module that
needs a browser (the JupyterLab tests, the accessibility audits, the class-review pages)
borrows this one instead of starting its own.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from browser_support import launch_chromium


@pytest.fixture(scope="session")
def chromium() -> Iterator[Any]:
    """Debian's Chromium driven by Playwright (skipped, with the reason, when missing)."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as exc:
        pytest.skip(f"playwright is not installed ({exc}): pip install -e '.[test]'")
    with sync_playwright() as pw:
        browser, reason = launch_chromium(pw)
        if browser is None:
            pytest.skip(reason)
        try:
            yield browser
        finally:
            browser.close()
