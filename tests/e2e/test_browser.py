"""The dashboard page in a real browser (Debian's Chromium driven by Playwright): live values, two languages."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime

import pytest
from playwright.sync_api import Browser, expect

from tests.e2e.conftest import Pipeline

pytestmark = pytest.mark.e2e


def send(pipeline: Pipeline, source: str, pm25: float) -> None:
    body = {
        "source": source,
        "ts": datetime.now(UTC).isoformat(),
        "values": {"pm25": pm25, "pm10": 2 * pm25},
        "unit_code": "HUE.PHUHOI",
    }
    pipeline.send(source, json.dumps(body).encode())
    pipeline.flush()


def test_the_page_shows_a_station_and_follows_its_values(pipeline: Pipeline, browser: Browser) -> None:
    source = f"WEB-{uuid.uuid4().hex[:8]}"
    page = browser.new_page(viewport={"width": 1280, "height": 720})
    page.goto(pipeline.url + "/")
    expect(page.locator("#status")).to_have_text("Trực tuyến", timeout=15000)
    send(pipeline, source, 12.3)
    row = page.locator(f"tr[data-source='{source}']")
    expect(row.locator(".pm25")).to_have_text("12.3", timeout=30000)
    expect(row.locator(".unit")).to_have_text("HUE.PHUHOI")
    send(pipeline, source, 45.6)
    expect(row.locator(".pm25")).to_have_text("45.6", timeout=30000)
    expect(row.locator(".pm10")).to_have_text("91.2")
    page.screenshot(path=str(pipeline.logs / "dashboard.png"))
    page.close()


def test_the_page_switches_between_vietnamese_and_english(pipeline: Pipeline, browser: Browser) -> None:
    page = browser.new_page()
    page.goto(pipeline.url + "/")
    expect(page.locator("h1")).to_have_text("Chất lượng không khí — thời gian thực")
    page.click("#lang")
    expect(page.locator("h1")).to_have_text("Air quality — live")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.click("#lang")
    expect(page.locator("th").first).to_have_text("Trạm")
    page.close()
