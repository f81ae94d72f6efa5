"""One spoken answer (or greeting) on a timeline that grows while it plays: chunks are placed as they arrive.

The kiosk keeps one show clock for its whole life, so idle life never jumps; each utterance gets a
fresh Timeline whose times are on that clock. The speech thread only hands finished speech over
(`deliver`); the UI thread places it (`place_ready`), starts its clips and reads it, so the timeline
is never written and read at once.
"""

from __future__ import annotations

import queue
import threading
from dataclasses import dataclass, field
from typing import Literal

from avatar.build import place_speech
from avatar.clock import LiveClock
from avatar.player import ClipScheduler
from avatar.sound import SoundOut
from avatar.timeline import Timeline
from avatar.kiosk.voice import is_silent
from avatar.tts.base import Speech

START_MARGIN_S = 0.12      # a chunk is placed this far after "now" so its clip is started on time
CHUNK_GAP_S = 0.06         # breath between chunks that arrive before the previous one ended
CAPTION_HOLD_S = 0.5       # the last caption stays this long after the voice stops

Kind = Literal["answer", "greeting"]


@dataclass
class Utterance:
    """An answer or greeting being spoken; create it on the UI thread, `deliver` from any thread."""

    id: int
    kind: Kind
    clock: LiveClock
    sound: SoundOut
    created_wall_s: float
    timeline: Timeline = field(default_factory=Timeline)
    ended: threading.Event = field(default_factory=threading.Event)   # no more chunks will come
    clip_starts: list[tuple[float, float]] = field(default_factory=list)  # (scheduled t, actual t)
    chunks_placed: int = 0
    last_progress_wall_s: float = 0.0
    _inbox: "queue.SimpleQueue[Speech]" = field(default_factory=queue.SimpleQueue)

    def __post_init__(self) -> None:
        self.scheduler = ClipScheduler(self.timeline, self.clock, self.sound, log=self.clip_starts)
        self.last_progress_wall_s = self.created_wall_s

    # --- any thread -----------------------------------------------------------------------------
    def deliver(self, speech: Speech) -> None:
        """A chunk's speech is ready (called on the speech thread)."""
        self._inbox.put(speech)

    def end(self) -> None:
        """Every chunk has been delivered (or the answer stopped)."""
        self.ended.set()

    # --- UI thread ------------------------------------------------------------------------------
    def place_ready(self, now_t: float, now_wall_s: float) -> int:
        """Put delivered chunks on the timeline, back to back but never in the past; returns how many."""
        placed = 0
        while True:
            try:
                speech = self._inbox.get_nowait()
            except queue.Empty:
                return placed
            tl = self.timeline
            if speech.audio.rate_hz != tl.rate_hz:
                speech = Speech(speech.text, speech.audio.resampled(tl.rate_hz), speech.words,
                                speech.phonemes, speech.engine)
            start = now_t + START_MARGIN_S
            if self.chunks_placed:
                start = max(start, tl.end_s + CHUNK_GAP_S)
            place_speech(tl, speech, start, silent=is_silent(speech))
            self.chunks_placed += 1
            self.last_progress_wall_s = now_wall_s
            placed += 1

    def start_due(self, frame_s: float) -> None:
        """Start the clips due before the next frame (the show clock then follows their audio)."""
        self.scheduler.start_due(frame_s)

    def has_spoken(self) -> bool:
        return self.chunks_placed > 0

    def finished(self, now_t: float) -> bool:
        """All chunks arrived and were spoken, and the last caption had its moment."""
        return self.ended.is_set() and self._inbox.empty() and now_t >= self.timeline.end_s + CAPTION_HOLD_S

    def stalled(self, now_t: float, now_wall_s: float, patience_s: float) -> bool:
        """Nothing new for `patience_s` and nothing left to say: the answer is stuck somewhere."""
        return (not self.ended.is_set() and now_t >= self.timeline.end_s
                and now_wall_s - self.last_progress_wall_s >= patience_s)
