"""Closing the MIDI ports is bounded: the handles close in order, and a JACK server that does not answer
does not keep segue from shutting down (unit tests with stand-in handles; the real ports' closing is
proven by every daemon test on JACK)."""

from __future__ import annotations

import threading
import time

from bridge.midi_apis import close_handles


class Handle:
    """An rtmidi port or JACK watch stand-in that records its calls; ``hang`` blocks ``close_port``."""

    def __init__(self, name: str, calls: list[str], hang: threading.Event | None = None) -> None:
        self.name, self.calls, self.hang = name, calls, hang

    def cancel_callback(self) -> None:
        self.calls.append(f"{self.name} cancel")

    def close_port(self) -> None:
        if self.hang is not None:
            self.hang.wait()
        self.calls.append(f"{self.name} close")

    def delete(self) -> None:
        self.calls.append(f"{self.name} delete")

    def close(self) -> None:
        self.calls.append(f"{self.name} close")


def test_the_handles_close_in_order() -> None:
    calls: list[str] = []
    assert close_handles(Handle("watch", calls), Handle("in", calls), Handle("unstick", calls),
                         Handle("out", calls))
    assert calls == ["watch close", "in cancel", "in close", "in delete", "unstick close", "unstick delete",
                     "out close", "out delete"]


def test_a_close_that_hangs_is_given_up_after_the_timeout() -> None:
    calls: list[str] = []
    hang = threading.Event()
    # it returns while the input's close still hangs: segue goes on
    assert not close_handles(None, Handle("in", calls, hang), None, Handle("out", calls), timeout_s=0.2)
    assert calls == ["in cancel"]
    hang.set()  # the stuck close finishes later, on its own thread, and the rest still closes
    deadline = time.monotonic() + 5
    while "out delete" not in calls and time.monotonic() < deadline:
        time.sleep(0.01)
    assert calls[-1] == "out delete"


def test_a_failing_close_does_not_stop_the_others() -> None:
    calls: list[str] = []

    class Broken(Handle):
        def close_port(self) -> None:
            raise RuntimeError("boom")

    assert close_handles(None, Broken("in", calls), None, Handle("out", calls))
    assert calls == ["in cancel", "out close", "out delete"]
