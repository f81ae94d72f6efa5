"""The neural voice (Piper en_US-joe-medium through onnxruntime): real model, real espeak-ng, real CLI."""

from __future__ import annotations

import io
import json
import re
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from avatar.errors import UsageError
from avatar.lipsync import track_from_speech
from avatar.lipsync.phonemes import is_closed_lips, shape_for_phoneme
from avatar.lipsync.track import MouthShape
from avatar.tts import SpeechCache, Voice, VoiceSettings, get_engine
from avatar.tts.catalog import engine_for, find_neural_voice
from helpers import ROOT, subprocess_env

pytest.importorskip("onnxruntime", reason="the neural extra is installed by scripts/test")

TEXT = "Peter Piper picked a peck of pickled peppers, and Bob made maps of the moon."
JOE = VoiceSettings("en_US-joe-medium")


@pytest.fixture(scope="module")
def speech():
    return get_engine("piper").synthesize(TEXT, JOE)


def run(tmp: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "avatar", *args], capture_output=True, text=True, cwd=ROOT,
                          timeout=300, env=subprocess_env(tmp, **env))


def assert_usage_error(proc: subprocess.CompletedProcess[str], needle: str) -> None:
    lines = [ln for ln in proc.stderr.splitlines() if ln.strip()]
    assert proc.returncode == 2 and len(lines) == 1 and needle in lines[0], proc.stderr
    assert "Traceback" not in proc.stderr


def test_the_sentence_lasts_as_long_as_a_person_takes_to_say_it(speech) -> None:
    words = len(TEXT.split())
    assert speech.engine == "piper" and speech.audio.rate_hz == 22050
    assert words * 0.18 < speech.duration_s < words * 0.6
    assert float(np.abs(speech.audio.samples).max()) > 0.1, "a voice, not silence"


def test_phoneme_times_tile_the_whole_audio(speech) -> None:
    ph = speech.phonemes
    assert ph[0].start_s == 0.0
    assert ph[-1].end_s == pytest.approx(speech.duration_s, abs=1e-6)
    for a, b in zip(ph, ph[1:]):
        assert b.start_s == pytest.approx(a.end_s, abs=1e-9)
        assert a.end_s >= a.start_s


def test_phoneme_times_sit_on_the_sound(speech) -> None:
    """Where the timings say a vowel is spoken the audio is loud; at the leading and trailing edge it is quiet."""
    s, rate = speech.audio.samples, speech.audio.rate_hz

    def rms(a: float, b: float) -> float:
        seg = s[int(a * rate):max(int(a * rate) + 1, int(b * rate))]
        return float(np.sqrt(np.mean(seg.astype(np.float64) ** 2)))

    vowels = [p for p in speech.phonemes if shape_for_phoneme(p.symbol) in (MouthShape.C, MouthShape.D)]
    assert len(vowels) >= 5
    loud = np.median([rms(p.start_s, p.end_s) for p in vowels])
    edges = [p for p in (speech.phonemes[0], speech.phonemes[-1]) if p.end_s - p.start_s > 0.01]
    assert all(rms(p.start_s, p.end_s) < loud / 4 for p in edges)


def test_lips_close_at_every_p_b_m(speech) -> None:
    track = track_from_speech(speech)
    closing = [p for p in speech.phonemes if is_closed_lips(p.symbol)]
    assert len(closing) >= 12  # Peter Piper picked a peck of pickled peppers ... Bob made maps ... moon
    closed = [track.shape_at((p.start_s + p.end_s) / 2) is MouthShape.A for p in closing]
    assert sum(closed) >= 0.9 * len(closing), [p.symbol for p, c in zip(closing, closed) if not c]


def test_words_are_the_written_words_in_order(speech) -> None:
    written = [w.strip(",.") for w in TEXT.split()]
    assert [w.text for w in speech.words] == written
    starts = [w.start_s for w in speech.words]
    assert starts == sorted(starts)
    assert all(0 <= w.start_s < w.end_s <= speech.duration_s for w in speech.words)
    assert all(TEXT[w.char_start:w.char_end] == w.text for w in speech.words)
    # The first word starts near the start, the last ends near the end of the sound.
    assert speech.words[0].start_s < 0.3 and speech.duration_s - speech.words[-1].end_s < 0.5


def test_model_durations_agree_with_an_independent_alignment(speech) -> None:
    """espeak-ng's own rendition warped onto the neural audio by DTW lands each word near the model's time."""
    from avatar.lipsync import align_transcript
    from avatar.tts.espeak_lib import Espeak
    from avatar.audio import Audio
    from avatar.tts.pyttsx3_engine import speech_from_events

    ev = Espeak.get().synth_events(TEXT, "en-us")
    ref = speech_from_events(TEXT, Audio(np.frombuffer(ev.pcm, np.int16).astype(np.float32) / 32768, ev.rate_hz),
                             ev.events, "espeak")
    aligned = align_transcript(speech.audio, ref)
    ours = {w.char_start: w.start_s for w in speech.words}
    diffs = [abs(w.start_s - ours[w.char_start]) for w in aligned.words if w.char_start in ours]
    assert len(diffs) >= len(speech.words) - 2 and float(np.median(diffs)) < 0.1, diffs


def test_a_model_without_durations_is_aligned_instead() -> None:
    engine = get_engine("piper")
    model = engine.model("joe")
    saved = model.has_durations
    model.has_durations = False
    try:
        sp = engine.synthesize("Maps of the moon.", JOE)
    finally:
        model.has_durations = saved
    assert [w.text for w in sp.words] == ["Maps", "of", "the", "moon"]
    track = track_from_speech(sp)
    closing = [p for p in sp.phonemes if is_closed_lips(p.symbol)]
    assert closing and all(track.shape_at((p.start_s + p.end_s) / 2) is MouthShape.A for p in closing)


def test_numbers_and_odd_words_keep_their_written_form() -> None:
    sp = get_engine("piper").synthesize("In 1942, eWeek met UNCTAD.", JOE)
    assert [w.text for w in sp.words] == ["In", "1942", "eWeek", "met", "UNCTAD"]
    assert [w.start_s for w in sp.words] == sorted(w.start_s for w in sp.words)


def test_a_faster_rate_speaks_faster() -> None:
    engine = get_engine("piper")
    slow = engine.synthesize("Maps of the moon.", replace(JOE, rate_wpm=120))
    fast = engine.synthesize("Maps of the moon.", replace(JOE, rate_wpm=260))
    assert fast.duration_s < slow.duration_s * 0.75
    with pytest.raises(UsageError, match="out of range"):
        engine.synthesize("Maps.", replace(JOE, rate_wpm=20))


def test_sentences_are_cached_under_the_neural_engine(tmp_path: Path) -> None:
    engine = get_engine("piper")
    voice = Voice(engine, JOE, cache=SpeechCache(tmp_path))
    first = voice.synthesize("Cached in the neural voice.")
    again = voice.synthesize("Cached in the neural voice.")
    assert len(list(tmp_path.glob("*.wav"))) == 1
    assert np.allclose(first.audio.samples, again.audio.samples, atol=1e-3)  # 16-bit WAV on disk
    assert again.phonemes == first.phonemes and again.engine == "piper"
    assert SpeechCache.key("x", JOE, "piper") != SpeechCache.key("x", JOE, "pyttsx3")


def test_voice_names_route_to_the_right_engine(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert engine_for("joe") == engine_for("en_US-joe-medium") == "piper"
    assert engine_for("en-gb") == engine_for("") == "pyttsx3"
    assert engine_for("joe", "fake") == "fake"
    model = find_neural_voice("joe").model_path
    folder = tmp_path / "voices"
    folder.mkdir()
    (folder / "narrator.onnx").symlink_to(model)
    (folder / "narrator.onnx.json").symlink_to(model.with_name(model.name + ".json"))
    monkeypatch.setenv("AVATAR_VOICES_DIR", str(folder))
    assert engine_for("narrator") == "piper"
    assert find_neural_voice("narrator").quality == "medium"
    assert engine_for(str(folder / "narrator.onnx")) == "piper"
    with pytest.raises(UsageError, match="not found"):
        engine_for(str(folder / "missing.onnx"))
    with pytest.raises(UsageError, match="not found"):
        engine_for("en_US-nobody-medium")


def test_cli_say_and_voices_with_the_neural_voice(tmp_path: Path) -> None:
    out = run(tmp_path, "say", "Maps", "of", "the", "moon.", "--voice", "joe", "--stats", "--size", "320x180")
    assert out.returncode == 0, out.stderr
    stats = dict(kv.split("=") for kv in out.stdout.split())
    assert float(stats["show_end_s"]) > 1.0 and float(stats["first_audio_s"]) >= 0
    listing = run(tmp_path, "voices", "--language", "en")
    row = next(ln for ln in listing.stdout.splitlines() if ln.startswith("en_US-joe-medium"))
    assert "piper" in row and "medium" in row and "en_US" in row
    assert any("espeak-ng" in ln for ln in listing.stdout.splitlines())


def test_cli_record_a_script_whose_voice_is_neural(tmp_path: Path) -> None:
    from avatar import audio as audio_mod

    script = tmp_path / "talk.md"
    script.write_text('+++\ntitle = "Maps"\nvoice = "joe"\n+++\nBob made maps of the moon.\n', "utf-8")
    video = tmp_path / "talk.mp4"
    out = run(tmp_path, "record", str(script), "-o", str(video), "--size", "320x180", "--fps", "15", "--quiet")
    assert out.returncode == 0, out.stderr
    sound = audio_mod.load(str(video), 22050)
    assert sound.duration_s > 2.0 and float(np.abs(sound.samples).max()) > 0.05


def test_kiosk_answers_in_the_neural_voice(tmp_path: Path) -> None:
    from avatar.audio import read_wav
    from avatar.kiosk import command
    import argparse

    parser = argparse.ArgumentParser()
    command.add_arguments(parser)
    wavs = tmp_path / "wavs"
    args = parser.parse_args(["--headless", "--voice", "joe", "--audio-out", str(wavs)])
    out = io.StringIO()
    assert command.run(args, stdin=io.StringIO("When is the conference?\n"), stdout=out, env={}) == 0
    chunks = [e for e in map(json.loads, out.getvalue().splitlines()) if e["event"] == "chunk"]
    assert chunks
    audio = read_wav(wavs / chunks[0]["file"])
    assert audio.duration_s > 0.3 and float(np.abs(audio.samples).max()) > 0.05


def test_missing_voice_file_is_a_usage_error(tmp_path: Path) -> None:
    assert_usage_error(run(tmp_path, "say", "hi", "--voice", str(tmp_path / "nope.onnx")), "voice file not found")
    assert_usage_error(run(tmp_path, "say", "hi", "--voice", "en_US-nobody-medium"), "not found")


def test_without_the_neural_extra_a_neural_voice_says_how_to_install_it(tmp_path: Path) -> None:
    block = tmp_path / "block" / "onnxruntime"
    block.mkdir(parents=True)
    (block / "__init__.py").write_text("raise ImportError('onnxruntime is not installed')\n", "utf-8")
    env = subprocess_env(tmp_path)
    env["PYTHONPATH"] = f"{tmp_path / 'block'}{':' if sys.platform != 'win32' else ';'}{env['PYTHONPATH']}"
    proc = subprocess.run([sys.executable, "-m", "avatar", "say", "hi", "--voice", "joe"], capture_output=True,
                          text=True, cwd=ROOT, timeout=120, env=env)
    assert_usage_error(proc, "pip install 'avatar[neural]'")
    assert re.search(r"joe", proc.stderr)


def test_the_optimised_voice_is_kept_and_a_damaged_copy_rebuilt(tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    from avatar.tts.onnx_session import open_session

    monkeypatch.setenv("AVATAR_CACHE_DIR", str(tmp_path))
    model = find_neural_voice("joe").model_path
    _, durations = open_session(model, 1)
    saved = list((tmp_path / "onnx").glob("*.onnx"))
    assert durations and len(saved) == 1 and saved[0].stat().st_size > 1_000_000
    saved[0].write_bytes(b"not a model")
    session, durations = open_session(model, 1)
    assert durations and [o.name for o in session.get_outputs()][0] == "output"
    assert saved[0].stat().st_size > 1_000_000
    _, durations = open_session(model, 1)  # the kept copy, loaded as it is
    assert durations


def test_the_config_file_can_name_the_neural_voice(tmp_path: Path) -> None:
    config = tmp_path / "avatar.toml"
    config.write_text('[voice]\nvoice = "joe"\n', "utf-8")
    out = run(tmp_path, "--config", str(config), "say", "Maps of the moon.", "--stats", "--size", "320x180")
    assert out.returncode == 0, out.stderr
    cached = [json.loads(p.read_text("utf-8")) for p in (tmp_path / "cache").glob("*.json")]
    assert cached and all(c["engine"] == "piper" for c in cached)


def test_closing_the_show_mid_sentence_exits_cleanly(tmp_path: Path) -> None:
    """Stopping a neural show while the next sentence is being made ends normally (no abort, no noise)."""
    sample = ROOT / "assets" / "speeches" / "beijing-digital-economy.md"
    for seconds in ("0.3", "1.2"):
        out = run(tmp_path, "play", str(sample), "--voice", "joe", "--max-seconds", seconds, "--size", "320x180")
        assert out.returncode == 0, out.stderr
        assert out.stderr.strip() == "", out.stderr
