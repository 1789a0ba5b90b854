import asyncio

from dashboard.outbox import Outbox


async def test_a_slow_client_gets_the_latest_value_per_key_in_first_queued_order() -> None:
    box = Outbox()
    box.put("a", 1)
    box.put("b", 1)
    box.put("a", 2)
    assert [await box.get(), await box.get()] == [2, 1]
    assert box.coalesced == 1


async def test_the_queue_is_bounded_dropping_the_oldest_key() -> None:
    box = Outbox(max_keys=2)
    for key in "abc":
        box.put(key, key)
    assert len(box) == 2 and box.dropped == 1
    assert await box.get() == "b"


async def test_get_waits_for_the_next_message() -> None:
    box = Outbox()
    waiter = asyncio.create_task(box.get())
    await asyncio.sleep(0.01)
    assert not waiter.done()
    box.put("k", "v")
    assert await asyncio.wait_for(waiter, 1) == "v"
