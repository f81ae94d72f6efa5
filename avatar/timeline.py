"""One time axis for a show: what is heard (audio clips), said (captions), mouthed and shown at `t`.

A Timeline only grows (items are appended in time order by whoever builds it, possibly from a
background thread while a player already reads it), so a 20-minute speech can start at once.
"""

from __future__ import annotations

import bisect
import threading
import wave
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from avatar.audio import VOICE_RATE_HZ, Audio
from avatar.lipsync.track import MouthShape, MouthTrack
from avatar.tts.base import WordTiming


@dataclass(frozen=True)
class AudioClip:
    """Audio that starts at `start_s` on the timeline.

    `audio` is None when the samples went straight to a soundtrack file (a long recording need
    not hold its whole soundtrack in memory); `duration_s` then says how long the clip is.
    """

    start_s: float
    audio: Audio | None
    duration_s: float = -1.0

    def __post_init__(self) -> None:
        if self.duration_s < 0:
            object.__setattr__(self, "duration_s", self.audio.duration_s if self.audio is not None else 0.0)

    @property
    def end_s(self) -> float:
        return self.start_s + self.duration_s


class SoundtrackWriter:
    """Writes clips placed in time order straight into a 16-bit mono WAV, silence between them."""

    def __init__(self, path: str | Path, rate_hz: int) -> None:
        self.rate_hz = rate_hz
        self._wav = wave.open(str(path), "wb")
        self._wav.setnchannels(1)
        self._wav.setsampwidth(2)
        self._wav.setframerate(rate_hz)
        self._pos = 0  # samples written so far

    def _silence_to(self, sample: int) -> None:
        chunk = self.rate_hz * 10
        while self._pos < sample:
            n = min(chunk, sample - self._pos)
            self._wav.writeframes(bytes(2 * n))
            self._pos += n

    def write(self, start_s: float, audio: Audio) -> None:
        samples = audio.samples if audio.rate_hz == self.rate_hz else audio.resampled(self.rate_hz).samples
        start = int(round(start_s * self.rate_hz))
        self._silence_to(start)
        skip = self._pos - start  # an overlap with the clip before: that clip keeps its end
        pcm = samples[skip:] if skip > 0 else samples
        self._wav.writeframes((np.clip(pcm, -1, 1) * 32767).astype("<i2").tobytes())
        self._pos += len(pcm)

    def close(self, total_s: float | None = None) -> None:
        if total_s is not None:
            self._silence_to(int(round(total_s * self.rate_hz)))
        self._wav.close()


@dataclass(frozen=True)
class CaptionItem:
    """A sentence on screen from `start_s` to `end_s`; word times are absolute, spans index `text`."""

    start_s: float
    end_s: float
    text: str
    words: tuple[WordTiming, ...] = ()
    silent: bool = False  # the voice failed: shown, not heard
    translation: str = ""  # the sentence in the speech's other language (avatar.bilingual), if any


@dataclass(frozen=True)
class MouthItem:
    start_s: float
    track: MouthTrack


@dataclass(frozen=True)
class Mark:
    """A change of slide (`slide`, value path or None) or of expression (`expression`, value name)."""

    t_s: float
    kind: str
    value: str | None


class _Lane:
    """Items sorted by start time, with the start times kept for bisect.

    Copy-on-write: a writer builds new lists and swaps them in with one assignment, so a reader on
    another thread always sees a consistent pair without taking a lock.
    """

    def __init__(self) -> None:
        self._data: tuple[list[float], list] = ([], [])

    @property
    def starts(self) -> list[float]:
        return self._data[0]

    @property
    def items(self) -> list:
        return self._data[1]

    def add(self, start_s: float, item: object) -> None:
        starts, items = self._data
        i = bisect.bisect_right(starts, start_s)
        self._data = (starts[:i] + [start_s] + starts[i:], items[:i] + [item] + items[i:])

    def snapshot(self) -> tuple[list[float], list]:
        return self._data

    def last_at(self, t_s: float):
        starts, items = self._data
        i = bisect.bisect_right(starts, t_s) - 1
        return items[i] if i >= 0 else None

    def index_at(self, t_s: float) -> int:
        return bisect.bisect_right(self._data[0], t_s) - 1


@dataclass
class Timeline:
    """Everything placed on the show's time axis; read it with the `*_at(t)` methods."""

    rate_hz: int = VOICE_RATE_HZ
    title: str = ""
    speaker: str = ""
    role: str = ""
    end_s: float = 0.0             # grows as items are appended
    complete: bool = False         # set once the builder has placed everything
    soundtrack: SoundtrackWriter | None = field(default=None, repr=False)  # clips' samples go here
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def __post_init__(self) -> None:
        self._clips = _Lane()
        self._captions = _Lane()
        self._mouths = _Lane()
        self._marks = _Lane()
        self._emphasis: list[tuple[float, float]] = []
        self.failures: list[str] = []
        self.ready = threading.Event()  # set when the first spoken item (or everything) is placed

    # --- building ------------------------------------------------------------------------------
    def add_clip(self, clip: AudioClip) -> None:
        if self.soundtrack is not None and clip.audio is not None:
            self.soundtrack.write(clip.start_s, clip.audio)
            clip = AudioClip(clip.start_s, None, clip.duration_s)
        with self._lock:
            self._clips.add(clip.start_s, clip)
            self.end_s = max(self.end_s, clip.end_s)

    def add_caption(self, item: CaptionItem) -> None:
        with self._lock:
            self._captions.add(item.start_s, item)
            self.end_s = max(self.end_s, item.end_s)

    def add_mouth(self, item: MouthItem) -> None:
        with self._lock:
            self._mouths.add(item.start_s, item)
            self.end_s = max(self.end_s, item.start_s + item.track.duration_s)

    def add_mark(self, mark: Mark) -> None:
        with self._lock:
            self._marks.add(mark.t_s, mark)

    def add_emphasis(self, start_s: float, end_s: float) -> None:
        with self._lock:
            self._emphasis.append((start_s, end_s))

    def extend_to(self, t_s: float) -> None:
        with self._lock:
            self.end_s = max(self.end_s, t_s)

    def finish(self) -> None:
        self.complete = True
        self.ready.set()

    # --- reading -------------------------------------------------------------------------------
    @property
    def duration_s(self) -> float:
        return self.end_s

    # The lanes are copy-on-write, so these lists are snapshots: read them, never change them
    # (the player reads `clips` every frame, so no copy is made).
    @property
    def clips(self) -> list[AudioClip]:
        return self._clips.items

    @property
    def captions(self) -> list[CaptionItem]:
        return self._captions.items

    def mouth_at(self, t_s: float) -> tuple[MouthShape, float]:
        item: MouthItem | None = self._mouths.last_at(t_s)
        if item is None:
            return MouthShape.X, 0.0
        local = t_s - item.start_s
        if local >= item.track.duration_s:
            return MouthShape.X, 0.0
        return item.track.shape_at(local), item.track.openness_at(local)

    def caption_at(self, t_s: float, linger_s: float = 0.4) -> tuple[CaptionItem, int] | None:
        """The sentence on screen and the index of its current word (-1 before the first word)."""
        starts, items = self._captions.snapshot()
        i = bisect.bisect_right(starts, t_s) - 1
        if i < 0:
            return None
        item: CaptionItem = items[i]
        nxt = starts[i + 1] if i + 1 < len(starts) else float("inf")
        if t_s > min(item.end_s + linger_s, nxt):
            return None
        current = -1
        for k, w in enumerate(item.words):
            if w.start_s <= t_s:
                current = k
            else:
                break
        return item, current

    def caption_index_at(self, t_s: float) -> int:
        return self._captions.index_at(t_s)

    def sentence_starts(self) -> list[float]:
        return self._captions.starts

    def mark_at(self, t_s: float, kind: str) -> Mark | None:
        """The latest mark of `kind` at or before `t_s`."""
        starts, items = self._marks.snapshot()
        i = bisect.bisect_right(starts, t_s) - 1
        while i >= 0:
            m: Mark = items[i]
            if m.kind == kind:
                return m
            i -= 1
        return None

    def emphasis_at(self, t_s: float) -> float:
        """0..1: rises over 80 ms into a stressed span and falls over 300 ms after it."""
        best = 0.0
        for a, b in list(self._emphasis):
            if a - 0.08 <= t_s <= b + 0.3:
                if t_s < a:
                    v = 1.0 - (a - t_s) / 0.08
                elif t_s <= b:
                    v = 1.0
                else:
                    v = 1.0 - (t_s - b) / 0.3
                best = max(best, v)
        return best

    # --- audio out -----------------------------------------------------------------------------
    def write_wav(self, path: str | Path, duration_s: float | None = None, chunk_s: float = 10.0) -> None:
        """Stream the whole soundtrack to a 16-bit WAV a chunk at a time (no full-length array)."""
        total = int(round((self.end_s if duration_s is None else duration_s) * self.rate_hz))
        clips = self.clips
        chunk = max(1, int(chunk_s * self.rate_hz))
        with wave.open(str(path), "wb") as w:
            w.setnchannels(1)
            w.setsampwidth(2)
            w.setframerate(self.rate_hz)
            for a in range(0, total, chunk):
                b = min(total, a + chunk)
                buf = np.zeros(b - a, np.float32)
                for c in clips:
                    if c.audio is None:
                        continue
                    cs = int(round(c.start_s * self.rate_hz))
                    samples = c.audio.samples if c.audio.rate_hz == self.rate_hz else \
                        c.audio.resampled(self.rate_hz).samples
                    ce = cs + len(samples)
                    if ce <= a or cs >= b:
                        continue
                    lo, hi = max(a, cs), min(b, ce)
                    buf[lo - a:hi - a] += samples[lo - cs:hi - cs]
                w.writeframes((np.clip(buf, -1, 1) * 32767).astype("<i2").tobytes())


def whole_mouth_track(timeline: Timeline, fps: float = 100.0) -> MouthTrack:
    """One MouthTrack for the whole show (for export): the items' cues with rests between them."""
    from avatar.lipsync.track import MouthCue

    duration = timeline.duration_s
    cues: list[MouthCue] = []
    t = 0.0
    for item in timeline._mouths.items:
        start = max(item.start_s, t)
        if start > t + 1e-9:
            cues.append(MouthCue(t, start, MouthShape.X))
        for c in item.track.cues:
            a, b = c.start_s + item.start_s, c.end_s + item.start_s
            a = max(a, start)
            if b > a:
                cues.append(MouthCue(a, min(b, duration), c.shape))
        t = max(t, cues[-1].end_s if cues else t)
    if t < duration:
        cues.append(MouthCue(t, duration, MouthShape.X))
    # merge neighbours with the same shape
    merged: list[MouthCue] = []
    for c in cues:
        if merged and merged[-1].shape == c.shape and abs(merged[-1].end_s - c.start_s) < 1e-9:
            merged[-1] = MouthCue(merged[-1].start_s, c.end_s, c.shape)
        else:
            merged.append(c)
    n = int(np.ceil(duration * fps))
    openness = np.array([timeline.mouth_at(i / fps)[1] for i in range(n)], np.float32)
    return MouthTrack(tuple(merged), openness, fps, duration)
