"""A 20-minute live show in simulated time: does the picture stay with the sound when the sound
card's clock runs off the computer's clock and frames come late?

The real `ClipScheduler` and `LiveClock` drive a simulated sound device. Time is a number the loop
advances (so 20 minutes take seconds): each frame lasts 1/60 s give or take jitter, now and then a
stall. The device plays each clip with its sample clock `ppm` parts per million fast (or slow), so
within a clip its position wanders away from the wall clock. At every frame the picture's time
(`clock.time_s()`) is compared with the position of the sound being heard.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from avatar.timeline import AudioClip, Timeline

FPS = 60
JITTER_S = 0.002          # frame-to-frame spread of a busy 60 fps loop
STALL_EVERY = 200         # about one frame in this many stalls ...
STALL_S = (0.03, 0.15)    # ... for this long (garbage collection, a window being dragged)


class SimulatedTime:
    """The scheduler's `now` and `sleep`: a clock that only moves when told to."""

    def __init__(self, start_s: float = 1000.0) -> None:
        self.now = start_s

    def perf_counter(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        if seconds > 0:
            self.now += seconds


class SimulatedDevice:
    """A one-voice sound output whose sample clock runs `ppm` fast against the wall clock."""

    latency_s = 0.0
    silent = False

    def __init__(self, time_source: SimulatedTime, ppm: float, clip_starts: dict[int, float]) -> None:
        self.time = time_source
        self.rate = 1.0 + ppm * 1e-6
        self.clip_starts = clip_starts  # id(audio) -> the clip's start on the timeline
        self.playing: tuple[float, float, float] | None = None  # (timeline t at start, wall at start, length)

    def play(self, audio: Any, offset_s: float = 0.0) -> None:
        start = self.clip_starts[id(audio)] + offset_s
        self.playing = (start, self.time.now, audio.duration_s - offset_s)

    def heard_at(self, wall: float) -> float | None:
        """The timeline time of the sound coming out at `wall`, or None during silence."""
        if self.playing is None:
            return None
        start, wall0, length = self.playing
        played = (wall - wall0) * self.rate
        return start + played if 0.0 <= played < length else None

    def stop(self) -> None:
        self.playing = None

    def pause(self) -> None:
        pass

    def resume(self) -> None:
        pass

    def busy(self) -> bool:
        return self.heard_at(self.time.now) is not None

    def close(self) -> None:
        pass


@dataclass(frozen=True)
class DriftResult:
    max_error_ms: float        # largest |picture time - sound time| over the show
    last_minute_ms: float      # largest over its last minute
    duration_s: float
    frames: int
    clips: int
    late_starts: int           # clips started late but within tolerance (the picture steps back to them)


def simulate(timeline: Timeline, *, ppm: float = 100.0, seed: int = 0, fps: int = FPS,
             until_s: float | None = None) -> DriftResult:
    """Play `timeline` (up to `until_s`) through the real clip scheduler on simulated time."""
    from avatar.clock import LiveClock
    from avatar.player import ClipScheduler

    fake = SimulatedTime()
    clips = timeline.clips
    device = SimulatedDevice(fake, ppm, {id(c.audio): c.start_s for c in clips})
    rng = np.random.default_rng(seed)
    frame_s = 1.0 / fps
    log: list[tuple[float, float]] = []
    worst = last_minute = 0.0
    frames = 0
    end_s = timeline.duration_s if until_s is None else min(until_s, timeline.duration_s)
    clock = LiveClock(now=fake.perf_counter)
    scheduler = ClipScheduler(timeline, clock, device, log=log, now=fake.perf_counter, sleep=fake.sleep)
    clock.start(0.0)
    while clock.time_s() < end_s:
        scheduler.start_due(frame_s)
        picture = clock.time_s()
        heard = device.heard_at(fake.now)
        if heard is not None:
            err = abs(picture - heard)
            worst = max(worst, err)
            if picture >= end_s - 60.0:
                last_minute = max(last_minute, err)
        frames += 1
        step = frame_s + rng.normal(0.0, JITTER_S)
        if rng.integers(STALL_EVERY) == 0:
            step += rng.uniform(*STALL_S)
        fake.now += max(0.001, step)
    late = sum(1 for scheduled, actual in log if actual - scheduled > 1e-9)
    return DriftResult(worst * 1000.0, last_minute * 1000.0, end_s, frames, len(log), late)


class _Span:
    """Audio-like: only a length (the simulation never needs the samples)."""

    def __init__(self, duration_s: float, rate_hz: int) -> None:
        self.duration_s = duration_s
        self.rate_hz = rate_hz


def one_clip_timeline(duration_s: float, rate_hz: int = 22050) -> Timeline:
    """The whole soundtrack as one clip started once, the way a free-running player plays it."""
    tl = Timeline(rate_hz=rate_hz)
    tl.add_clip(AudioClip(0.5, _Span(duration_s - 0.5, rate_hz)))  # type: ignore[arg-type]
    tl.finish()
    return tl
