"""A client's bounded, coalescing send queue (pure asyncio, no I/O).

The hub puts every update into each client's outbox; a slow client then gets the latest value per key
instead of a growing backlog, and can never slow the hub or the other clients. A replaced message moves
to the end, so what a client receives is always in the hub's sequence order: a client that resumes
after its last sequence number then misses nothing. When more keys wait than the bound, the outbox
gives up on deltas and asks for a fresh snapshot (``RESYNC``) rather than drop one silently.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Hashable
from typing import Any

RESYNC = object()  # what ``get`` returns after an overflow: send the client a new snapshot


class Outbox:
    def __init__(self, max_keys: int = 5000) -> None:
        self.max_keys = max_keys
        self._pending: OrderedDict[Hashable, Any] = OrderedDict()
        self._ready = asyncio.Event()
        self._overflowed = False
        self.coalesced = 0
        self.resyncs = 0

    def __len__(self) -> int:
        return len(self._pending)

    def put(self, key: Hashable, message: Any) -> None:
        """Queue ``message``; replaces a not yet sent message of the same key, which moves to the end."""
        if self._overflowed:
            return  # the coming snapshot holds it
        if key in self._pending:
            self.coalesced += 1
            self._pending.move_to_end(key)
        elif len(self._pending) >= self.max_keys:
            self._pending.clear()
            self._overflowed = True
            self.resyncs += 1
        if not self._overflowed:
            self._pending[key] = message
        self._ready.set()

    async def get(self) -> Any:
        """The oldest pending message (or ``RESYNC``), waiting for one if none is pending."""
        while not self._pending and not self._overflowed:
            self._ready.clear()
            await self._ready.wait()
        if self._overflowed:
            self._overflowed = False
            return RESYNC
        return self._pending.popitem(last=False)[1]
