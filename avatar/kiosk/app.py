"""The full-screen kiosk: visitors type questions, the avatar answers aloud with captions, and greets when idle.

Threads: this one owns the window, the keyboard, the show clock and every timeline; one thread per
answer streams it from the session into the speech pipeline; the pipeline's thread synthesises
chunks and hands them back (`Utterance.deliver`); push-to-talk recognises on its own thread
(`kiosk/talk.py`). Keys: type and Enter to ask, Esc to stop the answer; hold the talk key (default Tab,
or a joystick button) to ask by voice, then Enter; the operator's combinations (default Ctrl+Shift+Q,
Ctrl+Shift+F) quit and toggle full screen.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from dataclasses import dataclass, replace
from typing import Any, Callable, Iterator

from avatar.clock import LiveClock
from avatar.kiosk.answerer import AnswerEvent
from avatar.kiosk import phrases
from avatar.kiosk.attract import AttractSchedule, greetings
from avatar.kiosk.build import KioskSetup
from avatar.kiosk.chunker import chunk_text_stream
from avatar.kiosk.events import EventWriter
from avatar.kiosk.keys import KeyCombo, parse_combo, parse_talk_key
from avatar.kiosk.live import Kind, Utterance
from avatar.kiosk.pipeline import SpeechPipeline, SpokenChunk
from avatar.kiosk.reaction import react
from avatar.kiosk.talk import PushToTalk, Spoken
from avatar.kiosk.textbox import TextBox
from avatar.language import guess_language
from avatar.listen.keep import HeardAudio
from avatar.scene_state import LowerThird, SceneState
from avatar.show import Show, ShowOptions
from avatar.sound import SoundOut
from avatar.timeline import Timeline
from avatar.tts.base import Speech
from avatar.window import Window

STALL_PATIENCE_S = 45.0    # an answer that neither speaks nor ends for this long is given up silently
NAME_SHOW_S = 8.0          # the speaker's name shows this long at start-up (and during greetings)
NAME_FADE_S = 0.5
CURSOR_BLINK_S = 0.53
ERROR_LOG_EVERY_S = 10.0   # a failure repeating every frame is logged at most this often


@dataclass(frozen=True)
class KioskOptions:
    """How the kiosk window behaves; `attract_after_s` None turns the attract loop off."""

    size: tuple[int, int] = (1280, 720)
    fullscreen: bool = True
    fps: int = 30
    look: str = "official"
    face: str | None = None           # a portrait photo or mouth-sprite folder instead of the drawn face
    quit_key: str = "ctrl+shift+q"
    fullscreen_key: str = "ctrl+shift+f"
    attract_after_s: float | None = 20.0
    attract_every_s: float = 45.0
    max_seconds: float | None = None   # tests and demos: stop by itself after this long
    talk_key: str = "tab"              # hold to ask by voice
    talk_button: int | None = None     # or hold this joystick button (a USB arcade button is a joystick)


@dataclass
class KioskStats:
    frames: int = 0
    questions: int = 0
    greetings: int = 0
    resets: int = 0
    interrupted: int = 0
    frame_errors: int = 0
    quit_by_operator: bool = False


def _quoted(question: str, max_chars: int = 70) -> str:
    """The visitor's question for the hint line, quoted and cut to fit."""
    if not question:
        return ""
    if len(question) > max_chars:
        question = question[: max_chars - 1].rstrip() + "\u2026"
    return f"\u201c{question}\u201d"


def _ramp(t: float, a: float, b: float) -> float:
    return 0.0 if t <= a else 1.0 if t >= b else (t - a) / (b - a)


class KioskApp:
    """The kiosk's window and decisions. `run()` until the operator quits (or `max_seconds`)."""

    def __init__(self, setup: KioskSetup, options: KioskOptions, *, speak: Callable[[str], Speech],
                 sound: SoundOut, events: EventWriter | None = None,
                 warm_up: Callable[[], None] | None = None, logger: logging.Logger | None = None,
                 talk: PushToTalk | None = None, keep: HeardAudio | None = None) -> None:
        self.setup = setup
        self.session = setup.session
        self.options = options
        self.sound = sound
        self.events = events
        self.warm_up = warm_up
        self.log = logger or setup.session.log
        self._synthesize = speak
        self.quit_key: KeyCombo = parse_combo(options.quit_key)
        self.fullscreen_key: KeyCombo = parse_combo(options.fullscreen_key)
        self.talk_key = parse_talk_key(options.talk_key)
        self.talk = talk or PushToTalk(None, None, key_name=options.talk_key.title(),
                                       language=setup.grounding.persona.language, logger=self.log)
        self.keep = keep or HeardAudio(None)
        self._heard: tuple[Spoken, str | None] | None = None   # the last recognised question, until asked
        self._voice_count = 0
        self._joysticks: list[Any] = []
        speaker = setup.grounding.persona.speaker
        self.window = Window(f"avatar kiosk \u2014 {speaker}" if speaker else "avatar kiosk", options.size,
                             self._make_scene, fullscreen=options.fullscreen, kiosk=True)
        self.box = TextBox(self.session.rules.max_question_chars)
        self.clock = LiveClock()
        self.stats = KioskStats()
        self.state: SceneState | None = None
        self.current: Utterance | None = None    # written on this thread only; read by the speech thread
        self.pipeline: SpeechPipeline | None = None
        self._greetings = greetings(setup.grounding.persona)
        self._ids = 0
        self._idle_show = Show(Timeline(), self._show_options())
        self._shows: dict[int, Show] = {}
        self._running = False
        now = time.perf_counter()
        self._last_typing_s = float("-inf")
        self._reset_done = True            # nothing to forget before the first visitor
        self._next_idle_check_s = now
        self.attract = AttractSchedule(options.attract_after_s, options.attract_every_s, now)
        self._name_from_s = now + 0.5
        self._name_until_s = now + NAME_SHOW_S
        self._last_error_log_s = float("-inf")
        self._question = ""               # the question being answered, shown in the hint line
        self._language = "en"             # of the last question: the hints under its answer follow it

    # --- public API -----------------------------------------------------------------------------------
    def run(self, on_frame: Callable[["KioskApp", SceneState], None] | None = None) -> KioskStats:
        """Open the window and serve visitors until the operator quits; `on_frame` is for tests."""
        import pygame

        t0 = time.perf_counter()
        self.pipeline = SpeechPipeline(self._synthesize, on_chunk=self._on_chunk, on_end=self._on_end,
                                       on_error=self._on_speech_error, logger=self.log)
        ticker = pygame.time.Clock()
        self._running = True
        try:
            screen = self._open_window()
            try:
                self._draw(screen, time.perf_counter())   # the avatar is there at once ...
                pygame.display.flip()
            except Exception as exc:  # noqa: BLE001 - the loop below draws again
                self._failed("kiosk frame", exc, time.perf_counter())
            if self.warm_up is not None:
                self.warm_up()                          # ... while the voice and the model client start
            self.clock.start(0.0)
            self._note("ready", **self.setup.info())
            while self._running:
                now = time.perf_counter()
                if self.options.max_seconds is not None and now - t0 >= self.options.max_seconds:
                    break
                try:
                    screen = self._step(screen, now)
                except Exception as exc:  # noqa: BLE001 - the kiosk never dies; it logs and draws on
                    self._failed("kiosk frame", exc, now)
                if on_frame is not None and self.state is not None:
                    on_frame(self, self.state)
                self.stats.frames += 1
                ticker.tick(self.options.fps)
        finally:
            self._shutdown()
        return self.stats

    def ask(self, text: str) -> bool:
        """Ask `text` as if typed and entered: the current answer or greeting stops at once."""
        clean = self.session.clean(text)
        if not clean.text:
            return False
        self.interrupt()
        now = time.perf_counter()
        self._activity(now)
        self._name_until_s = min(self._name_until_s, now)   # the caption needs the room now
        utterance = self._new_utterance("answer", now)
        self._question = clean.text       # on screen from the next frame, with the presenter's reaction
        self._language = guess_language(clean.text, self.setup.grounding.persona.language)
        self.stats.questions += 1
        self._note("question", q=utterance.id, text=clean.text, **self._voice_fields(clean.text))
        events = self.session.ask(clean)
        threading.Thread(target=self._stream, args=(utterance.id, events),
                         name=f"avatar-kiosk-answer-{utterance.id}", daemon=True).start()
        return True

    def interrupt(self) -> bool:
        """Stop what is being said now: audio off, answer stream closed, queued chunks dropped."""
        u = self.current
        if u is None:
            return False
        self.current = None
        self._shows.pop(u.id, None)
        self.sound.stop()
        if u.kind == "answer":
            self.session.cancel()
            self.stats.interrupted += 1
            self._note("answer_end", q=u.id, interrupted=True)
        else:
            self._greeting_over(time.perf_counter())
        if self.pipeline is not None:
            self.pipeline.drop(u.id)
        return True

    def greet(self) -> None:
        """Say the next attract-loop greeting."""
        now = time.perf_counter()
        line = self._greetings[self.attract.count % len(self._greetings)]
        u = self._new_utterance("greeting", now)
        self.stats.greetings += 1
        self._note("greeting", q=u.id, text=line)
        if now >= self._name_until_s + NAME_FADE_S:
            self._name_from_s = now
        self._name_until_s = float("inf")
        assert self.pipeline is not None
        for index, text in enumerate(chunk_text_stream([line])):
            self.pipeline.submit(u.id, AnswerEvent("chunk", text=text, index=index, source="greeting"))
        self.pipeline.submit(u.id, AnswerEvent("answer_end", source="greeting"))

    # --- one frame ------------------------------------------------------------------------------------
    def _step(self, screen: Any, now: float) -> Any:
        import pygame

        for event in pygame.event.get():
            screen = self._handle(event, screen, now)
            if not self._running:
                return screen
        self._take_spoken(now)
        self._advance(now)
        self._draw(screen, now)
        pygame.display.flip()
        return screen

    def _advance(self, now: float) -> None:
        t = self.clock.time_s()
        u = self.current
        if u is not None:
            u.place_ready(t, now)
            u.start_due(1.0 / self.options.fps)
            t = self.clock.time_s()
            if u.finished(t):
                self._finished(u, now)
            elif u.stalled(t, now, STALL_PATIENCE_S):
                self.log.warning("an answer stopped making progress; dropping it")
                self.interrupt()
        if self.current is None and not self.box.text and not self.talk.busy and self.attract.due(now):
            self.greet()
        if now >= self._next_idle_check_s:
            self._next_idle_check_s = now + 1.0
            self._reset_if_idle()

    def _finished(self, u: Utterance, now: float) -> None:
        self.current = None
        self._shows.pop(u.id, None)
        if u.kind == "answer":
            self._activity(now)   # the quiet time starts when the voice stops
        else:
            self._greeting_over(now)

    def _reset_if_idle(self) -> None:
        """When the session says nobody is there (no key, no answer), the next visitor starts fresh:
        the conversation is forgotten and the half-typed question goes too."""
        busy = (self.current is not None and self.current.kind == "answer") or self.talk.busy
        if busy or self._reset_done or not self.session.idle():
            return
        self._reset_done = True
        forgot = self.session.reset_if_idle()
        typed = bool(self.box.text)
        self.box.clear()
        self._heard = None
        if forgot or typed:
            self.stats.resets += 1
            self._note("reset")

    # --- keyboard -------------------------------------------------------------------------------------
    def _handle(self, event: Any, screen: Any, now: float) -> Any:
        import pygame

        if event.type == pygame.QUIT:
            if not self.fullscreen:   # a window's close button; full screen has none a visitor could use
                self._quit()
        elif event.type == pygame.TEXTINPUT:
            if self.talk_key < 0x80 and event.text == chr(self.talk_key):
                pass   # the talk key's own character (Tab) is not part of the question
            elif self.box.insert(event.text):
                self._typed(now)
        elif event.type == pygame.KEYUP and event.key == self.talk_key:
            self._talk_up(now)
        elif event.type in (pygame.JOYBUTTONDOWN, pygame.JOYBUTTONUP):
            if getattr(event, "button", None) == self.options.talk_button:
                (self._talk_down if event.type == pygame.JOYBUTTONDOWN else self._talk_up)(now)
        elif event.type == pygame.JOYDEVICEADDED and self.options.talk_button is not None:
            self._joysticks.append(pygame.joystick.Joystick(event.device_index))   # its buttons now report
        elif event.type == pygame.KEYDOWN:
            mod = getattr(event, "mod", 0)
            if event.key == self.talk_key and not self.quit_key.matches(event.key, mod):
                self._talk_down(now)
            elif self.quit_key.matches(event.key, mod):
                self._quit()
            elif self.fullscreen_key.matches(event.key, mod):
                screen = self.window.toggle_fullscreen()
            elif event.key == pygame.K_ESCAPE:
                self.interrupt()
                self.talk.cancel()
                self.box.clear()
                self._heard = None
                self._activity(now)
            elif event.key in (pygame.K_RETURN, pygame.K_KP_ENTER):
                question = self.box.take()
                if question:
                    self.ask(question)
            elif event.key == pygame.K_BACKSPACE:
                changed = self.box.delete_word() if mod & (pygame.KMOD_CTRL | pygame.KMOD_ALT) \
                    else self.box.backspace()
                if changed:
                    self._typed(now)
        return screen

    # --- voice questions ----------------------------------------------------------------------------------
    def _talk_down(self, now: float) -> None:
        self._activity(now)
        if self.talk.press(now):
            self.interrupt()   # the visitor speaks: the presenter stops, and does not talk into the mic

    def _talk_up(self, now: float) -> None:
        self._activity(now)
        self.talk.release(now)

    def _take_spoken(self, now: float) -> None:
        """A recognised question goes into the box, to be checked, corrected and asked with Enter."""
        spoken = self.talk.poll(now)
        if spoken is None:
            return
        self._voice_count += 1
        kept = self.keep.keep(spoken.audio, self._voice_count)
        self.box.clear()
        self.box.insert(spoken.heard.text)
        self._heard = (spoken, kept)
        self._typed(now)
        fields: dict[str, Any] = {"text": spoken.heard.text, "engine": spoken.heard.engine,
                                  "decode_s": round(spoken.heard.decode_s, 3)}
        if kept:
            fields["kept"] = kept
        self._note("heard", **fields)

    def _voice_fields(self, asked: str) -> dict[str, Any]:
        """For the `question` event: whether it was spoken, and what was heard if the visitor corrected it."""
        if self._heard is None:
            return {}
        heard = self._heard[0].heard.text
        self._heard = None
        return {"voice": True} if heard == asked else {"voice": True, "heard": heard}

    def _typed(self, now: float) -> None:
        self._last_typing_s = now
        if not self.box.text:
            self._heard = None   # all of the recognised text was rubbed out: what comes next is typed
        self._activity(now)
        if self.current is not None and self.current.kind == "greeting":
            self.interrupt()   # a greeting gives way to a visitor at once; an answer waits for Enter

    def _activity(self, now: float) -> None:
        self.session.touch()
        self._reset_done = False
        self.attract.activity(now)

    def _quit(self) -> None:
        self.stats.quit_by_operator = True
        self._running = False

    # --- answers and greetings ------------------------------------------------------------------------
    def _new_utterance(self, kind: Kind, now: float) -> Utterance:
        self._ids += 1
        u = Utterance(self._ids, kind, self.clock, self.sound, now)
        self.current = u
        return u

    def _greeting_over(self, now: float) -> None:
        self.attract.greeted(now)
        self._name_until_s = min(self._name_until_s, now)

    def _stream(self, answer_id: int, events: Iterator[AnswerEvent]) -> None:
        """Answer thread: hand the session's chunks to the speech pipeline as they stream in."""
        assert self.pipeline is not None
        ended = False
        try:
            for ev in events:
                if ev.kind in ("chunk", "answer_end"):
                    ended = ended or ev.kind == "answer_end"
                    self.pipeline.submit(answer_id, ev)
                elif ev.kind == "error":
                    self._note("error", q=answer_id, kind=ev.text, source=ev.source)  # kind only, never shown
                elif ev.kind == "answer_source":
                    self._note("answer_source", q=answer_id, source=ev.source)
        except Exception as exc:  # noqa: BLE001 - one bad answer must not end the kiosk
            u = self.current
            if u is not None and u.id == answer_id:   # a cancelled answer may fail on its way out
                self.log.error("answer failed unexpectedly (%s)", type(exc).__name__)
        finally:
            if not ended:
                self.pipeline.submit(answer_id, AnswerEvent("answer_end", interrupted=True))

    def _on_chunk(self, chunk: SpokenChunk) -> None:
        u = self.current
        if u is not None and u.id == chunk.answer_id:
            u.deliver(chunk.speech)
            if u.kind == "answer":
                self._note("chunk", q=chunk.answer_id, index=chunk.index, text=chunk.text,
                           audio_s=round(chunk.speech.duration_s, 3))

    def _on_end(self, answer_id: int, ev: AnswerEvent) -> None:
        u = self.current
        if u is not None and u.id == answer_id:
            u.end()
            if u.kind == "answer":
                self._note("answer_end", q=answer_id, source=ev.source, interrupted=ev.interrupted)

    def _on_speech_error(self, answer_id: int, kind: str) -> None:
        self._note("error", q=answer_id, kind=kind)

    # --- picture --------------------------------------------------------------------------------------
    def _show_options(self) -> ShowOptions:
        # Show time is the kiosk's lifetime: a title card or a lower third tied to t = 0 would be wrong.
        return ShowOptions(title_card=False, lower_third=False)

    def _draw(self, screen: Any, now: float) -> None:
        t = self.clock.time_s()
        u = self.current
        if u is None:
            show = self._idle_show
        else:
            show = self._shows.get(u.id)
            if show is None:
                show = self._shows[u.id] = Show(u.timeline, self._show_options())
        cursor_on = now - self._last_typing_s < CURSOR_BLINK_S or int(now / CURSOR_BLINK_S) % 2 == 0
        state = show.state_at(t, input_text=self.box.text, cursor_on=cursor_on, hint=self._hint(u))
        if u is not None and u.kind == "answer":   # look at the visitor, nod, think until the first words
            since_speech = t - u.clip_starts[0][1] if u.clip_starts else None
            since_ask = max(0.0, now - u.created_wall_s)   # asked during this frame's events: 0
            state = replace(state, face=react(state.face, since_ask, since_speech))
        opacity = min(_ramp(now, self._name_from_s, self._name_from_s + NAME_FADE_S),
                      1.0 - _ramp(now, self._name_until_s, self._name_until_s + NAME_FADE_S))
        persona = self.setup.grounding.persona
        if opacity > 0 and persona.speaker:
            state = replace(state, lower_third=LowerThird(persona.speaker, persona.role, opacity))
        listening = self.talk.view(now)
        if listening is not None:
            state = replace(state, listening=listening)
        self.state = state
        self.window.scene(screen).draw(screen, state)

    def _hint(self, u: Utterance | None) -> str:
        if u is not None and u.kind == "answer":
            asked = _quoted(self._question)
            if not u.has_spoken():
                wait = phrases.HINT_THINKING if self._language == "zh" else "one moment\u2026"
                return f"{asked} \u00b7 {wait}" if asked else wait[:1].upper() + wait[1:]
            if self._language == "zh":
                return f"{asked} \u00b7 {phrases.HINT_ANSWERING}" if asked else phrases.HINT_ANSWERING
            return f"{asked} \u00b7 Esc stops the answer" if asked else \
                "Type a new question at any time \u00b7 Esc stops the answer"
        if self.box.text:
            if self._heard is not None:
                return phrases.HINT_HEARD if guess_language(self.box.text) == "zh" else \
                    "Is this right? Press Enter to ask \u00b7 type to correct \u00b7 Esc clears"
            return phrases.HINT_TYPING if guess_language(self.box.text) == "zh" else "Press Enter to ask \u00b7 Esc clears"
        title = self.setup.grounding.persona.title
        english = f"Ask me about {title}" if title else "Type your question and press Enter"
        hint = phrases.bilingual(english, phrases.HINT_IDLE, self.setup.grounding.persona.language)
        talk = self.talk.hint()
        return f"{hint} \u00b7 {talk}" if talk else hint

    @property
    def fullscreen(self) -> bool:
        return self.window.fullscreen

    def _make_scene(self, size: tuple[int, int]) -> Any:
        from avatar.face.look import get_look
        from avatar.scene import Scene

        from dataclasses import replace

        return Scene(size, replace(get_look(self.options.look), face=self.options.face))

    # --- window and shutdown ----------------------------------------------------------------------------
    def _open_window(self) -> Any:
        # SDL would turn Ctrl-C and SIGTERM into a window-close event, which full screen ignores on
        # purpose; leave the signals to Python so a service manager can still stop the kiosk.
        os.environ.setdefault("SDL_NO_SIGNAL_HANDLERS", "1")
        return self.window.open()

    def _shutdown(self) -> None:
        import pygame

        for step in (self.interrupt, self.talk.cancel, self.session.cancel, self.sound.stop, self.window.keep_built):
            try:
                step()
            except Exception as exc:  # noqa: BLE001 - shutting down: keep closing the rest
                self.log.debug("shutdown step failed (%s)", type(exc).__name__)
        if self.pipeline is not None:
            self.pipeline.close(timeout_s=2.0)
        self._note("exit", questions=self.stats.questions)
        try:
            pygame.key.stop_text_input()
        except pygame.error:
            pass
        pygame.display.quit()

    def _failed(self, what: str, exc: BaseException, now: float) -> None:
        self.stats.frame_errors += 1
        if now - self._last_error_log_s >= ERROR_LOG_EVERY_S:
            self._last_error_log_s = now
            self.log.error("%s failed (%s); carrying on", what, type(exc).__name__)

    def _note(self, event: str, **fields: Any) -> None:
        if self.events is not None:
            self.events.emit(event, to_stdout=False, **fields)
