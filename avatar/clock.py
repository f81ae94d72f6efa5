"""The live show clock: wall time anchored at each audio clip's start, pausable and seekable.

The recorder needs no clock object: frame i shows t = i / fps.
"""

from __future__ import annotations

import time
from typing import Callable


class LiveClock:
    """Show time in seconds. Re-anchored whenever a clip starts playing, so it follows the audio."""

    def __init__(self, now: Callable[[], float] = time.perf_counter) -> None:
        self._now = now
        self._anchor_wall = now()
        self._anchor_t = 0.0
        self.paused = True

    def time_s(self) -> float:
        if self.paused:
            return self._anchor_t
        return self._anchor_t + (self._now() - self._anchor_wall)

    def wall_of(self, t_s: float) -> float:
        """The wall time at which show time `t_s` is reached (when running)."""
        return self._anchor_wall + (t_s - self._anchor_t)

    def start(self, t_s: float = 0.0) -> None:
        self._anchor_t, self._anchor_wall, self.paused = t_s, self._now(), False

    def anchor(self, t_s: float, wall: float) -> None:
        """Declare that show time `t_s` happened at wall time `wall` (an audio clip started then)."""
        self._anchor_t, self._anchor_wall = t_s, wall

    def pause(self) -> None:
        if not self.paused:
            self._anchor_t = self.time_s()
            self.paused = True

    def resume(self) -> None:
        if self.paused:
            self._anchor_wall = self._now()
            self.paused = False

    def seek(self, t_s: float) -> None:
        self._anchor_t = max(0.0, t_s)
        self._anchor_wall = self._now()
