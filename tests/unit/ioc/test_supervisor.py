import time

from ioc import supervisor
from ioc.supervisor import Child


class ExitedProcess:
    returncode = 1

    def poll(self) -> int:
        return 1


def dead(child: Child, ran_for: float) -> Child:
    child.proc = ExitedProcess()  # type: ignore[assignment]
    child.started_at = time.monotonic() - ran_for
    return child


def test_a_crashing_child_is_restarted_with_growing_backoff(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    started: list[str] = []
    monkeypatch.setattr(Child, "start", lambda self: started.append(self.name))
    child = dead(Child("worker", ["worker"]), ran_for=1)
    supervisor._watch(child)
    assert (child.backoff, started) == (2.0, [])  # waits 1 s first
    child.next_start = time.monotonic() - 0.01
    supervisor._watch(child)
    assert started == ["worker"] and child.restarts == 1
    dead(child, ran_for=1)
    supervisor._watch(child)
    assert child.backoff == 4.0


def test_a_child_that_ran_long_restarts_quickly_again(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(Child, "start", lambda self: None)
    child = dead(Child("dashboard", ["dashboard"]), ran_for=supervisor.STABLE_SECONDS + 1)
    child.backoff = 32.0
    supervisor._watch(child)
    assert child.next_start - time.monotonic() <= 1.0
