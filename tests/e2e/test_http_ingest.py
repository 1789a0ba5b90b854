"""An integrator's path, as docs/integrators.md tells it: `ioc keys add`, then POST to the running dashboard;
valid records are stored, rejected ones are dead letters with the reason the response gave."""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest

from tests.e2e.conftest import Pipeline
from tests.infra import http_json, query, wait_for

pytestmark = pytest.mark.e2e


def post(url: str, key: str, body: bytes, content_type: str = "application/json") -> tuple[int, dict[str, Any]]:
    return http_json(url, key, body, content_type)  # type: ignore[no-any-return]


def test_records_posted_by_an_integrator_are_stored_or_dead_lettered(pipeline: Pipeline) -> None:
    created = subprocess.run(
        [sys.executable, "-m", "ioc", "keys", "add", "Sở TN&MT (test)", "--feed", "air_quality"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    key = created.stdout.strip()
    assert key.startswith("ioc_") and "Sở TN&MT (test)" in created.stderr

    tag = uuid.uuid4().hex[:6]
    now = datetime.now(UTC).isoformat()
    lines = [
        {"source": f"HTTP-{tag}-A", "ts": now, "values": {"pm25": 35.5, "pm10": 50}},
        {"source": f"HTTP-{tag}-B", "ts": now, "values": {"pm25": 12}},
        {"source": f"HTTP-{tag}-C", "ts": now, "values": {"pm25": 2000}},
    ]
    body = "\n".join(json.dumps(line) for line in lines).encode()
    status, answer = post(f"{pipeline.url}/ingest/air_quality", key, body, "application/x-ndjson")
    assert status == 200, answer
    assert (answer["accepted"], answer["rejected"]) == (2, 1)
    [error] = answer["errors"]
    assert (error["index"], error["field"], error["rule"]) == (2, "values.pm25", "range")

    def stored() -> bool:
        rows = query(pipeline.settings, "SELECT count(*) FROM observation WHERE source LIKE %s", (f"HTTP-{tag}-%",))
        return rows[0][0] == 3  # A: pm25 and pm10, B: pm25

    wait_for(stored, 60, what="the two valid records in the observation table")
    letters = wait_for(
        lambda: query(
            pipeline.settings, "SELECT field, rule, reason FROM dead_letter WHERE source = %s", (f"HTTP-{tag}-C",)
        ),
        60,
        what="the rejected record in the dead letters",
    )
    assert letters == [("values.pm25", "range", error["reason"])]

    # The same request again (a retry after a timeout): no observation is stored twice; the rejected record
    # is a second dead letter, since each message that reached Kafka is accounted for.
    assert post(f"{pipeline.url}/ingest/air_quality", key, body, "application/x-ndjson")[0] == 200
    count = "SELECT count(*) FROM dead_letter WHERE source = %s"
    wait_for(lambda: query(pipeline.settings, count, (f"HTTP-{tag}-C",))[0][0] == 2, 60, what="the retry processed")
    pipeline.wait_until_processing()
    assert stored()
