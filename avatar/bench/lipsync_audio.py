"""Speed of the audio-only lip-sync analysis, for the benchmark script: how many times faster than real time."""

from __future__ import annotations

import time

import numpy as np

from avatar.audio import VOICE_RATE_HZ, Audio
from avatar.lipsync.from_audio import track_from_audio

RATE_HZ = VOICE_RATE_HZ


def speech_like(seconds: float, rate_hz: int = RATE_HZ, seed: int = 0) -> Audio:
    """Deterministic stand-in for speech: syllable-rate bursts of voiced tone and hiss, with pauses."""
    rng = np.random.default_rng(seed)
    n = int(round(seconds * rate_hz))
    # Build one minute and repeat it: cheap to make, still varied enough for every code path.
    block_n = min(n, 60 * rate_hz)
    t = np.arange(block_n) / rate_hz
    syllable = 0.5 - 0.5 * np.cos(2 * np.pi * 4.0 * t)               # ~4 syllables a second
    phrase = (np.sin(2 * np.pi * 0.2 * t) > -0.6).astype(np.float32)  # pauses between phrases
    f0 = 120.0 + 20.0 * np.sin(2 * np.pi * 0.5 * t)
    phase = 2 * np.pi * np.cumsum(f0) / rate_hz
    voiced = np.sin(phase) + 0.5 * np.sin(2 * phase) + 0.25 * np.sin(3 * phase)
    hiss = rng.standard_normal(block_n) * (np.sin(2 * np.pi * 1.3 * t) > 0.7)
    block = (0.2 * syllable * voiced + 0.03 * hiss) * phrase
    block = block.astype(np.float32)
    reps = -(-n // max(1, block_n))
    return Audio(np.tile(block, reps)[:n], rate_hz)


def bench_analysis(seconds: float) -> float:
    """Analyse `seconds` of voice-rate speech-like audio with the spectral rules; return x real time."""
    audio = speech_like(seconds)
    start = time.perf_counter()
    track = track_from_audio(audio, recogniser="spectral")
    elapsed = time.perf_counter() - start
    if not track.cues:
        raise RuntimeError("the analysis produced no cues")
    return seconds / max(elapsed, 1e-9)
