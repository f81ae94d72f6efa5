"""A neural voice that never finishes a sentence costs the show one time limit, then it goes on in captions.

onnxruntime is replaced by a session that waits for a gate the test holds, so "hung" is a fact the test
controls, not a race against a clock: a run behind a closed gate cannot end before its limit, however
busy the machine. The rest is real: the joe voice's phoneme map, espeak-ng, the builder, the kiosk's voice.
"""

from __future__ import annotations

import logging
import re
import threading
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from avatar import cli, tts
from avatar.build import build_script_timeline
from avatar.errors import TTSError
from avatar.kiosk.voice import GuardedVoice
from avatar.script import parse_script
from avatar.tts import piper_model
from avatar.tts.base import VoiceSettings
from avatar.tts.deadline import Deadline
from avatar.tts.piper_engine import TIMEOUT_S, PiperEngine

pytest.importorskip("onnxruntime", reason="the neural extra is installed by scripts/test")

JOE = VoiceSettings("en_US-joe-medium")
HOP = 256          # samples per frame of the stand-in's audio
FRAMES_PER_ID = 2
SOON_S = 0.05      # the limit when a run is meant to overrun it (it waits behind a closed gate)
AMPLE_S = 120.0    # the limit when a run is meant to finish (its gate is open)


class GatedSession:
    """Stands in for an onnxruntime session: each run waits for `gate`, then returns audio made of its ids."""

    def __init__(self) -> None:
        self.gate = threading.Event()
        self.feeds: list[np.ndarray] = []
        self.threads: list[threading.Thread] = []

    def get_inputs(self) -> list[SimpleNamespace]:
        return [SimpleNamespace(name=n) for n in ("input", "input_lengths", "scales")]

    def run(self, _names: object, feed: dict[str, np.ndarray]) -> list[np.ndarray]:
        self.feeds.append(feed["input"][0].copy())
        self.threads.append(threading.current_thread())
        self.gate.wait(600)  # a safety net for a broken test, never the thing being tested
        return [expected_audio(feed["input"][0])[None, None, :],
                np.full((1, len(feed["input"][0])), FRAMES_PER_ID, np.float32)]


def expected_audio(ids: np.ndarray) -> np.ndarray:
    """What the stand-in says for `ids`: each id's value, held for its frames (so a result shows its sentence)."""
    return np.repeat(ids.astype(np.float32) / 1000.0, FRAMES_PER_ID * HOP)


@pytest.fixture
def gated(monkeypatch: pytest.MonkeyPatch):
    """A neural engine whose model runs in the stand-in; the gate opens at the end and every run is waited for."""
    session = GatedSession()
    monkeypatch.setattr(piper_model, "open_session", lambda path, threads: (session, True))
    engine = PiperEngine(timeout_s=AMPLE_S, timeout_per_id_s=0.0)
    yield engine, session
    session.gate.set()
    for th in session.threads:
        th.join(600)


def test_a_sentence_past_its_limit_is_one_line_and_its_late_result_is_never_used(gated) -> None:
    engine, session = gated
    engine.timeout_s = SOON_S
    with pytest.raises(TTSError) as late:
        engine.synthesize("Bob made maps of the moon.", JOE)
    message = str(late.value)
    assert "\n" not in message and "neural voice took longer than" in message and "avatar voices" in message
    assert len(session.feeds) == 1

    # While the abandoned run is still going, a sentence fails at once instead of queueing behind it.
    engine.timeout_s = AMPLE_S
    with pytest.raises(TTSError, match="still stuck"):
        engine.synthesize("Hello there.", JOE)
    assert len(session.feeds) == 1, "no second run was started behind the stuck one"

    # The stuck run ends; the next sentence gets its own audio, not the abandoned sentence's.
    session.gate.set()
    session.threads[0].join(600)
    speech = engine.synthesize("Hello there.", JOE)
    assert len(session.feeds) == 2
    assert not np.array_equal(session.feeds[0], session.feeds[1])
    assert np.array_equal(speech.audio.samples, expected_audio(session.feeds[1]))
    assert [w.text for w in speech.words] == ["Hello", "there"]


def test_the_limit_grows_with_the_sentence() -> None:
    """The limit grows with the sentence: a long sentence on a slow machine is not taken for a hung one."""
    engine = PiperEngine()
    assert engine.limit_s(20) >= TIMEOUT_S
    assert engine.limit_s(1200) - engine.limit_s(20) >= 30.0  # ~30 s more of speech, ~30x its usual time


def test_a_hung_neural_voice_costs_the_show_one_limit_and_it_goes_on_in_captions(gated, caplog) -> None:
    engine, session = gated
    engine.timeout_s = SOON_S
    script = parse_script(" ".join(f"Sentence number {i} is here." for i in range(6)))
    with caplog.at_level(logging.WARNING, logger="avatar"):
        tl = build_script_timeline(script, tts.Voice(engine, JOE, use_cache=False))
    assert len(tl.captions) == 6 and all(c.silent for c in tl.captions), "the whole speech is still shown"
    assert len(session.feeds) == 1, "only the first sentence waited for the voice"
    warnings = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(warnings) == 1 and "took longer than" in warnings[0]


def test_the_kiosk_answers_in_captions_while_the_neural_voice_is_stuck(gated, caplog) -> None:
    engine, session = gated
    engine.timeout_s = SOON_S
    voice = GuardedVoice(lambda text: engine.synthesize(text, JOE), logger=logging.getLogger("avatar.kiosk"))
    with caplog.at_level(logging.WARNING, logger="avatar.kiosk"):
        first, failed_1 = voice.attempt("The conference opens on Monday.")
        second, failed_2 = voice.attempt("It is in Geneva.")
    assert failed_1 and failed_2
    assert [first.text, second.text] == ["The conference opens on Monday.", "It is in Geneva."]
    assert len(second.words) == 4, "the words still go out as captions"
    assert float(np.abs(first.audio.samples).max(initial=0)) == 0.0, "shown, never heard"
    assert sum("speech synthesis failed" in r.getMessage() for r in caplog.records) == 1, "logged once"
    session.gate.set()
    session.threads[0].join(600)
    spoken, failed = voice.attempt("Welcome.")
    assert not failed and spoken.duration_s > 0, "the voice is used again once it has come back"


def test_recording_with_a_hung_neural_voice_writes_the_whole_speech_as_captions(gated, tmp_path: Path, capsys,
                                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    engine, _ = gated
    engine.timeout_s = SOON_S
    monkeypatch.setitem(tts._shared, "piper", engine)
    script = tmp_path / "talk.md"
    script.write_text("Bob maps the old city.\n\nWe open the market today!\n", "utf-8")
    out = tmp_path / "talk.mp4"
    code = cli.main(["record", str(script), "-o", str(out), "--voice", "joe", "--no-cache",
                     "--size", "320x180", "--fps", "10", "--quiet"])
    assert code == 0
    err = capsys.readouterr().err
    assert "2 of 2 sentences were recorded without voice" in err and "Traceback" not in err
    cues = re.findall(r"^[A-Z].*$", out.with_suffix(".srt").read_text("utf-8"), re.MULTILINE)
    assert cues == ["Bob maps the old city.", "We open the market today!"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["talk.md", "talk.mp4", "talk.srt", "talk.vtt"]


def test_a_call_inside_its_limit_keeps_its_own_result_or_error() -> None:
    deadline = Deadline(late="late after {limit_s:.0f} s", busy="busy")
    assert deadline.call(lambda: 42, AMPLE_S) == 42

    def fails() -> None:
        raise TimeoutError("the call's own timeout, not the limit")

    with pytest.raises(TimeoutError, match="the call's own"):
        deadline.call(fails, AMPLE_S)
