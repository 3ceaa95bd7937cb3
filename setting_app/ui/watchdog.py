"""An event-loop stall watchdog: notices when the UI thread stops serving events, and says why.

A ``QTimer`` on the UI thread beats every ``interval_ms``. A small Python thread watches the beats;
when none has come for ``threshold_ms`` it takes the UI thread's stack (``sys._current_frames``) at
that moment, which names the code holding the thread up. When the beats resume, the stall is recorded
with its length, that stack and the label of what was being done (``watchdog.action("...")``).

Work that runs inside a nested event loop (a modal dialog's ``exec()``) is not a stall: the loop
still serves events and the timer still beats. Work dispatched synchronously (``QTest.keyClick``
sends the event straight to the widget) shows as a gap as long as its handler took, which is exactly
how long the app would not have answered.

Used by the tests (``tests/ui/conftest.py`` reports stalls of every UI test, the monkey test asserts
on them) and by the benchmark (``bench/gui_probe.py``).
"""

from __future__ import annotations

import contextlib
import sys
import threading
import time
import traceback
from collections.abc import Iterator
from dataclasses import dataclass, field

from PySide6.QtCore import QTimer

#: A stall longer than this is recorded (the issue's bound for "the UI thread never stalls").
DEFAULT_THRESHOLD_MS = 200.0
DEFAULT_INTERVAL_MS = 10


@dataclass
class Stall:
    """One period when the UI thread served no events."""

    ms: float
    label: str
    stack: list[str] = field(default_factory=list)

    def where(self, frames: int = 6) -> str:
        """The innermost project frames of the stack taken during the stall (what caused it)."""
        ours = [line for line in self.stack if "setting_app" in line or "bench" in line or "tests" in line]
        chosen = (ours or self.stack)[-frames:]
        return "".join(chosen).rstrip()

    def describe(self) -> str:
        head = f"UI thread stalled {self.ms:.0f} ms during {self.label or 'unlabelled work'}"
        where = self.where()
        return f"{head}\n{where}" if where else head


@dataclass
class ActionTiming:
    label: str
    worst_gap_ms: float


class StallWatchdog:
    """Start it on the UI thread; ``stalls`` lists every gap over the threshold, with its stack.

    A plain Python object (not a QObject): its watching thread must touch no Qt object.
    """

    def __init__(
        self,
        threshold_ms: float = DEFAULT_THRESHOLD_MS,
        *,
        interval_ms: int = DEFAULT_INTERVAL_MS,
    ) -> None:
        self.threshold_ms = threshold_ms
        self.interval_ms = interval_ms
        self.stalls: list[Stall] = []
        #: The longest gap between two beats since start (stalls or not).
        self.worst_gap_ms = 0.0
        self.label = ""
        self._timer = QTimer()
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self._beat)
        self._lock = threading.Lock()
        self._last_beat = time.perf_counter()
        self._sampled_stack: list | None = None
        self._ui_thread_id = threading.get_ident()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._action_worst = 0.0
        self._sampled_label: str | None = None
        #: The worst gap attributed to each label (the label current while the UI thread was stuck).
        self.worst_by_label: dict[str, float] = {}

    # --- control ---------------------------------------------------------------------------------

    def start(self) -> StallWatchdog:
        self._ui_thread_id = threading.get_ident()
        self._last_beat = time.perf_counter()
        self._stop.clear()
        self._timer.start()
        self._thread = threading.Thread(target=self._watch, name="stall-watchdog", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._beat()  # a stall still running when stopped is recorded too
        self._timer.stop()
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=1)
            self._thread = None

    @property
    def running(self) -> bool:
        return self._thread is not None

    @contextlib.contextmanager
    def action(self, label: str) -> Iterator[ActionTiming]:
        """Label the work done inside; the yielded timing gets the worst gap seen during it."""
        self._beat()
        previous, self.label = self.label, label
        self._action_worst = 0.0
        timing = ActionTiming(label, 0.0)
        try:
            yield timing
        finally:
            self._beat()
            timing.worst_gap_ms = self._action_worst
            self.label = previous

    def mark(self, label: str) -> None:
        """From now on, gaps are what ``label`` caused (until the next mark)."""
        self._beat()
        self.label = label

    def report(self) -> str:
        if not self.stalls:
            return f"no stall over {self.threshold_ms:.0f} ms (worst gap {self.worst_gap_ms:.0f} ms)"
        lines = [f"{len(self.stalls)} stall(s) over {self.threshold_ms:.0f} ms:"]
        lines += [stall.describe() for stall in sorted(self.stalls, key=lambda s: -s.ms)]
        return "\n".join(lines)

    # --- internals -------------------------------------------------------------------------------

    def _beat(self) -> None:
        now = time.perf_counter()
        with self._lock:
            gap = (now - self._last_beat) * 1000
            self._last_beat = now
            stack, self._sampled_stack = self._sampled_stack, None
            label, self._sampled_label = self._sampled_label, None
        label = self.label if label is None else label
        if stack:  # the source lines are read here, on the UI thread, never while it is stuck
            stack = traceback.format_list(traceback.StackSummary.from_list(stack))
        self.worst_gap_ms = max(self.worst_gap_ms, gap)
        self._action_worst = max(self._action_worst, gap)
        if gap > self.worst_by_label.get(label, 0.0):
            self.worst_by_label[label] = gap
        if gap > self.threshold_ms:
            self.stalls.append(Stall(gap, label, stack or []))

    def _watch(self) -> None:
        poll = max(self.interval_ms, 5) / 1000
        while not self._stop.wait(poll):
            with self._lock:
                waiting = (time.perf_counter() - self._last_beat) * 1000
                if waiting <= self.threshold_ms or self._sampled_stack is not None:
                    continue
                self._sampled_label = self.label
                self._sampled_stack = _where(sys._current_frames().get(self._ui_thread_id))


def _where(frame) -> list[tuple[str, int, str, None]]:
    """The frames from ``frame`` outwards as (file, line, function), oldest first. Read at once and
    without I/O (the thread it belongs to is running again as soon as this one lets go)."""
    found = []
    while frame is not None and len(found) < 60:
        code = frame.f_code
        found.append((code.co_filename, frame.f_lineno or 0, code.co_name, None))
        frame = frame.f_back
    found.reverse()
    return found
