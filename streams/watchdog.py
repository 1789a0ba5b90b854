"""Watchdog timer of the worker: exits a stalled worker so that its supervisor starts a fresh one.

Exiting is safe at any moment: offsets are committed only after records are stored or forwarded, so the
next worker reads again whatever this one had not finished.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time

from ioc import topics
from ioc.feeds import registry
from ioc.kafka_admin import group_position
from streams.app import app, settings
from streams.notifier import notifier
from streams.sink_consumer import SINKS
from streams.stall import StallDetector

log = logging.getLogger(__name__)
EXIT_STALLED = 70
GROUPS = topics.worker_groups(settings.app_id, list(registry()))
detectors = {group: StallDetector(settings.worker_stall_seconds) for group in GROUPS}


if settings.worker_stall_seconds > 0:

    @app.timer(interval=max(1.0, settings.worker_stall_seconds / 6))
    async def watch_progress() -> None:
        try:
            positions = {
                group: await asyncio.to_thread(group_position, settings.bootstrap_servers, group, names)
                for group, names in GROUPS.items()
            }
        except Exception as exc:  # Kafka unreachable: the consumers' own retries deal with it
            log.warning("watchdog: cannot read the groups' positions (%s)", exc)
            return
        # Rebalancing and table recovery legitimately hold the groups still; so do an unavailable database
        # and a receiver being retried with backoff.
        busy_elsewhere = app.rebalancing or getattr(app, "in_recovery", False)
        excused = busy_elsewhere or any(sink.retrying for sink in SINKS) or notifier.retrying
        now = time.monotonic()
        for group, position in positions.items():
            waiting = sum(position.lag.values())
            if detectors[group].observe(now, position.done, position.waiting, excused):
                log.critical(
                    "watchdog: %d records wait (%s) but group %s has not moved for %.0f s; exiting so that a "
                    "fresh worker takes over (nothing is lost: offsets are only committed after storing)",
                    waiting, position.lag, group, settings.worker_stall_seconds,
                )  # fmt: skip
                logging.shutdown()
                os._exit(EXIT_STALLED)
