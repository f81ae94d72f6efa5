"""Put a synthesised transcript's word and phoneme times onto a real recording by dynamic time warping."""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from avatar.audio import Audio
from avatar.errors import AudioInputError, UsageError
from avatar.lipsync.dtw import dtw_path
from avatar.lipsync.envelope import EnvelopeSettings, frame_levels, loudness
from avatar.lipsync.mfcc import mfcc
from avatar.lipsync.phonemes import is_pause
from avatar.tts.base import PhonemeTiming, Speech, WordTiming


@dataclass(frozen=True)
class AlignSettings:
    """Feature rate and search width of the alignment."""

    fps: float = 100.0   # feature frames per second on both sides
    radius: int = 12     # how far (frames) each finer level may stray from the coarser path


_MAX_HOLD_S = 0.15  # the longest a speaker can draw out one 10 ms frame of the reference
_SNAP_S = (0.08, 0.3)  # a start after a pause that lands this far before the recording's next sound moves to it
_PAUSE_S = 0.05        # the reference's silence before a start that makes it "after a pause"


class _TimeMap:
    """Reference time -> recording time along a DTW path, anchoring times in silence to nearby sound.

    A time inside a pause of the reference is ambiguous (the recording's pause may be longer or
    shorter); a start is placed relative to the next sound, an end relative to the previous one.
    """

    def __init__(self, path: np.ndarray, sounding: np.ndarray, fps: float, rec_duration_s: float,
                 rec_sounding: np.ndarray | None = None) -> None:
        i, j = path[:, 0], path[:, 1]
        m = int(j[-1]) + 1
        self.first_i = np.full(m, np.iinfo(np.int64).max, np.int64)
        self.last_i = np.zeros(m, np.int64)
        np.minimum.at(self.first_i, j, i)
        np.maximum.at(self.last_i, j, i)
        # One reference frame held over a long run of the recording is sound the reference lacks
        # (music, applause, an added sentence) being passed over: the frame itself sits at the run's
        # end (for what starts there) or its start (for what ends there), not spread over the run.
        hold = int(round(_MAX_HOLD_S * fps))
        long_run = self.last_i - self.first_i > hold
        nxt_first = self.first_i.copy()
        self.first_i = np.where(long_run, self.last_i - hold, self.first_i)
        self.last_i = np.where(long_run, nxt_first + hold, self.last_i)
        self.mid_i = 0.5 * (self.first_i + self.last_i)
        self.sounding = sounding[:m] if len(sounding) >= m else np.concatenate(
            [sounding, np.zeros(m - len(sounding), bool)])
        idx = np.arange(m)
        # Index of the next sounding frame at or after j (m if none) and the last one at or before j (-1).
        nxt = np.where(self.sounding, idx, m)
        self.next_sound = np.minimum.accumulate(nxt[::-1])[::-1]
        prv = np.where(self.sounding, idx, -1)
        self.prev_sound = np.maximum.accumulate(prv)
        self.fps = fps
        self.m = m
        self.rec_duration_s = rec_duration_s
        # The recording's next sounding frame at or after each frame (len if none), for `_onset`.
        rec = np.zeros(0, bool) if rec_sounding is None else rec_sounding
        ridx = np.arange(len(rec))
        self.rec_sounding = rec
        self.rec_next_sound = np.minimum.accumulate(np.where(rec, ridx, len(rec))[::-1])[::-1] if len(rec) else ridx

    def _frame(self, t_s: float) -> tuple[int, float]:
        x = min(max(t_s * self.fps, 0.0), self.m - 1.0)
        return int(round(x)), x

    def _inside(self, x: float) -> float:
        k = int(x)
        k1 = min(k + 1, self.m - 1)
        f = x - k
        return (self.mid_i[k] * (1.0 - f) + self.mid_i[k1] * f) / self.fps

    def start(self, t_s: float) -> float:
        k, x = self._frame(t_s)
        before = self.sounding[max(0, k - int(round(_PAUSE_S * self.fps))):k]
        after_pause = len(before) > 0 and not before.any()
        if not self.sounding[k]:
            on = int(self.next_sound[k])
            if on < self.m:
                return self._onset(self._clip(self.first_i[on] / self.fps - (on - x) / self.fps), after_pause)
            return self.end(t_s)
        return self._onset(self._clip(self._inside(x)), after_pause)

    def _onset(self, t: float, after_pause: bool) -> float:
        """What starts after a pause in the reference starts with sound in the recording: a start that
        landed in the recording's silence (the end of an added sentence's pause) moves to the next sound.
        Silence shorter than the lower bound is left alone: a soft onset ("w", "h") under noise, not a pause."""
        r = int(round(t * self.fps))
        if not after_pause or not 0 <= r < len(self.rec_sounding) or self.rec_sounding[r]:
            return t
        on = int(self.rec_next_sound[r])
        if on < len(self.rec_sounding) and _SNAP_S[0] <= (on - r) / self.fps <= _SNAP_S[1]:
            return self._clip(on / self.fps)
        return t

    def end(self, t_s: float) -> float:
        k, x = self._frame(t_s)
        if not self.sounding[k]:
            off = int(self.prev_sound[k])
            if off >= 0:
                return self._clip((self.last_i[off] + 1) / self.fps + (x - off - 1) / self.fps)
            on = int(self.next_sound[k])
            if on < self.m:
                return self._clip(self.first_i[on] / self.fps - (on - x) / self.fps)
            return self._clip(self._inside(x))
        return self._clip(self._inside(x))

    def _clip(self, t: float) -> float:
        return min(max(t, 0.0), self.rec_duration_s)


def align_transcript(recording: Audio, reference: Speech, settings: AlignSettings = AlignSettings()) -> Speech:
    """The reference's words and phonemes re-timed onto `recording`; the result carries the recording's audio.

    `reference` is the same text synthesised (e.g. by espeak-ng) with its word and phoneme times. Voice,
    accent, level and speaking rate may differ; the alignment matches normalised MFCCs by multiscale DTW,
    so a 20-minute recording needs memory proportional to its length only. The recording may hold more
    than the reference: music or applause before and after, or an added sentence, is passed over; a
    sentence of the reference that was not said is squeezed where it was skipped, without shifting the rest.
    """
    if len(recording.samples) == 0:
        raise AudioInputError("the recording is empty; give a recording of the transcript being read")
    if len(reference.audio.samples) == 0:
        raise UsageError("the reference speech has no audio to align against")
    rec_feat = mfcc(recording, fps=settings.fps)
    ref_feat = mfcc(reference.audio, fps=settings.fps)
    path = dtw_path(rec_feat, ref_feat, radius=settings.radius, open_ends=True)
    env = EnvelopeSettings(fps=settings.fps)
    ref_loud = loudness(frame_levels(reference.audio, env), env)
    sounding = ref_loud.level_db >= ref_loud.gate_db
    rec_loud = loudness(frame_levels(recording, env), env)
    rec_sounding = rec_loud.level_db >= rec_loud.gate_db
    tmap = _TimeMap(path, sounding, settings.fps, recording.duration_s, rec_sounding)

    phonemes = _map_phonemes(reference.phonemes, tmap)
    words = _map_words(reference.words, tmap)
    return Speech(text=reference.text, audio=recording, words=words, phonemes=phonemes,
                  engine=f"aligned:{reference.engine}" if reference.engine else "aligned")


def _map_phonemes(phonemes: tuple[PhonemeTiming, ...], tmap: _TimeMap) -> tuple[PhonemeTiming, ...]:
    if not phonemes:
        return ()
    # A boundary is where the next phoneme starts: a sound's start, or (before a pause) a sound's end.
    starts = [tmap.end(p.start_s) if is_pause(p.symbol) else tmap.start(p.start_s) for p in phonemes]
    starts = np.maximum.accumulate(np.asarray(starts, np.float64)).tolist()
    out: list[PhonemeTiming] = []
    for k, p in enumerate(phonemes):
        nxt = phonemes[k + 1] if k + 1 < len(phonemes) else None
        if nxt is not None and abs(nxt.start_s - p.end_s) < 1e-6:
            end = starts[k + 1]
        else:
            end = tmap.end(p.end_s)
        out.append(replace(p, start_s=starts[k], end_s=max(starts[k], end)))
    return tuple(out)


def _map_words(words: tuple[WordTiming, ...], tmap: _TimeMap) -> tuple[WordTiming, ...]:
    out: list[WordTiming] = []
    last = 0.0
    for w in words:
        start = max(last, tmap.start(w.start_s))
        end = max(start, tmap.end(w.end_s))
        out.append(replace(w, start_s=start, end_s=end))
        last = start
    return tuple(out)
