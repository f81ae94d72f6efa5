"""Figures: the neural voice (Piper en_US-joe-medium): real-time factor, launch to first word, kiosk, memory.

Needs the `neural` extra; without it the part reports one BenchError saying how to install it.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from avatar.bench.context import BenchContext
from avatar.bench.kiosk import FIRST_TOKEN_S, TOKENS_PER_S, _Kiosk
from avatar.bench.llm_server import QA, streaming_chat_server
from avatar.bench.proc import BenchError, avatar_env, parse_stats, run_avatar
from avatar.bench.result import Budget, Figure
from avatar.bench.workload import write_speech, write_tiny

VOICE = "en_US-joe-medium"
SPEECH_S = 20 * 60.0

_RTF_CHILD = r"""
import json, sys, time
from avatar.bench.probe import own_peak_rss_mb
from avatar.tts import get_engine, VoiceSettings
sentences = json.loads(sys.stdin.read())
t0 = time.perf_counter()
engine = get_engine("piper"); engine.model(%(voice)r)
load_s = time.perf_counter() - t0
engine.synthesize("Hello.", VoiceSettings(%(voice)r))  # the first run allocates its memory
rtf = []
for s in sentences:
    t = time.perf_counter(); sp = engine.synthesize(s, VoiceSettings(%(voice)r))
    rtf.append((time.perf_counter() - t) / sp.duration_s)
print(json.dumps({"rtf": rtf, "load_s": load_s,
                  "peak_mb": own_peak_rss_mb()}))
"""


def _sentences(n: int) -> list[str]:
    from avatar.bench.workload import speech_of_length
    from avatar.script import parse_script

    return [s.text for s in parse_script(speech_of_length(120.0)).sentences][:n]


def _rtf(ctx: BenchContext) -> list[Figure]:
    n = 3 if ctx.quick else 12
    sentences = _sentences(n)
    ctx.log(f"neural: synthesising {len(sentences)} sentence(s) with {VOICE}")
    env = avatar_env(ctx, ctx.scratch("neural-cache"))
    done = subprocess.run([sys.executable, "-c", _RTF_CHILD % {"voice": VOICE}], input=json.dumps(sentences),
                          capture_output=True, text=True, env=env, timeout=600)
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["no output"])[-1]
        raise BenchError(f"the neural voice did not run ({last}); pip install 'avatar[neural]'")
    res = json.loads(done.stdout.strip().splitlines()[-1])
    return [
        Figure("neural_rtf", "neural voice: synthesis time / audio time", "x", tuple(res["rtf"]), Budget(0.2),
               notes=f"{VOICE}, one sentence at a time, onnxruntime on every core (up to 4); "
                     f"model load {res['load_s']:.2f} s", comparable=not ctx.quick, extra=res),
        Figure("neural_peak_mb", "neural voice: peak memory of a process speaking", "MB", (res["peak_mb"],),
               notes="max RSS of a process that loads the voice and speaks the sentences above",
               comparable=not ctx.quick),
    ]


def _keep_optimised_voice(ctx: BenchContext, cache: Path) -> None:
    """A fresh speech cache that still holds the voice's optimised graph, as on a user's second start."""
    warm = ctx.workdir / "neural-cache" / "onnx"
    if warm.is_dir():
        (cache / "onnx").mkdir(parents=True, exist_ok=True)
        for f in warm.glob("*.onnx"):
            try:
                os.link(f, cache / "onnx" / f.name)
            except OSError:
                shutil.copy2(f, cache / "onnx" / f.name)


def _first_word(ctx: BenchContext) -> Figure:
    folder = ctx.scratch("neural-launch")
    runs = 1 if ctx.quick else min(3, ctx.runs)
    totals = []
    for run in range(runs):
        script = write_tiny(folder, f"tiny-{run}.md") if ctx.quick else \
            write_speech(folder, SPEECH_S, name=f"speech-20min-{run}.md")
        probe = folder / f"probe-{run}.json"
        cache = ctx.scratch(f"neural-launch-cache-{run}")
        _keep_optimised_voice(ctx, cache)
        env = avatar_env(ctx, cache)
        done = run_avatar(["play", str(script), "--voice", VOICE, "--max-seconds", "15", "--stats",
                           "--size", "320x180" if ctx.quick else "1280x720"], env, cwd=folder, probe_out=probe,
                          timeout_s=180)
        parse_stats(done.stdout)
        p = done.probe or {}
        if "first_play_unix" not in p:
            raise BenchError("the player started no audio with the neural voice within its time limit")
        totals.append(p["first_play_unix"] - done.launch_unix + p["first_clip_onset_s"] + p["sound_latency_s"])
    return Figure("neural_first_word_s", "`avatar play --voice joe` 20-min script: launch to first word", "s",
                  tuple(totals), Budget(1.5),
                  notes=f"{'tiny' if ctx.quick else '20-min'} script, measured as the espeak figure: fresh speech "
                        "cache, the voice's optimised graph kept from an earlier start (a very first start "
                        "adds its optimisation, about 0.3-0.5 s)",
                  comparable=not ctx.quick)


def _kiosk(ctx: BenchContext) -> Figure:
    questions = [q for q, _ in QA][: 1 if ctx.quick else len(QA)]
    folder = ctx.scratch("neural-kiosk")
    seen = []
    with streaming_chat_server(first_token_s=FIRST_TOKEN_S, tokens_per_s=TOKENS_PER_S) as server:
        env = avatar_env(ctx, ctx.scratch("neural-kiosk-cache"), drop=("OPENAI_API_KEY", "OPENAI_BASE_URL"),
                         OPENAI_API_KEY="bench-dummy-key")
        kiosk = _Kiosk(["kiosk", "--headless", "--base-url", server.base_url, "--voice", VOICE], env, folder)
        try:
            kiosk.wait_for("ready", timeout_s=180)
            for n, question in enumerate(questions, start=1):
                sent = kiosk.ask(question)
                heard_at, _ = kiosk.wait_for("speech_start", n)
                kiosk.wait_for("answer_end", n)
                seen.append(heard_at - sent)
                time.sleep(0.1)
        finally:
            kiosk.close()
    return Figure("neural_kiosk_first_audio_s", "kiosk, neural voice: question to first audio (LLM 0.3 s)", "s",
                  tuple(seen), Budget(0.6),
                  notes=f"as the kiosk LLM figure, answers spoken by {VOICE}", comparable=not ctx.quick)


def measure(ctx: BenchContext) -> list[Figure]:
    return [*_rtf(ctx), _first_word(ctx), _kiosk(ctx)]
