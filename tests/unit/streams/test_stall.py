from streams.stall import StallDetector


def test_stalled_only_when_records_wait_behind_positions_that_do_not_move() -> None:
    d = StallDetector(window=60)
    assert not d.observe(0, {"p0": 5}, {"p0": 10}, excused=False)
    assert not d.observe(59, {"p0": 5}, {"p0": 10}, excused=False)
    assert d.observe(60, {"p0": 5}, {"p0": 10}, excused=False)


def test_progress_nothing_waiting_or_an_unavailable_database_restart_the_clock() -> None:
    d = StallDetector(window=60)
    d.observe(0, {"p0": 5}, {"p0": 10}, excused=False)
    assert not d.observe(50, {"p0": 6}, {"p0": 10}, excused=False)  # moved
    assert not d.observe(100, {"p0": 6}, {"p0": 10}, excused=True)  # a sink retries the database
    assert not d.observe(150, {"p0": 6}, {"p0": 0}, excused=False)  # idle, nothing to do
    assert not d.observe(200, {"p0": 6}, {"p0": 3}, excused=False)
    assert d.observe(260, {"p0": 6}, {"p0": 3}, excused=False)


def test_one_stuck_partition_is_found_while_the_others_move() -> None:
    d = StallDetector(window=60)
    for t in range(0, 60, 5):  # ticks keep p1 moving; p0 keeps 4 messages behind position 151
        assert not d.observe(t, {"p0": 151, "p1": 100 + t}, {"p0": 4, "p1": 1}, excused=False)
    assert d.observe(60, {"p0": 151, "p1": 160}, {"p0": 4, "p1": 1}, excused=False)
