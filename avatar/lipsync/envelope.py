"""Mouth openness 0..1 at a fixed frame rate from the loudness of the audio, whatever its recording level."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from avatar.audio import Audio
from avatar.lipsync.features import fft_size, frame_mean_square

_SILENT_DB = -200.0          # what a gated frame's level becomes: far below any real sound
_DIGITAL_SILENCE_DB = -100.0  # frames quieter than this are exact silence, not a noise floor


@dataclass(frozen=True)
class EnvelopeSettings:
    """How loudness becomes openness. Levels are in dB relative to the loud speech of the same recording."""

    fps: float = 100.0
    window_s: float = 0.0116      # analysis window (~ one 10 ms hop plus a little overlap)
    ref_percentile: float = 95.0  # "loud speech" = this percentile of the voiced frames' levels
    range_db: float = 30.0        # openness goes 0 -> 1 over this many dB below the reference
    gate_below_ref_db: float = 40.0   # frames this far under the reference are silence...
    gate_above_floor_db: float = 6.0  # ...and so are frames within this of the noise floor,
    gate_max_below_ref_db: float = 15.0  # but the gate never rises above this far under the reference
    floor_percentile: float = 5.0  # the noise floor is this percentile of all frames' levels
    attack_s: float = 0.025       # the mouth starts opening up to this long before a sound
    release_s: float = 0.08       # and takes this long to close after it


@dataclass(frozen=True, eq=False)
class Loudness:
    """Per-frame levels (dB re full scale) and what the recording's own statistics say about them."""

    level_db: np.ndarray
    ref_db: float       # loud speech
    gate_db: float      # frames below this are silence
    fps: float


def frame_levels(audio: Audio, settings: EnvelopeSettings = EnvelopeSettings()) -> np.ndarray:
    """Mean-square level of each frame in dB (frames centred at i / fps)."""
    n_fft = fft_size(audio.rate_hz, settings.window_s)
    return levels_db(frame_mean_square(audio, fps=settings.fps, n_fft=n_fft))


def levels_db(mean_square: np.ndarray) -> np.ndarray:
    return 10.0 * np.log10(np.maximum(mean_square, 1e-20))


def loudness(level_db: np.ndarray, settings: EnvelopeSettings = EnvelopeSettings()) -> Loudness:
    """Find the recording's noise floor, loud-speech reference and gate from its own level histogram.

    Everything is relative to those, so the same speech at a tenth of the level gives the same result.
    """
    real = level_db[level_db > _DIGITAL_SILENCE_DB]
    if len(real) == 0:
        return Loudness(level_db, 0.0, np.inf, settings.fps)
    # The background: the quietest few percent of frames (exact digital silence counts as very quiet).
    floor_db = float(np.percentile(np.maximum(level_db, _DIGITAL_SILENCE_DB), settings.floor_percentile))
    voiced = real[real > floor_db + settings.gate_above_floor_db]
    if len(voiced) == 0:
        voiced = real  # a steady sound with no pauses: all of it counts as voiced
    ref_db = float(np.percentile(voiced, settings.ref_percentile))
    gate_db = max(ref_db - settings.gate_below_ref_db, floor_db + settings.gate_above_floor_db)
    # However noisy the recording, its louder parts must still open the mouth.
    gate_db = min(gate_db, ref_db - settings.gate_max_below_ref_db)
    return Loudness(level_db, ref_db, gate_db, settings.fps)


def decay_max(values: np.ndarray, drop_per_frame: float) -> np.ndarray:
    """out[n] = max over k >= 0 of values[n - k] - k * drop: a peak hold that falls linearly (in dB).

    Vectorised: shifting by n * drop turns the decaying maximum into a running maximum.
    """
    if len(values) == 0:
        return values.copy()
    ramp = np.arange(len(values), dtype=np.float64) * drop_per_frame
    return np.maximum.accumulate(values + ramp) - ramp


def openness_from_loudness(loud: Loudness, settings: EnvelopeSettings = EnvelopeSettings()) -> np.ndarray:
    """Gate, smooth (anticipating attack, slow release) and map levels to openness 0..1 (float32)."""
    level = loud.level_db
    if len(level) == 0 or not np.isfinite(loud.gate_db):
        return np.zeros(len(level), np.float32)
    gated = np.where(level >= loud.gate_db, level, _SILENT_DB)
    lo_db = max(loud.gate_db, loud.ref_db - settings.range_db)
    span_db = max(loud.ref_db - lo_db, 1.0)
    # Release runs forward in time; attack runs backward, so the mouth opens before the sound
    # (the audio is known ahead) and never after it.
    release = decay_max(gated, span_db / max(settings.release_s * settings.fps, 1e-6))
    both = decay_max(release[::-1], span_db / max(settings.attack_s * settings.fps, 1e-6))[::-1]
    opened = np.clip((both - lo_db) / span_db, 0.0, 1.0)
    # A light symmetric blur removes frame-to-frame flicker; it can only move an opening earlier.
    if len(opened) >= 3:
        blurred = opened.copy()
        blurred[1:-1] = 0.25 * opened[:-2] + 0.5 * opened[1:-1] + 0.25 * opened[2:]
        opened = blurred
    return opened.astype(np.float32)


def envelope(audio: Audio, settings: EnvelopeSettings = EnvelopeSettings()) -> np.ndarray:
    """Mouth openness 0..1 at `settings.fps` frames per second, frame i at t = i / fps."""
    return openness_from_loudness(loudness(frame_levels(audio, settings), settings), settings)
