"""Figure: lip-sync analysis of recorded audio, in multiples of real time."""

from __future__ import annotations

from avatar.bench.context import BenchContext
from avatar.bench.result import Budget, Figure


def _duration(seconds: float) -> str:
    return f"{seconds / 60:g} min" if seconds >= 60 else f"{seconds:g} s"


def measure(ctx: BenchContext) -> list[Figure]:
    from avatar.bench.lipsync_audio import bench_analysis

    seconds = 20.0 if ctx.quick else 600.0
    runs = 2 if ctx.quick else ctx.runs
    ctx.log(f"lip-sync: analysing {seconds:.0f} s of speech-like audio, {runs} runs")
    bench_analysis(min(seconds, 20.0))  # warm-up: first calls pay for imports and FFT plans
    samples = tuple(bench_analysis(seconds) for _ in range(runs))
    return [Figure("lipsync_x_realtime", "lip-sync analysis of recorded audio", "x",
                   samples, Budget(1000.0, higher_is_better=True),
                   notes=f"track_from_audio (spectral rules) on {_duration(seconds)} of 22050 Hz speech-like audio "
                         "(voiced bursts, hiss, pauses); audio generation not timed",
                   comparable=not ctx.quick, extra={"audio_s": seconds})]
