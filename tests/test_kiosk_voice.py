"""Questions by voice at the kiosk: push-to-talk in the window, `{"audio": ...}` lines headless, and
nothing a visitor says kept without --log. The recogniser is a fake here (recognition itself is tested
with the real PocketSphinx in test_listen*.py); the microphone is a recording fed as if live."""

from __future__ import annotations

import io
import json
import time
from pathlib import Path

import numpy as np
import pygame
import pytest

from avatar.audio import Audio, save_wav
from avatar.errors import UsageError
from avatar.face.look import get_look
from avatar.kiosk import command
from avatar.kiosk.build import build_kiosk
from avatar.kiosk.keys import parse_talk_key
from avatar.kiosk.listening import RecogniserOnDemand, audio_request
from avatar.kiosk.talk import MIN_HOLD_S, PushToTalk
from avatar.listen.base import FakeRecogniser, Heard, RecognitionError
from avatar.listen.keep import HeardAudio
from avatar.listen.mic import FakeMicrophone, level_of, loudest_level
from avatar.scene import Scene
from avatar.scene_state import Listening, SceneState
from test_kiosk_app import Driver, Sink, Step, fast_voice, parse as window_parse, post_key, post_text
from test_kiosk_headless import parse as headless_parse

QUESTION = "When is the conference?"


def voice_recording(seconds: float = 1.2, rate_hz: int = 16000) -> Audio:
    """A voiced sound (a buzzy vowel with syllable-like loudness) as a stand-in for a spoken question."""
    t = np.arange(int(seconds * rate_hz)) / rate_hz
    buzz = sum(np.sin(2 * np.pi * 140 * k * t) / k for k in range(1, 12))
    syllables = 0.5 + 0.5 * np.sin(2 * np.pi * 4 * t)
    return Audio((0.2 * buzz * syllables).astype(np.float32), rate_hz)


def run_headless(argv: list[str], stdin: str, recogniser=None) -> list[dict]:
    out = io.StringIO()
    args = headless_parse(*argv)
    assert command.run(args, stdin=io.StringIO(stdin), stdout=out, env={}, recogniser=recogniser) == 0
    return [json.loads(line) for line in out.getvalue().splitlines()]


# --- headless: recorded questions as JSON lines ----------------------------------------------------------

def test_a_voice_line_is_recognised_asked_and_answered(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    save_wav(voice_recording(), tmp_path / "q.wav")
    fake = FakeRecogniser(QUESTION)
    events = run_headless(["--engine", "fake"], '{"audio": "q.wav"}\nWho leads it?\n', fake)
    heard = [e for e in events if e["event"] == "heard"]
    assert heard == [{"t": heard[0]["t"], "event": "heard", "audio": "q.wav", "text": QUESTION,
                      "engine": "fake", "decode_s": 0.0}]
    questions = [e for e in events if e["event"] == "question"]
    assert [q["text"] for q in questions] == [QUESTION, "Who leads it?"], "in the order the lines came"
    assert questions[0]["voice"] is True and "voice" not in questions[1]
    spoken = " ".join(e["text"] for e in events if e["event"] == "chunk" and e["q"] == 1)
    assert "Conference" in spoken, "the recognised question got the conference answer"
    assert len(fake.heard) == 1 and fake.heard[0].rate_hz == 16000
    assert fake.heard[0].duration_s == pytest.approx(1.2, abs=0.01), "the whole recording was recognised"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["q.wav"], "nothing stored without --log"


def test_bad_voice_lines_get_one_clear_error_and_the_kiosk_goes_on(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "text.wav").write_text("not audio")
    save_wav(voice_recording(), tmp_path / "mumble.wav")
    lines = ('{"audio": "missing.wav"}\n{"audio": "text.wav"}\n{"audio": 3}\n'
             '{"audio": "mumble.wav"}\n' + QUESTION + "\n")
    events = run_headless(["--engine", "fake"], lines, FakeRecogniser(""))   # hears no words in mumble.wav
    errors = [e for e in events if e["event"] == "error"]
    assert [e["kind"] for e in errors] == ["bad_audio", "bad_audio", "bad_line", "not_heard"]
    assert "not found" in errors[0]["message"] and "missing.wav" in errors[0]["message"]
    assert "text.wav" in errors[1]["message"] and "\n" not in errors[1]["message"]
    assert '{"audio": "question.wav"}' in errors[2]["message"]
    questions = [e["text"] for e in events if e["event"] == "question"]
    assert questions == [QUESTION], "failed recordings are not asked; the typed line still is"
    assert events[-1]["event"] == "exit"


def test_with_log_the_recording_is_kept_beside_it(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    save_wav(voice_recording(), tmp_path / "q.wav")
    log = tmp_path / "kiosk.jsonl"
    events = run_headless(["--engine", "fake", "--log", str(log)], '{"audio": "q.wav"}\n', FakeRecogniser(QUESTION))
    heard = next(e for e in events if e["event"] == "heard")
    kept = Path(heard["kept"])
    assert kept.parent == tmp_path / "kiosk-audio" and kept.name.endswith("-q0001.wav")
    with kept.open("rb") as fh:
        assert fh.read(4) == b"RIFF"
    logged = [json.loads(line)["event"] for line in log.read_text().splitlines()]
    assert "heard" in logged and "question" in logged


def test_listen_off_and_a_failing_recogniser_are_errors_not_crashes(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    save_wav(voice_recording(), tmp_path / "q.wav")
    events = run_headless(["--engine", "fake", "--listen", "off"], '{"audio": "q.wav"}\n' + QUESTION + "\n")
    error = next(e for e in events if e["event"] == "error")
    assert error["kind"] == "voice_off" and "--listen off" in error["message"]

    class Broken:
        name = "server"

        def transcribe(self, audio: Audio) -> Heard:
            raise RecognitionError("the transcription server did not answer in 5 s", kind="timeout")

    events = run_headless(["--engine", "fake"], '{"audio": "q.wav"}\n' + QUESTION + "\n", Broken())
    assert [e["kind"] for e in events if e["event"] == "error"] == ["timeout"]
    assert [e["text"] for e in events if e["event"] == "question"] == [QUESTION]


def test_audio_request_tells_voice_lines_from_typed_ones() -> None:
    assert audio_request('{"audio": "a.wav"}') == ("a.wav", "")
    assert audio_request("What is {this}?") == (None, "")
    assert audio_request("{not json}") == (None, "")
    assert audio_request('{"audio": ""}')[1] and audio_request('{"text": "hi"}')[1]


def test_the_recogniser_is_built_once_and_its_failure_remembered() -> None:
    built: list[int] = []

    def build():
        built.append(1)
        raise UsageError("speech recognition needs the phones extra: pip install 'avatar[phones]'")

    lazy = RecogniserOnDemand(build)
    for _ in range(3):
        with pytest.raises(UsageError, match="phones"):
            lazy()
    assert built == [1]


# --- the window: hold the talk key and speak ---------------------------------------------------------------

def drive_voice(steps: list[Step], mic: FakeMicrophone | None, recogniser, *argv: str,
                log: Path | None = None) -> tuple[Driver, Sink]:
    args = window_parse(*argv, *(["--log", str(log)] if log else []))
    setup = build_kiosk(command.config_from_args(args), env={})
    sink = Sink()
    driver = Driver(sink, steps, 20.0)
    log_file = open(log, "a", encoding="utf-8") if log else None
    try:
        assert command.run_window(args, setup, speak=fast_voice(), sound=sink, on_frame=driver,
                                  recogniser=RecogniserOnDemand(lambda: recogniser), mic=mic,
                                  log_file=log_file) == 0
    finally:
        if log_file:
            log_file.close()
    assert driver.steps == [], f"stuck at step {driver.steps[0].name!r} (done: {driver.done})"
    return driver, sink


def key_up(key: int) -> None:
    pygame.event.post(pygame.event.Event(pygame.KEYUP, key=key, mod=0, unicode="", scancode=0))


def test_hold_tab_speak_check_the_words_and_press_enter(tmp_path: Path) -> None:
    """The visitor holds Tab: the kiosk shows it is listening with a live meter; on letting go the words
    appear in the box, can be corrected, and Enter asks them."""
    mic = FakeMicrophone(voice_recording())
    fake = FakeRecogniser("When is the conferense")   # a small mistake the visitor fixes by typing
    held: dict[str, float] = {}

    def press(app) -> None:
        post_key(pygame.K_TAB)
        post_text("\t")                                 # SDL's text event for Tab must not reach the box
        held["at"] = time.perf_counter()

    steps = [
        Step("idle hint names the key", lambda app, s: "hold Tab" in s.hint, press),
        Step("listening, meter empty", lambda app, s: s.listening is not None and s.listening.phase == "listening",
             lambda app: mic.feed(0.6)),
        Step("meter moves", lambda app, s: s.listening is not None and s.listening.level > 0.3),
        Step("held long enough", lambda app, s: time.perf_counter() - held["at"] > MIN_HOLD_S + 0.05,
             lambda app: key_up(pygame.K_TAB)),
        Step("words in the box", lambda app, s: s.input_text == "When is the conferense",
             lambda app: (post_key(pygame.K_BACKSPACE), post_key(pygame.K_BACKSPACE), post_text("ce?"))),
        Step("corrected", lambda app, s: s.input_text == QUESTION and "Is this right" in s.hint,
             lambda app: post_key(pygame.K_RETURN)),
        Step("answering", lambda app, s: app.current is not None and app.current.kind == "answer"),
        Step("done", lambda app, s: app.current is None),
    ]
    log = tmp_path / "kiosk.jsonl"
    driver, sink = drive_voice(steps, mic, fake, log=log)
    assert len(fake.heard) == 1 and fake.heard[0].duration_s == pytest.approx(0.6, abs=0.02)
    events = [json.loads(line) for line in log.read_text().splitlines()]
    heard = next(e for e in events if e["event"] == "heard")
    question = next(e for e in events if e["event"] == "question")
    assert heard["text"] == "When is the conferense" and Path(heard["kept"]).is_file()
    assert question["text"] == QUESTION and question["voice"] is True and question["heard"] == heard["text"]
    assert sink.plays() >= 1, "the corrected question was answered aloud"


def test_a_tap_and_silence_get_a_short_notice_and_nothing_is_kept(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    mic = FakeMicrophone(Audio(np.zeros(16000, np.float32), 16000))   # a quiet room
    fake = FakeRecogniser("should not be asked")
    held: dict[str, float] = {}

    def press(app) -> None:
        post_key(pygame.K_TAB)
        held["at"] = time.perf_counter()

    steps = [
        Step("tap", lambda app, s: True, lambda app: (post_key(pygame.K_TAB), key_up(pygame.K_TAB))),
        Step("how-to notice", lambda app, s: s.listening is not None and "Hold Tab while you speak" in s.listening.text,
             press),
        Step("listening", lambda app, s: s.listening is not None and s.listening.phase == "listening",
             lambda app: mic.feed(1.0)),
        Step("held", lambda app, s: time.perf_counter() - held["at"] > MIN_HOLD_S + 0.05,
             lambda app: key_up(pygame.K_TAB)),
        Step("did not catch it", lambda app, s: s.listening is not None and "did not catch" in s.listening.text),
    ]
    driver, _ = drive_voice(steps, mic, fake)
    assert fake.heard == [], "silence is not sent to the recogniser"
    assert all(s.input_text == "" for s in driver.frames)
    assert list(tmp_path.iterdir()) == [], "nothing written without --log"


def test_no_microphone_gives_one_clear_notice(caplog, monkeypatch) -> None:
    monkeypatch.setattr("avatar.listen.mic.open_microphone", lambda: (None, "no microphone found"))
    steps = [
        Step("idle", lambda app, s: True, lambda app: post_key(pygame.K_TAB)),
        Step("notice", lambda app, s: s.listening is not None and s.listening.phase == "notice"),
    ]
    with caplog.at_level("WARNING", logger="avatar.kiosk"):
        driver, _ = drive_voice(steps, None, FakeRecogniser("x"))
    notice = next(s.listening.text for s in driver.frames if s.listening is not None)
    assert "no microphone found" in notice and "type your question" in notice
    assert all("hold Tab" not in s.hint for s in driver.frames), "the hint does not offer what is not there"
    warnings = [r.getMessage() for r in caplog.records if "microphone" in r.getMessage()]
    assert len(warnings) == 1 and "connect a microphone" in warnings[0]


def test_speaking_over_an_answer_stops_it(monkeypatch) -> None:
    mic = FakeMicrophone(voice_recording())
    steps = [
        Step("ask", lambda app, s: True, lambda app: (post_text("What does Beijing want?"),
                                                      post_key(pygame.K_RETURN))),
        Step("speaking", lambda app, s: app.current is not None and bool(app.current.clip_starts),
             lambda app: post_key(pygame.K_TAB)),
        Step("silenced", lambda app, s: app.current is None and s.listening is not None),
    ]
    driver, sink = drive_voice(steps, mic, FakeRecogniser("x"))
    assert ("stop", None) in sink.log


# --- parts ----------------------------------------------------------------------------------------------

def test_talk_key_must_not_be_a_typing_key() -> None:
    assert parse_talk_key("tab") == pygame.K_TAB and parse_talk_key("F2") == pygame.K_F2
    for bad in ("a", "space", "return", "escape", "backspace"):
        with pytest.raises(UsageError, match="typing"):
            parse_talk_key(bad)
    with pytest.raises(UsageError, match="unknown talk key"):
        parse_talk_key("banana")


def test_bad_talk_key_on_the_command_line_is_exit_2(capsys) -> None:
    args = window_parse("--talk-key", "q")
    assert command.run(args, env={}) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "talk key 'q'" in err[0]


def test_level_meter_follows_loudness() -> None:
    quiet = np.full(800, 1e-4, np.float32)
    speech = np.full(800, 0.1, np.float32)
    assert level_of(quiet) == 0.0 and 0.6 < level_of(speech) < 1.0 and level_of(speech * 10) == 1.0
    assert level_of(np.zeros(0, np.float32)) == 0.0
    burst = np.concatenate([np.zeros(16000, np.float32), speech, np.zeros(16000, np.float32)])
    assert loudest_level(Audio(burst, 16000)) == pytest.approx(level_of(speech), abs=0.1), \
        "a short loud moment in a quiet recording counts"


def test_heard_audio_writes_nothing_without_a_log(tmp_path: Path) -> None:
    assert HeardAudio.beside_log(None).keep(voice_recording(), 1) is None
    kept = HeardAudio.beside_log(tmp_path / "k.jsonl").keep(voice_recording(), 2)
    assert kept and Path(kept).parent.name == "k-audio" and Path(kept).stat().st_size > 1000


def test_the_listening_pill_is_drawn_with_a_lit_meter(tmp_path: Path) -> None:
    """Look at it: a dark pill with a red dot, the words and green bars as many as the level says."""
    scene = Scene((640, 360), get_look("official"))
    frames = {}
    for level in (0.0, 0.8):
        surface = pygame.Surface((640, 360))
        state = SceneState(t_s=1.0, input_text="", listening=Listening("listening", level, "Listening\u2026"))
        scene.draw(surface, state)
        pygame.image.save(surface, str(tmp_path / f"listening-{level}.png"))
        frames[level] = pygame.surfarray.array3d(surface)
    bottom = slice(240, 360)
    green = lambda a: int(((a[:, bottom, 1] > 180) & (a[:, bottom, 0] < 130) & (a[:, bottom, 2] < 160)).sum())
    red = lambda a: int(((a[:, bottom, 0] > 200) & (a[:, bottom, 1] < 90) & (a[:, bottom, 2] < 90)).sum())
    assert green(frames[0.0]) == 0 and green(frames[0.8]) > 100, "the meter lights with the level"
    assert red(frames[0.8]) > 20, "the recording dot shows"


def test_push_to_talk_reports_a_recogniser_error_as_a_notice() -> None:
    class Broken:
        name = "server"

        def transcribe(self, audio: Audio) -> Heard:
            raise RecognitionError("refused", kind="refused")

    mic = FakeMicrophone(voice_recording())
    talk = PushToTalk(mic, lambda: Broken())
    assert talk.press(0.0)
    mic.feed(1.0)
    talk.view(0.5)                      # the meter is read while the key is held
    assert talk.release(1.0)
    for _ in range(500):                # the recognition thread finishes: wait for it, not for time
        if not talk.busy:
            break
        time.sleep(0.01)
    assert talk.poll(1.1) is None
    view = talk.view(1.2)
    assert view is not None and view.phase == "notice" and "type your question" in view.text


def test_the_sdl_microphone_captures_through_pygame() -> None:
    """The real capture path: SDL's dummy driver has a capture device that hears silence."""
    from avatar.listen.mic import open_microphone

    mic, why = open_microphone()
    if mic is None:
        pytest.skip(f"this SDL has no capture device ({why})")
    try:
        mic.start()
        deadline = time.monotonic() + 20.0
        while mic.capture.samples_kept < 4000 and time.monotonic() < deadline:   # wait for samples, not for time
            time.sleep(0.02)
        audio = mic.stop()
    finally:
        mic.close()
    assert audio.rate_hz == 16000 and len(audio.samples) >= 4000
    assert audio.samples.dtype == np.float32 and mic.level() == 0.0


# --- end to end with the real recogniser ----------------------------------------------------------------

def test_a_spoken_question_is_heard_offline_and_answered(tmp_path: Path, monkeypatch) -> None:
    """espeak-ng says the question into a WAV; the headless kiosk recognises it with PocketSphinx and the
    kiosk's own language model, and answers it."""
    pytest.importorskip("pocketsphinx")
    from avatar.tts import get_engine
    from avatar.tts.base import VoiceSettings

    monkeypatch.chdir(tmp_path)
    speech = get_engine("pyttsx3").synthesize("When is the Global Digital Economy Conference?",
                                              VoiceSettings("gmw/en-us", 160))
    save_wav(speech.audio, tmp_path / "question.wav")
    events = run_headless(["--engine", "fake", "--listen", "sphinx"], '{"audio": "question.wav"}\n')
    heard = next(e for e in events if e["event"] == "heard")
    assert heard["engine"] == "sphinx" and "conference" in heard["text"].lower()
    question = next(e for e in events if e["event"] == "question")
    assert question["voice"] is True and question["text"] == heard["text"]
    spoken = " ".join(e["text"] for e in events if e["event"] == "chunk")
    assert "2024" in spoken or "July" in spoken or "Conference" in spoken, spoken


def test_a_chinese_kiosk_without_a_server_says_voice_questions_are_off(tmp_path: Path, monkeypatch) -> None:
    pytest.importorskip("pocketsphinx")
    monkeypatch.chdir(tmp_path)
    save_wav(voice_recording(), tmp_path / "q.wav")
    script = Path(__file__).resolve().parent.parent / "assets" / "speeches" / "beijing-digital-economy-zh.md"
    events = run_headless(["--engine", "fake", "--script", str(script)], '{"audio": "q.wav"}\n')
    error = next(e for e in events if e["event"] == "error")
    assert error["kind"] == "voice_off" and "English only" in error["message"]
    assert "transcription server" in error["message"]


def test_a_transcription_server_hears_the_question_when_one_is_named(tmp_path: Path, monkeypatch) -> None:
    """`--listen-url` sends the recording to an OpenAI-compatible /v1/audio/transcriptions server (a real
    HTTP server here); its text is asked, the LLM answering with the same kind of server."""
    from llm_server import FakeLLMServer

    monkeypatch.chdir(tmp_path)
    save_wav(voice_recording(), tmp_path / "q.wav")
    with FakeLLMServer(transcript="Who leads the bureau?") as server:
        out = io.StringIO()
        args = headless_parse("--engine", "fake", "--listen-url", server.base_url, "--listen-model", "small")
        assert command.run(args, stdin=io.StringIO('{"audio": "q.wav"}\n'), stdout=out, env={}) == 0
        uploads = [r for r in server.requests if r["path"].endswith("/audio/transcriptions")]
    events = [json.loads(line) for line in out.getvalue().splitlines()]
    heard = next(e for e in events if e["event"] == "heard")
    assert heard["engine"] == "server" and heard["text"] == "Who leads the bureau?"
    assert len(uploads) == 1 and uploads[0]["fields"]["model"] == "small"
    assert next(e for e in events if e["event"] == "question")["text"] == "Who leads the bureau?"


def test_in_the_window_a_spoken_question_lands_in_the_box_offline() -> None:
    """The whole path at the kiosk window: the talk key, a microphone hearing espeak-ng say the question,
    PocketSphinx with the kiosk's language model, and the words in the box."""
    pytest.importorskip("pocketsphinx")
    from avatar.kiosk.command import recognisers
    from avatar.tts import get_engine
    from avatar.tts.base import VoiceSettings

    said = get_engine("pyttsx3").synthesize("Where is the conference in 2024?", VoiceSettings("gmw/en-us", 160))
    mic = FakeMicrophone(said.audio)
    held: dict[str, float] = {}

    def press(app) -> None:
        post_key(pygame.K_TAB)
        held["at"] = time.perf_counter()

    steps = [
        Step("press", lambda app, s: True, press),
        Step("listening", lambda app, s: s.listening is not None and s.listening.phase == "listening",
             lambda app: mic.feed(said.audio.duration_s + 0.2)),
        Step("held", lambda app, s: time.perf_counter() - held["at"] > MIN_HOLD_S + 0.05,
             lambda app: key_up(pygame.K_TAB)),
        Step("recognising", lambda app, s: s.listening is None or s.listening.phase == "recognising"),
        Step("words in the box", lambda app, s: bool(s.input_text)),
    ]
    args = window_parse("--listen", "sphinx")
    setup = build_kiosk(command.config_from_args(args), env={})
    sink = Sink()
    driver = Driver(sink, steps, 60.0)
    assert command.run_window(args, setup, speak=fast_voice(), sound=sink, on_frame=driver, mic=mic,
                              recogniser=recognisers(args, setup, {})) == 0
    assert driver.steps == [], f"stuck at step {driver.steps[0].name!r} (done: {driver.done})"
    text = next(s.input_text for s in driver.frames if s.input_text)
    assert "conference" in text.lower() and "2024" in text, text


def test_a_stuck_talk_key_lets_go_at_the_recording_limit() -> None:
    from avatar.listen.mic import MAX_CAPTURE_S

    mic = FakeMicrophone(voice_recording())
    fake = FakeRecogniser("Who leads it?")
    talk = PushToTalk(mic, lambda: fake)
    assert talk.press(100.0)
    mic.feed(1.0)
    assert talk.poll(100.0 + MAX_CAPTURE_S - 0.1) is None and talk.listening_since is not None
    spoken = talk.poll(100.0 + MAX_CAPTURE_S)
    assert talk.listening_since is None, "released by itself"
    for _ in range(500):
        if not talk.busy:
            break
        time.sleep(0.01)
    spoken = spoken or talk.poll(100.0 + MAX_CAPTURE_S + 1)
    assert spoken is not None and spoken.heard.text == "Who leads it?"
