import asyncio

from dashboard.outbox import RESYNC, Outbox


async def test_a_slow_client_gets_the_latest_value_per_key_in_sequence_order() -> None:
    box = Outbox()
    box.put("a", 1)
    box.put("b", 2)
    box.put("a", 3)  # replaces a's 1 and goes after b's 2: the client's sequence never steps back
    assert [await box.get(), await box.get()] == [2, 3]
    assert box.coalesced == 1


async def test_an_overflowing_queue_asks_for_a_fresh_snapshot_rather_than_drop_a_delta() -> None:
    box = Outbox(max_keys=2)
    for key in "abcd":
        box.put(key, key)
    assert await box.get() is RESYNC
    assert box.resyncs == 1 and len(box) == 0
    box.put("e", "e")
    assert await box.get() == "e"


async def test_get_waits_for_the_next_message() -> None:
    box = Outbox()
    waiter = asyncio.create_task(box.get())
    await asyncio.sleep(0.01)
    assert not waiter.done()
    box.put("k", "v")
    assert await asyncio.wait_for(waiter, 1) == "v"
