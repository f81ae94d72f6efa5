"""A progress bar for offline rendering: frames done, speed as a multiple of real time, time left."""

from __future__ import annotations

import sys
import time
from typing import TextIO


class FrameProgress:
    """tqdm on a terminal, silent elsewhere; `enabled=None` means "only when `stream` is a terminal"."""

    _SPEED_EVERY = 15  # frames between speed updates: the text changes slowly, and formatting costs

    def __init__(self, total_frames: int, fps: float, *, enabled: bool | None = None,
                 desc: str = "recording", stream: TextIO | None = None) -> None:
        self.total_frames = total_frames
        self.fps = fps
        self._stream = stream if stream is not None else sys.stderr
        if enabled is None:
            enabled = bool(getattr(self._stream, "isatty", lambda: False)())
        self._bar = None
        self._done = 0
        self._t0 = time.perf_counter()
        if enabled:
            from tqdm import tqdm
            self._bar = tqdm(total=total_frames, desc=desc, unit="frame", file=self._stream, leave=True,
                             dynamic_ncols=True,
                             bar_format="{desc}: {percentage:3.0f}%|{bar}| {n_fmt}/{total_fmt} frames "
                                        "[{elapsed}<{remaining}{postfix}]")

    def update(self, frames: int = 1) -> None:
        self._done += frames
        if self._bar is None:
            return
        if self._done % self._SPEED_EVERY < frames or self._done == self.total_frames:
            self._bar.set_postfix_str(f"{self.speed_x():.1f}x real time", refresh=False)
        self._bar.update(frames)

    def speed_x(self) -> float:
        """Seconds of video made per second of wall time so far."""
        elapsed = time.perf_counter() - self._t0
        return (self._done / self.fps) / elapsed if elapsed > 0 else 0.0

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None

    def __enter__(self) -> "FrameProgress":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
