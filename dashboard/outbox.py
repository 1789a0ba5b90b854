"""A client's bounded, coalescing send queue (pure asyncio, no I/O).

The hub puts every update into each client's outbox; a slow client then gets the latest value per key
instead of a growing backlog, and can never slow the hub or the other clients.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Hashable
from typing import Any


class Outbox:
    def __init__(self, max_keys: int = 5000) -> None:
        self.max_keys = max_keys
        self._pending: OrderedDict[Hashable, Any] = OrderedDict()
        self._ready = asyncio.Event()
        self.coalesced = 0
        self.dropped = 0

    def __len__(self) -> int:
        return len(self._pending)

    def put(self, key: Hashable, message: Any) -> None:
        """Queue ``message``; replaces a not yet sent message of the same key, keeping its place."""
        if key in self._pending:
            self.coalesced += 1
        elif len(self._pending) >= self.max_keys:
            self._pending.popitem(last=False)
            self.dropped += 1
        self._pending[key] = message
        self._ready.set()

    async def get(self) -> Any:
        """The oldest pending message, waiting for one if none is pending."""
        while not self._pending:
            self._ready.clear()
            await self._ready.wait()
        return self._pending.popitem(last=False)[1]
