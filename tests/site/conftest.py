"""Fixtures for the browser tests of the built site (``make site-test``).

The site in ``_build/html`` (``make book``) is served on 127.0.0.1 by Python's
``http.server`` and read by Debian's Chromium driven by Playwright. Requests
to any other host are blocked and recorded. Without a browser or a built site
the tests are skipped, unless ``DLBOOK_REQUIRE_BROWSER=1`` (CI), which makes
either a failure.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from sitecheck import (
    CHROMIUM,
    CHROMIUM_ARGS,
    REQUIRE_BROWSER,
    SCREENSHOTS,
    SITE,
    VIEWPORT,
)


def unavailable(reason: str):
    """Skip, or fail when the browser tests are required (CI)."""
    if REQUIRE_BROWSER:
        pytest.fail(f"{reason} (DLBOOK_REQUIRE_BROWSER=1)", pytrace=False)
    pytest.skip(reason)


class _QuietHandler(SimpleHTTPRequestHandler):
    extensions_map = {
        **SimpleHTTPRequestHandler.extensions_map,
        ".js": "text/javascript",
        ".mjs": "text/javascript",
        ".wasm": "application/wasm",
        ".woff2": "font/woff2",
        ".svg": "image/svg+xml",
    }

    def log_message(self, format, *args):  # noqa: A002 (stdlib signature)
        pass


@pytest.fixture(scope="session")
def site_dir() -> Path:
    if not (SITE / "index.html").is_file():
        unavailable(f"the site is not built ({SITE}): run `make book`")
    return SITE


@pytest.fixture(scope="session")
def base_url(site_dir):
    handler = partial(_QuietHandler, directory=str(site_dir))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        unavailable(
            f"no browser at {CHROMIUM}: `apt-get install -y chromium` "
            "(`.ci/run` does it)"
        )
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        unavailable("the playwright package is not installed")
    playwright = sync_playwright().start()
    try:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
    except Exception as exc:  # a broken install is a failure, not a skip
        playwright.stop()
        pytest.fail(f"Chromium at {CHROMIUM} did not start: {exc}")
    yield chromium
    chromium.close()
    playwright.stop()


@pytest.fixture(scope="session")
def screenshots() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS


@dataclass
class Watch:
    """What a page did: console errors, uncaught errors, requests."""

    base_url: str
    allow_external: bool = False
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    external: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)

    def on_console(self, msg):
        if msg.type == "error":
            self.console_errors.append(f"{msg.text} ({msg.location})")

    def on_response(self, response):
        if response.status >= 400:
            self.failed.append(f"{response.status} {response.url}")

    def on_request_failed(self, request):
        # ERR_ABORTED: the page went on (a click) before the request ended;
        # a missing file shows up as an HTTP error in on_response instead
        if self.is_external(request.url) or "ERR_ABORTED" in str(
            request.failure
        ):
            return
        self.failed.append(f"{request.failure} {request.url}")

    def is_external(self, url: str) -> bool:
        parts = urlsplit(url)
        if parts.scheme in ("data", "blob", "about"):
            return False
        return parts.hostname != urlsplit(self.base_url).hostname

    def problems(self) -> list[str]:
        found = [f"console error: {m}" for m in self.console_errors]
        found += [f"uncaught error: {m}" for m in self.page_errors]
        found += [f"failed request: {m}" for m in self.failed]
        if not self.allow_external:
            found += [f"request outside 127.0.0.1: {u}" for u in self.external]
        return found


WAIT_FOR_MATHJAX = """
async () => {
  if (!document.querySelector('div.math, span.math')) return 'no math';
  const deadline = Date.now() + 20000;
  while (!(window.MathJax && MathJax.startup && MathJax.startup.promise)) {
    if (Date.now() > deadline) return 'MathJax never loaded';
    await new Promise(r => setTimeout(r, 50));
  }
  await MathJax.startup.promise;
  return 'typeset';
}
"""


@pytest.fixture
def open_page(browser, base_url):
    """Open a site path in a fresh context; returns (page, watch)."""
    contexts = []

    def _open(path, *, allow_external=False, color_scheme="light",
              wait_until="load", wait_for_math=True):
        context = browser.new_context(
            viewport=VIEWPORT, color_scheme=color_scheme,
            service_workers="block",
        )
        contexts.append(context)
        watch = Watch(base_url, allow_external=allow_external)

        def block(route):
            watch.external.append(route.request.url)
            route.abort()

        context.route(watch.is_external, block)
        page = context.new_page()
        page.on("console", watch.on_console)
        page.on("pageerror", lambda exc: watch.page_errors.append(str(exc)))
        page.on("response", watch.on_response)
        page.on("requestfailed", watch.on_request_failed)
        response = page.goto(base_url + path, wait_until=wait_until)
        assert response is not None and response.ok, (
            f"{path}: HTTP {response.status if response else 'no response'}"
        )
        if wait_for_math:
            state = page.evaluate(WAIT_FOR_MATHJAX)
            assert state in ("no math", "typeset"), f"{path}: {state}"
        return page, watch

    yield _open
    for context in contexts:
        context.close()
