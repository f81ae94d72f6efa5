"""Faults are survived: a broken voice, no sound device, a flaky model server, a killed ffmpeg, Ctrl-C.

Each test runs the real command line (or `cli.main` in this process where a fault must be injected
into the speech engine) and checks what a user would: the show goes on, one line says why, exit codes
are 0 / 1 / 130, and nothing half-made is left behind.
"""

from __future__ import annotations

import json
import logging
import os
import re
import signal
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest
from llm_server import FakeLLMServer

from avatar import audio as audio_mod
from avatar import cli, tts
from avatar.tts.base import VoiceSettings
from avatar.tts.cache import SpeechCache
from avatar.tts.fake import FakeEngine
from helpers import subprocess_env

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "assets" / "speeches" / "beijing-digital-economy.md"
TWO_SENTENCES = '+++\ntitle = "Fault test"\nvoice = "en-gb"\n+++\nBob maps the old city.\n\nWe open the market today!\n'


_env = subprocess_env


def _avatar(*args: str, env: dict[str, str], cwd: Path, stdin: str | None = None,
            timeout: float = 120) -> subprocess.CompletedProcess[str]:
    feed: dict[str, object] = {"input": stdin} if stdin is not None else {"stdin": subprocess.DEVNULL}
    return subprocess.run([sys.executable, "-m", "avatar", *args], capture_output=True, text=True, env=env,
                          cwd=cwd, timeout=timeout, **feed)  # type: ignore[call-overload]


def _lines(text: str) -> list[str]:
    return [ln for ln in text.splitlines() if ln.strip()]


def _srt_cues(path: Path) -> list[tuple[float, float, str]]:
    cues = []
    for block in path.read_text("utf-8").strip().split("\n\n"):
        rows = block.splitlines()
        h1, m1, s1, ms1, h2, m2, s2, ms2 = map(int, re.findall(r"\d+", rows[1]))
        cues.append((h1 * 3600 + m1 * 60 + s1 + ms1 / 1000, h2 * 3600 + m2 * 60 + s2 + ms2 / 1000,
                     " ".join(rows[2:])))
    return cues


# --- the voice -------------------------------------------------------------------------------------

@pytest.fixture
def broken_pyttsx3(tmp_path: Path) -> dict[str, str]:
    """An environment in which pyttsx3 cannot even be imported (as on a machine without a speech engine)."""
    shim = tmp_path / "shim"
    shim.mkdir()
    (shim / "pyttsx3.py").write_text('raise ImportError("no speech engine on this machine (test)")\n', "utf-8")
    env = _env(tmp_path)
    env["PYTHONPATH"] = f"{shim}{os.pathsep}{ROOT}"
    return env


def test_one_failing_sentence_is_recorded_as_a_silent_caption(tmp_path: Path, capsys, caplog,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """The sentence the voice fails on is in the captions with silence under it; the rest is spoken."""
    monkeypatch.setitem(tts.ENGINES, "flaky", lambda: FakeEngine(fail_on="market"))
    script = tmp_path / "talk.md"
    script.write_text(TWO_SENTENCES.replace('voice = "en-gb"\n', ""), "utf-8")
    out = tmp_path / "talk.mp4"
    with caplog.at_level(logging.WARNING, logger="avatar"):
        code = cli.main(["record", str(script), "-o", str(out), "--engine", "flaky", "--no-cache",
                         "--size", "320x180", "--fps", "10", "--quiet"])
    assert code == 0
    warnings = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(warnings) == 1 and "fake engine failure" in warnings[0], "the cause is logged once"
    assert "without voice" in capsys.readouterr().err
    cues = _srt_cues(out.with_suffix(".srt"))
    assert [c[2] for c in cues] == ["Bob maps the old city.", "We open the market today!"]
    sound = audio_mod.load(out, 8000).samples

    def loudness(a: float, b: float) -> float:
        part = sound[int(a * 8000):int(b * 8000)]
        return float(np.sqrt(np.mean(part ** 2)))

    assert loudness(*cues[0][:2]) > 0.05, "the first sentence is heard"
    assert loudness(*cues[1][:2]) < 0.005, "the failed sentence is silent, but shown"


def test_an_engine_that_cannot_start_still_records_the_speech_as_captions(tmp_path: Path,
                                                                          broken_pyttsx3: dict) -> None:
    script = tmp_path / "talk.md"
    script.write_text(TWO_SENTENCES, "utf-8")  # it even names a voice, which cannot be looked up
    proc = _avatar("record", str(script), "-o", str(tmp_path / "talk.mp4"), "--size", "320x180", "--fps", "10",
                   "--quiet", env=broken_pyttsx3, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    causes = [ln for ln in _lines(proc.stderr) if "no speech engine on this machine" in ln]
    assert len(causes) == 1 and "captions only" in causes[0], proc.stderr
    assert len(_lines(proc.stderr)) <= 2  # the cause, then how many sentences went without voice
    assert [c[2] for c in _srt_cues(tmp_path / "talk.srt")] == ["Bob maps the old city.",
                                                                 "We open the market today!"]
    assert float(np.abs(audio_mod.load(tmp_path / "talk.mp4", 8000).samples).max()) < 0.01


def test_an_engine_that_cannot_start_still_plays(tmp_path: Path, broken_pyttsx3: dict) -> None:
    script = tmp_path / "talk.md"
    script.write_text(TWO_SENTENCES, "utf-8")
    proc = _avatar("play", str(script), "--mute", "--size", "320x180", "--max-seconds", "1", "--stats",
                   env=broken_pyttsx3, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    stats = dict(kv.split("=") for kv in proc.stdout.split())
    assert int(stats["frames"]) >= 1 and float(stats["show_end_s"]) > 0, "the window drew the show"
    assert sum("no speech engine on this machine" in ln for ln in _lines(proc.stderr)) == 1


def test_an_engine_that_cannot_start_is_one_line_where_nothing_can_go_on(tmp_path: Path,
                                                                        broken_pyttsx3: dict) -> None:
    proc = _avatar("voices", env=broken_pyttsx3, cwd=tmp_path)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert len(_lines(proc.stderr)) == 1 and "no speech engine on this machine" in proc.stderr


def test_the_kiosk_answers_in_captions_when_the_voice_is_gone(tmp_path: Path, broken_pyttsx3: dict) -> None:
    proc = _avatar("kiosk", "--headless", env=broken_pyttsx3, cwd=tmp_path,
                   stdin="When is the conference?\nWhat is the one plus three plus N framework?\n")
    assert proc.returncode == 0, proc.stderr
    events = [json.loads(line) for line in proc.stdout.splitlines()]
    ends = [e for e in events if e["event"] == "answer_end"]
    assert [e["q"] for e in ends] == [1, 2] and not any(e["interrupted"] for e in ends)
    assert {e["kind"] for e in events if e["event"] == "error"} == {"tts"}
    chunks = [e for e in events if e["event"] == "chunk"]
    assert chunks and all(e.get("silent") and e["text"] for e in chunks), "the words still go out as text"
    assert sum("speech synthesis failed" in ln for ln in _lines(proc.stderr)) == 1, proc.stderr
    assert "Traceback" not in proc.stderr


def test_a_voice_that_keeps_failing_is_not_waited_for_sentence_after_sentence() -> None:
    """An engine that hangs costs its timeout on every sentence; after a few in a row it is given up."""
    from avatar.build import MAX_FAILURES_IN_A_ROW, build_script_timeline
    from avatar.script import parse_script

    engine = FakeEngine(fail_on="")  # every text contains "": it fails on everything
    script = parse_script(" ".join(f"Sentence number {i} is here." for i in range(8)))
    tl = build_script_timeline(script, tts.Voice(engine, VoiceSettings(), use_cache=False))
    assert engine.calls == MAX_FAILURES_IN_A_ROW
    assert len(tl.captions) == 8 and all(c.silent for c in tl.captions), "the whole speech is still shown"


def test_a_damaged_cache_entry_is_synthesised_again(tmp_path: Path) -> None:
    cache = SpeechCache(tmp_path)
    engine = FakeEngine()
    voice = tts.Voice(engine, VoiceSettings(), cache=cache)
    first = voice.synthesize("Hello there.")
    for wav in tmp_path.glob("*.wav"):
        wav.write_bytes(wav.read_bytes()[:51])  # a cut-off file, as after a crash of another tool
    again = voice.synthesize("Hello there.")
    assert engine.calls == 2
    assert np.array_equal(again.audio.samples, first.audio.samples)


def test_no_sound_device_plays_silently_on_the_wall_clock(tmp_path: Path) -> None:
    (tmp_path / "talk.md").write_text("Hello there. This is a short test.\n", "utf-8")
    proc = _avatar("play", "talk.md", "--engine", "fake", "--size", "320x180", "--max-seconds", "1", "--stats",
                   env=_env(tmp_path, SDL_AUDIODRIVER="no-such-driver"), cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    stats = dict(kv.split("=") for kv in proc.stdout.split())
    assert stats["silent"] == "1" and float(stats["wall_s"]) >= 0.9
    assert _lines(proc.stderr) == ["avatar: no sound device found; playing silently on the wall clock"]


# --- the model server ------------------------------------------------------------------------------

def _closed_port_url() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}/v1"  # nothing listens there any more: connection refused


SERVER_FAULTS = {  # mode -> (what the kiosk reports, who finishes the answer)
    "normal": (set(), "llm"),
    "bad_json": ({"bad_response"}, "llm"),
    "cut": ({"stream_cut"}, "llm"),
    "slow": ({"stalled"}, "llm"),
    "error500": ({"server_error"}, "local"),
    "hang": ({"timeout"}, "local"),
    "rate_limit": ({"rate_limited"}, "local"),
    "down": ({"connection"}, "local"),
}
# One kiosk process per run; a run's server answers call n with mode n. Each run ends on a failure that
# is likely to repeat, after which the model is left alone for a while: one more question checks that the
# next visitor is answered locally at once, without the model being asked.
RUNS = {"flaky": ["normal", "bad_json", "cut", "slow", "error500"], "hang": ["hang"],
        "rate_limit": ["rate_limit"], "down": ["down"]}
QUESTIONS = ["When is the conference?", "Who is speaking?", "What is the one plus three plus N framework?",
             "Where is the exhibition?", "How big is the digital economy?", "Tell me about data centres."]


@pytest.fixture(scope="module")
def kiosk_runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[subprocess.CompletedProcess[str],
                                                                             list[dict], int]]:
    """`avatar kiosk --headless` against misbehaving servers, all runs at once: (process, events, calls)."""
    tmp = tmp_path_factory.mktemp("kiosk-faults")
    servers = {name: FakeLLMServer(mode_for=lambda n, modes=modes: modes[min(n, len(modes) - 1)],
                                   slow_gap_s=5.0).start()
               for name, modes in RUNS.items() if name != "down"}
    try:
        def run(name: str) -> subprocess.CompletedProcess[str]:
            url = servers[name].base_url if name in servers else _closed_port_url()
            stdin = "\n".join(QUESTIONS[:len(RUNS[name]) + 1]) + "\n"
            # Deadlines with room to spare on a busy machine, yet well inside the hang and the slow pause.
            return _avatar("kiosk", "--headless", "--engine", "fake", "--base-url", url, "--connect-timeout", "2",
                           "--first-token-timeout", "3", "--stall-timeout", "1.5",
                           env=_env(tmp, OPENAI_API_KEY="sk-faults"), cwd=tmp, stdin=stdin, timeout=60)

        with ThreadPoolExecutor(max_workers=len(RUNS)) as pool:
            procs = dict(zip(RUNS, pool.map(run, RUNS)))
        return {name: (proc, [json.loads(line) for line in proc.stdout.splitlines()],
                       servers[name].calls if name in servers else -1) for name, proc in procs.items()}
    finally:
        for server in servers.values():
            server.stop()


@pytest.mark.parametrize("name", list(RUNS))
def test_the_kiosk_keeps_running_and_answers_every_visitor(kiosk_runs: dict, name: str) -> None:
    proc, events, calls = kiosk_runs[name]
    asked = len(RUNS[name]) + 1
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    assert events[0]["event"] == "ready" and events[-1]["event"] == "exit" and events[-1]["questions"] == asked
    for q in range(1, asked + 1):
        mine = [e for e in events if e.get("q") == q]
        assert mine[-1]["event"] == "answer_end" and not mine[-1]["interrupted"]
        assert any(e["event"] == "chunk" for e in mine), f"question {q} was answered aloud"
    last = [e for e in events if e.get("q") == asked]
    assert last[-1]["source"] == "local" and not any(e["event"] == "error" for e in last)
    if calls >= 0:
        assert calls == len(RUNS[name]), "a failing model is not asked again at once"
    # failures are short lines naming their kind, never the server's own words
    assert all(ln.startswith("avatar") for ln in _lines(proc.stderr)), proc.stderr
    assert "upstream exploded" not in proc.stderr


@pytest.mark.parametrize("mode", list(SERVER_FAULTS))
def test_each_server_fault_is_answered_by_the_model_or_the_fallback(kiosk_runs: dict, mode: str) -> None:
    name = next(n for n, modes in RUNS.items() if mode in modes)
    _, events, _ = kiosk_runs[name]
    q = RUNS[name].index(mode) + 1
    mine = [e for e in events if e.get("q") == q]
    kinds, source = SERVER_FAULTS[mode]
    assert {e["kind"] for e in mine if e["event"] == "error"} == kinds
    assert mine[-1]["source"] == source


# --- recording interrupted -------------------------------------------------------------------------

def _children(pid: int) -> list[int]:
    out: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            out += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            pass
    return out


# Ctrl-C reaches a command typed at a terminal, but this test process may block or ignore it (SDL blocks
# it in threads it starts; a shell's background job ignores it) and a child inherits that. So the child
# first restores it, then becomes `python -m avatar` (exec keeps the restored signal state).
AS_A_TERMINAL_STARTS_IT = ("import os, signal, sys; "
                           "signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT, signal.SIGTERM}); "
                           "signal.signal(signal.SIGINT, signal.SIG_DFL); "
                           "os.execv(sys.executable, [sys.executable, '-m', 'avatar', *sys.argv[1:]])")


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="finds ffmpeg through /proc")
@pytest.mark.parametrize("how", ["ctrl-c", "sigterm", "ffmpeg-killed"])
def test_an_interrupted_recording_leaves_nothing_behind(tmp_path: Path, how: str) -> None:
    work, tmp = tmp_path / "out", tmp_path / "tmp"
    work.mkdir()
    tmp.mkdir()
    proc = subprocess.Popen([sys.executable, "-c", AS_A_TERMINAL_STARTS_IT, "record", str(SAMPLE),
                             "--engine", "fake", "-o", str(work / "talk.mp4"), "--size", "320x180", "--quiet"],
                            env=_env(tmp_path, TMPDIR=str(tmp)), cwd=tmp_path, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while not list(work.glob(".talk.mp4.part*")) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert list(work.glob(".talk.mp4.part*")), "the recording started"
        while not any(p.stat().st_size > 0 for p in work.glob(".talk.mp4.part*")) and time.monotonic() < deadline:
            time.sleep(0.05)  # until some frames are in the part file
        if how == "ctrl-c":
            os.killpg(proc.pid, signal.SIGINT)  # the terminal sends it to the whole group, ffmpeg too
        elif how == "sigterm":
            proc.send_signal(signal.SIGTERM)
        else:
            ffmpegs = [c for c in _children(proc.pid) if "ffmpeg" in Path(f"/proc/{c}/cmdline").read_text()]
            assert ffmpegs
            os.kill(ffmpegs[0], signal.SIGKILL)
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert "Traceback" not in err
    if how == "ffmpeg-killed":
        assert proc.returncode == 1
        assert len(_lines(err)) == 1 and "failed" in err and "ffmpeg" in err, err
    else:
        assert proc.returncode == 130
        assert _lines(err) == ["avatar: interrupted"]
    assert sorted(p.name for p in work.iterdir()) == [], "no video, no captions, no part file"
    assert list(tmp.iterdir()) == [], "temporary files are removed"


# --- soak (the long run is scripts/soak; this is its smallest form) ---------------------------------

def test_a_tiny_soak_run_answers_everything_through_rotating_failures(capsys: pytest.CaptureFixture[str]) -> None:
    from llm_server import rotating_failures

    from avatar.bench import soak

    with FakeLLMServer(mode_for=rotating_failures(4), slow_gap_s=1.0, keep_requests=False) as server:
        code = soak.main(["--base-url", server.base_url, "--questions", "20", "--first-token-timeout", "0.4",
                          "--stall-timeout", "0.4"])
        modes = dict(server.modes_used)
    out = capsys.readouterr().out
    assert code == 0, out
    assert "crashes:              0" in out and "unanswered questions: 0" in out and "soak: PASS" in out
    assert {"error500", "hang", "bad_json", "cut", "rate_limit"} <= set(modes), modes


def test_an_unexpected_error_is_one_line_and_exit_1_unless_debug(monkeypatch: pytest.MonkeyPatch,
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    def broken(args: object) -> int:
        raise ValueError("something nobody planned for\nwith a second line")

    monkeypatch.setattr(cli, "cmd_voices", broken)
    assert cli.main(["voices"]) == 1
    err = capsys.readouterr().err
    assert _lines(err) == ["avatar: error: unexpected ValueError: something nobody planned for (this is a bug; "
                           "run again with --debug to see where, and please report it)"]
    with pytest.raises(ValueError):
        cli.main(["--debug", "voices"])
    monkeypatch.setattr(cli, "cmd_voices", lambda args: (_ for _ in ()).throw(OSError(28, "No space left on device",
                                                                                       "/full/talk.srt")))
    assert cli.main(["voices"]) == 1
    assert _lines(capsys.readouterr().err) == ["avatar: error: No space left on device (/full/talk.srt); check the "
                                               "disk, the paths and their permissions"]
