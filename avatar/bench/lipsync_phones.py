"""Figure: audio-only lip sync with phone recognition (PocketSphinx) on real speech, in multiples of real time."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from avatar.audio import VOICE_RATE_HZ, Audio
from avatar.bench.context import BenchContext
from avatar.bench.result import Budget, Figure

CLIPS = Path(__file__).resolve().parents[2] / "tests" / "data" / "librivox"
PAUSE_S = 0.6


def real_speech(seconds: float) -> Audio:
    """LibriVox clips (the test data) one after another with short quiet pauses, repeated to `seconds`."""
    from avatar import audio as audio_mod

    files = sorted(CLIPS.glob("*.wav"))
    if not files:
        raise RuntimeError(f"no speech clips in {CLIPS}; run the benchmark from a checkout of the project")
    rng = np.random.default_rng(0)
    pause = (rng.standard_normal(int(PAUSE_S * VOICE_RATE_HZ)) * 3e-4).astype(np.float32)
    block = np.concatenate([x for f in files for x in (audio_mod.load(f).samples, pause)])
    n = int(round(seconds * VOICE_RATE_HZ))
    return Audio(np.tile(block, -(-n // len(block)))[:n], VOICE_RATE_HZ)


def bench_recognition(audio: Audio) -> float:
    """x real time of `track_from_audio` with phone recognition (model loading included, in every worker)."""
    from avatar.lipsync.from_audio import track_from_audio
    from avatar.lipsync.sphinx import PocketSphinxRecogniser

    start = time.perf_counter()
    track = track_from_audio(audio, recogniser=PocketSphinxRecogniser())
    elapsed = time.perf_counter() - start
    if len(track.cues) < 10:
        raise RuntimeError("phone recognition produced almost no cues")
    return audio.duration_s / max(elapsed, 1e-9)


def measure(ctx: BenchContext) -> list[Figure]:
    from avatar.lipsync.recognise import get_recogniser

    get_recogniser("pocketsphinx")  # a clear one-line error when the phones extra is missing
    seconds = 30.0 if ctx.quick else 300.0
    runs = 1 if ctx.quick else min(ctx.runs, 3)
    audio = real_speech(seconds)
    ctx.log(f"lip-sync phones: recognising {seconds:.0f} s of real speech, {runs} runs")
    samples = tuple(bench_recognition(audio) for _ in range(runs))
    return [Figure("lipsync_phones_x_realtime", "lip sync from recognised phones (audio only)", "x",
                   samples, Budget(50.0, higher_is_better=True),
                   notes=f"track_from_audio with PocketSphinx phone recognition on {seconds:g} s of LibriVox "
                         "speech with pauses; recordings with over a minute of speech decode in one process "
                         "per CPU (at most 4), worker start-up included",
                   comparable=not ctx.quick, extra={"audio_s": seconds})]
