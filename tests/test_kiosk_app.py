"""The windowed kiosk, driven headless by real pygame key and text events, with real answerers and server."""

from __future__ import annotations

import argparse
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

import pygame
import pytest

from avatar.errors import UsageError
from avatar.kiosk import command
from avatar.kiosk.app import KioskApp
from avatar.kiosk.attract import greetings
from avatar.kiosk.build import KioskSetup, build_kiosk
from avatar.kiosk.grounding import Persona
from avatar.kiosk.keys import parse_combo
from avatar.kiosk.textbox import TextBox
from avatar.kiosk.voice import engine_voice
from avatar.scene_state import SceneState
from avatar.sound import NullOut
from avatar.tts.base import Speech, VoiceSettings
from avatar.tts.fake import FakeEngine
from llm_server import FakeLLMServer

SECRET = "sk-test-SECRET"
LONG_REPLY = ("Beijing wants to be a benchmark city for the digital economy. It builds data centres and open "
              "data rules. It runs pilot zones for new ideas. It invites partners from every continent. "
              "It trains young people in digital skills. It shares what it learns with other cities.")
OTHER_REPLY = "Geneva hosted the eWeek. Many delegates came to listen."


# --- helpers ---------------------------------------------------------------------------------------------

def parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    command.add_arguments(parser)
    return parser.parse_args(["--windowed", "--size", "320x180", "--fps", "60", "--no-attract",
                              "--first-token-timeout", "2", *argv])


def fast_voice(letter_s: float = 0.006) -> Callable[[str], Speech]:
    engine = FakeEngine(letter_s=letter_s)
    return lambda text: engine.synthesize(text, VoiceSettings(rate_wpm=175))


class Sink(NullOut):
    """A silent sound device that remembers, in order, each clip started (and whose it was) and each stop."""

    def __init__(self) -> None:
        super().__init__()
        self.app: KioskApp | None = None
        self.log: list[tuple[str, int | None]] = []   # ("play", utterance id) or ("stop", None)

    def play(self, audio, offset_s: float = 0.0) -> None:
        super().play(audio, offset_s)
        current = self.app.current if self.app is not None else None
        self.log.append(("play", current.id if current is not None else None))

    def stop(self) -> None:
        self.log.append(("stop", None))

    def plays(self, utterance_id: int | None = None) -> int:
        return sum(1 for kind, uid in self.log if kind == "play" and (utterance_id is None or uid == utterance_id))


def post_text(text: str) -> None:
    for ch in text:
        pygame.event.post(pygame.event.Event(pygame.TEXTINPUT, text=ch))


def post_key(key: int, mod: int = 0) -> None:
    pygame.event.post(pygame.event.Event(pygame.KEYDOWN, key=key, mod=mod, unicode="", scancode=0))


def post_quit_combo() -> None:
    post_key(pygame.K_q, pygame.KMOD_LCTRL | pygame.KMOD_LSHIFT)


@dataclass
class Step:
    name: str
    until: Callable[[KioskApp, SceneState], bool]
    then: Callable[[KioskApp], None] = lambda app: None


class Driver:
    """The visitor: each frame, when the next step's condition holds, do its action; quit when all are done."""

    def __init__(self, sink: Sink, steps: list[Step], deadline_s: float = 20.0) -> None:
        self.sink = sink
        self.steps = list(steps)
        self.done: list[str] = []
        self.frames: list[SceneState] = []
        self.deadline = time.perf_counter() + deadline_s
        self.quit_posted = False

    def __call__(self, app: KioskApp, state: SceneState) -> None:
        self.sink.app = app
        self.frames.append(state)
        while self.steps and self.steps[0].until(app, state):
            step = self.steps.pop(0)
            step.then(app)
            self.done.append(step.name)
        if (not self.steps or time.perf_counter() > self.deadline) and not self.quit_posted:
            self.quit_posted = True
            post_quit_combo()

    def captions(self) -> list[str]:
        seen: list[str] = []
        for s in self.frames:
            if s.caption is not None and (not seen or seen[-1] != s.caption.text):
                seen.append(s.caption.text)
        return seen


def drive(args: argparse.Namespace, steps: list[Step], *, env: dict[str, str] | None = None,
          speak: Callable[[str], Speech] | None = None, deadline_s: float = 20.0
          ) -> tuple[Driver, Sink, KioskSetup]:
    setup = build_kiosk(command.config_from_args(args), env=env or {})
    sink = Sink()
    driver = Driver(sink, steps, deadline_s)
    assert command.run_window(args, setup, speak=speak or fast_voice(), sound=sink, on_frame=driver) == 0
    assert driver.steps == [], f"stuck at step {driver.steps[0].name!r} (done: {driver.done})"
    return driver, sink, setup


def answer_over(app: KioskApp, state: SceneState) -> bool:
    return app.current is None


def speaking(app: KioskApp, state: SceneState) -> bool:
    return app.current is not None and app.current.kind == "answer" and bool(app.current.clip_starts)


def ask(text: str) -> Callable[[KioskApp], None]:
    def act(app: KioskApp) -> None:
        post_text(text)
        post_key(pygame.K_RETURN)
    return act


@pytest.fixture
def server() -> Iterator[FakeLLMServer]:
    with FakeLLMServer(tokens_per_s=400) as srv:
        yield srv


# --- the visitor's side ----------------------------------------------------------------------------------

def test_typed_question_shows_in_the_box_then_is_answered_aloud_with_captions() -> None:
    """A visitor sees what they type in the box; Enter empties it, and the avatar answers aloud with captions."""
    typed = "When is the conference?"
    steps = [
        Step("type", lambda app, s: True, lambda app: post_text(typed)),
        Step("box shows the text", lambda app, s: s.input_text == typed, lambda app: post_key(pygame.K_RETURN)),
        Step("box empties", lambda app, s: s.input_text == "" and app.current is not None),
        Step("speaks", speaking),
        Step("done", answer_over),
    ]
    driver, sink, setup = drive(parse(), steps)
    assert any(s.input_text == typed and "Enter" in s.hint for s in driver.frames), "the hint says how to ask"
    assert any(s.cursor_on for s in driver.frames) and any(not s.cursor_on for s in driver.frames), "cursor blinks"
    captions = driver.captions()
    assert len(captions) >= 2 and "Global Digital Economy Conference" in captions[0]
    assert sink.plays() == len(captions), "each caption was heard"
    history = setup.session.history
    assert history[0].text == typed and history[1].role == "assistant"
    assert "Conference" in history[1].text


def test_backspace_and_control_characters_in_the_box() -> None:
    """Backspace deletes, Ctrl+Backspace deletes a word, control characters never reach the box."""
    steps = [
        Step("type", lambda app, s: True, lambda app: post_text("Hello wor\x07ld\x1b!")),
        Step("typed", lambda app, s: s.input_text == "Hello world!",
             lambda app: (post_key(pygame.K_BACKSPACE), post_key(pygame.K_BACKSPACE, pygame.KMOD_LCTRL))),
        Step("deleted", lambda app, s: s.input_text == "Hello "),
    ]
    drive(parse(), steps)
    box = TextBox(max_chars=5)
    assert box.insert("  abc\u202edefgh") and box.text == "abcde", "leading blanks, bidi marks and overflow dropped"


def test_a_new_question_interrupts_the_answer_at_once(server: FakeLLMServer) -> None:
    """Enter on a new question stops the old answer's audio and its stream; only the new answer is heard."""
    server.reply, server.tokens_per_s = LONG_REPLY, 40
    marks: dict[str, int] = {}

    def second_question(app: KioskApp) -> None:
        server.reply, server.tokens_per_s = OTHER_REPLY, 400
        marks["first"] = app.current.id
        ask("And Geneva?")(app)

    steps = [
        Step("ask", lambda app, s: True, ask("What does Beijing want?")),
        Step("speaks", speaking, second_question),
        Step("new answer speaks", lambda app, s: speaking(app, s) and app.current.id != marks["first"],
             lambda app: marks.update(second=app.current.id)),
        Step("done", answer_over),
    ]
    driver, sink, _ = drive(parse("--base-url", server.base_url), steps, env={"OPENAI_API_KEY": SECRET})
    first, second = marks["first"], marks["second"]
    stop_at = sink.log.index(("stop", None))
    assert sink.plays(first) >= 1 and all(uid == first for kind, uid in sink.log[:stop_at] if kind == "play")
    assert all(uid == second for kind, uid in sink.log[stop_at:] if kind == "play"), "nothing more of the old one"
    assert sink.plays(first) < 4, "the old answer was cut short"
    captions = driver.captions()
    assert "Geneva hosted the eWeek." in captions
    assert "It shares what it learns with other cities." not in captions
    deadline = time.monotonic() + 5
    while server.hangups < 1 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.hangups >= 1, "the old answer's stream was closed"


def test_escape_stops_the_answer_but_never_quits() -> None:
    """Esc silences the avatar and clears the box; the kiosk keeps running until the operator's combination."""
    frames_after: list[int] = []
    steps = [
        Step("ask", lambda app, s: True, ask("When is the conference?")),
        Step("speaks", speaking, lambda app: (post_text("half typed"), post_key(pygame.K_ESCAPE))),
        Step("silenced", lambda app, s: app.current is None,
             lambda app: frames_after.append(app.stats.frames)),
        Step("still running 30 frames later", lambda app, s: app.stats.frames >= frames_after[0] + 30),
        Step("plain q does nothing", lambda app, s: True, lambda app: post_key(pygame.K_q)),
        Step("still here", lambda app, s: app.stats.frames >= frames_after[0] + 35),
    ]
    driver, sink, setup = drive(parse("--idle-reset", "60"), steps)
    assert sink.log.count(("stop", None)) >= 1 and sink.plays() == 1, "the rest of the answer was never heard"
    assert driver.frames[-1].input_text == "" and driver.frames[-1].caption is None
    assert setup.session.history[0].text == "When is the conference?"


def test_operator_keys_quit_and_leave_full_screen_not_the_visitor() -> None:
    """Full screen ignores the window's close request; the operator's (configurable) combination quits."""
    seen: dict[str, object] = {}
    steps = [
        Step("close request", lambda app, s: True,
             lambda app: pygame.event.post(pygame.event.Event(pygame.QUIT))),
        Step("default combo is not the quit key now", lambda app, s: app.stats.frames > 5,
             lambda app: post_quit_combo()),
        Step("leave full screen", lambda app, s: app.stats.frames > 10,
             lambda app: (seen.update(before=app.fullscreen),
                          post_key(pygame.K_F11, pygame.KMOD_LCTRL | pygame.KMOD_LALT))),
        Step("windowed", lambda app, s: not app.fullscreen,
             lambda app: post_key(pygame.K_F12, pygame.KMOD_LALT)),
    ]
    args = parse("--operator-key", "alt+f12", "--fullscreen-key", "ctrl+alt+f11")
    args.windowed = False
    setup = build_kiosk(command.config_from_args(args), env={})
    sink = Sink()
    driver = Driver(sink, steps)
    driver.quit_posted = True   # the combination to quit is posted by the last step itself
    command.run_window(args, setup, speak=fast_voice(), sound=sink, on_frame=driver)
    assert driver.steps == [] and seen["before"] is True
    with pytest.raises(UsageError, match="modifier"):
        parse_combo("q")
    with pytest.raises(UsageError, match="Esc"):
        parse_combo("shift+escape")
    combo = parse_combo("Ctrl+Shift+Q")
    assert combo.matches(pygame.K_q, pygame.KMOD_RCTRL | pygame.KMOD_LSHIFT | pygame.KMOD_CAPS)
    assert not combo.matches(pygame.K_q, pygame.KMOD_LCTRL)


def test_inactivity_forgets_the_conversation_and_the_half_typed_question() -> None:
    """After the idle time, the next visitor finds an empty box and the avatar remembers nothing."""
    steps = [
        Step("ask", lambda app, s: True, ask("When is the conference?")),
        Step("answered", lambda app, s: app.stats.questions == 1 and answer_over(app, s),
             lambda app: post_text("and then")),
        Step("remembered", lambda app, s: len(app.session.history) == 2 and s.input_text == "and then"),
        Step("reset", lambda app, s: app.stats.resets == 1),
        Step("drawn empty", lambda app, s: s.input_text == ""),
    ]
    _, _, setup = drive(parse("--idle-reset", "0.6"), steps, speak=fast_voice(0.004))
    assert setup.session.history == ()


def test_attract_loop_greets_when_idle_and_typing_cuts_the_greeting_short() -> None:
    """Nobody around: the avatar greets in its persona's name (name on screen); typing silences it at once."""
    steps = [
        Step("greets", lambda app, s: app.current is not None and app.current.kind == "greeting"
             and bool(app.current.clip_starts) and s.lower_third is not None),
        Step("caption", lambda app, s: s.caption is not None, lambda app: post_text("W")),
        Step("silenced", lambda app, s: app.current is None and s.input_text == "W"),
        Step("no greeting over a half-typed question", lambda app, s: app.stats.frames > 60,
             lambda app: post_key(pygame.K_ESCAPE)),
        Step("greets again", lambda app, s: app.stats.greetings == 2 and app.current is not None),
    ]
    args = parse("--attract-after", "0.3", "--attract-every", "0.4")
    args.no_attract = False
    driver, sink, setup = drive(args, steps)
    assert driver.captions()[0] == "Hello, and welcome!"
    assert "I am the Beijing Digital Economy Presenter." in greetings(setup.grounding.persona)[0]
    assert setup.session.history == (), "greetings are not part of the conversation"
    assert sink.log.count(("stop", None)) >= 1
    lines = greetings(Persona(speaker="Dr. Li Wei", title="Smart Cities: Lessons"))
    assert "I am Dr. Li Wei." in lines[0] and "Smart Cities, Lessons?" in lines[1]


# --- the model's side ------------------------------------------------------------------------------------

def test_speaks_before_the_model_has_finished(server: FakeLLMServer) -> None:
    """With a slow model, the first sentence is heard while later words are still streaming in."""
    server.reply, server.first_token_s, server.tokens_per_s = LONG_REPLY, 0.4, 45
    heard_early: list[bool] = []
    steps = [
        Step("ask", lambda app, s: True, ask("What does Beijing want?")),
        Step("thinking hint", lambda app, s: s.hint.endswith("one moment\u2026")),
        Step("speaks", speaking, lambda app: heard_early.append(app.session.history == ())),
        Step("done", answer_over),
    ]
    driver, sink, setup = drive(parse("--base-url", server.base_url), steps, env={"OPENAI_API_KEY": SECRET},
                                speak=fast_voice(0.006))
    assert heard_early == [True], "the answer was still streaming when the voice started"
    assert sink.plays() >= 5 and driver.captions()[-1] == "It shares what it learns with other cities."
    assert setup.session.history[1].text.startswith("Beijing wants to be a benchmark city")


def test_a_failing_model_still_gets_a_spoken_answer_and_no_error_is_shown(server: FakeLLMServer) -> None:
    """HTTP 500 from the model: the visitor hears the offline answer; no error text, no key, on screen."""
    server.mode = "error500"
    steps = [Step("ask", lambda app, s: True, ask("When is the conference?")), Step("speaks", speaking),
             Step("done", answer_over)]
    driver, sink, _ = drive(parse("--base-url", server.base_url), steps, env={"OPENAI_API_KEY": SECRET})
    assert server.requests and sink.plays() >= 1
    shown = " ".join(driver.captions() + [s.hint for s in driver.frames])
    assert "Conference" in shown
    for leak in ("exploded", SECRET, "500", "error", "Error"):
        assert leak not in shown


def test_a_voice_that_fails_shows_the_words_without_sound() -> None:
    """If the speech engine fails on a chunk, its words still appear as a caption; nothing is said about it."""
    engine = FakeEngine(letter_s=0.006, fail_on="warmly")
    silent = "The city warmly invites partners from around the world to join."
    steps = [Step("ask", lambda app, s: True, ask("When is the conference?")),
             Step("silent caption", lambda app, s: s.caption is not None and s.caption.text == silent)]
    driver, sink, _ = drive(parse(), steps, speak=lambda text: engine.synthesize(text, VoiceSettings()))
    assert "Conference" in driver.captions()[0] and sink.plays() == 1, "only the first chunk was heard"
    assert all("fail" not in c for c in driver.captions())


# --- real parts ------------------------------------------------------------------------------------------

def test_real_espeak_voice_and_nothing_typed_is_written_to_disk(tmp_path: Path, monkeypatch) -> None:
    """With the real espeak-ng voice the answer is heard; the question appears in no file afterwards."""
    monkeypatch.chdir(tmp_path)
    typed = "When is the conference zebracorn?"
    steps = [Step("ask", lambda app, s: True, ask(typed)), Step("speaks", speaking)]
    args = parse("--engine", "pyttsx3")
    setup = build_kiosk(command.config_from_args(args), env={})
    speak, _ = engine_voice("pyttsx3", setup.voice_settings)
    sink = Sink()
    driver = Driver(sink, steps, deadline_s=25)
    command.run_window(args, setup, speak=speak, sound=sink, on_frame=driver)
    assert driver.steps == [] and sink.plays() >= 1
    played_s = sum(d for d, _ in sink.played)
    assert played_s > 1.0, "espeak spoke real audio"
    for folder in (tmp_path, Path(os.environ["AVATAR_CACHE_DIR"])):
        for path in folder.rglob("*"):
            if path.is_file():
                assert b"zebracorn" not in path.read_bytes(), path


def test_command_line_runs_the_window_and_logs_only_when_asked(tmp_path: Path) -> None:
    """`avatar kiosk --windowed` opens, greets and exits cleanly; --log receives the events."""
    log = tmp_path / "kiosk.jsonl"
    args = parse("--engine", "fake", "--max-seconds", "1.5", "--attract-after", "0.2", "--log", str(log))
    args.no_attract = False
    assert command.run(args, env={}) == 0
    events = [line for line in log.read_text(encoding="utf-8").splitlines()]
    assert '"event": "ready"' in events[0] and '"event": "greeting"' in events[1] and '"exit"' in events[-1]
    bad = parse("--operator-key", "q")
    assert command.run(bad, env={}) == 2


def test_screenshot_shows_box_hint_and_caption(tmp_path: Path) -> None:
    """A 1280x720 frame mid-answer: the presenter, a caption, the typed follow-up in the box, the hint."""
    shot = tmp_path / "kiosk.png"

    def save(app: KioskApp) -> None:
        pygame.image.save(pygame.display.get_surface(), str(shot))

    steps = [
        Step("ask", lambda app, s: True, ask("When is the conference?")),
        Step("speaks", lambda app, s: speaking(app, s) and s.caption is not None and s.caption.current_word >= 2,
             lambda app: post_text("And who is invited?")),
        Step("typed", lambda app, s: s.input_text == "And who is invited?", save),
    ]
    args = parse("--size", "1280x720")
    drive(args, steps, speak=fast_voice(0.05))
    image = pygame.image.load(str(shot))
    assert image.get_size() == (1280, 720)
    if os.environ.get("AVATAR_KEEP_SCREENSHOT"):
        pygame.image.save(image, os.environ["AVATAR_KEEP_SCREENSHOT"])
    # the box (light panel) sits near the bottom, the caption panel (dark) above it
    column = [image.get_at((640, y))[:3] for y in range(360, 720)]
    assert any(sum(px) > 700 for px in column), "the light input box is drawn"


def test_a_failure_inside_a_frame_is_logged_and_the_kiosk_carries_on(monkeypatch, caplog) -> None:
    """Something breaks while drawing: the error kind is logged once, and the next visitor is still answered."""
    failures = {"left": 3}
    real_hint = KioskApp._hint

    def broken_hint(self: KioskApp, u):
        if failures["left"] > 0:
            failures["left"] -= 1
            raise RuntimeError("boom")
        return real_hint(self, u)

    monkeypatch.setattr(KioskApp, "_hint", broken_hint)
    steps = [Step("recovered", lambda app, s: failures["left"] == 0, ask("When is the conference?")),
             Step("speaks", speaking)]
    with caplog.at_level("ERROR", logger="avatar.kiosk"):
        drive(parse(), steps)
    messages = [r.getMessage() for r in caplog.records]
    assert messages == ["kiosk frame failed (RuntimeError); carrying on"]
