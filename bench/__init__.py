"""Benchmarks of the pipeline beside its ceilings and a peer (`make bench`, `ioc bench`); see docs/performance.md."""

# In the order they run: ceilings, drains (one worker, two, the peer), steady rate, websocket fan-out, simulators.
STAGES = ("client_ceiling", "db_ceiling", "drain", "drain_two_workers", "peer_quix", "steady", "fanout", "simulator")
