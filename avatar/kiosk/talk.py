"""Push-to-talk at the kiosk window: hold the talk key, speak, let go; the words land in the question box.

The window's thread calls `press`, `release`, `poll` and `view`; recognition runs on its own thread so
the presenter keeps moving. Nothing heard is kept here: the caller decides (only with --log).
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from typing import Callable

from avatar.audio import Audio
from avatar.errors import AvatarError
from avatar.listen.base import Heard, RecognitionError, Recogniser
from avatar.listen.mic import MAX_CAPTURE_S, Microphone, loudest_level
from avatar.scene_state import Listening

MIN_HOLD_S = 0.35        # a tap is not a question: it shows how to use the key instead
NOTICE_S = 4.0           # how long a notice ("no microphone", "did not catch that") stays up
QUIET_LEVEL = 0.15       # a recording whose loudest 50 ms stayed below this on the meter was silence


@dataclass(frozen=True)
class Spoken:
    """A recognised question, ready to go into the box; `audio` only for keeping it with --log."""

    heard: Heard
    audio: Audio


class PushToTalk:
    """The talk key's state: idle, listening (key held), recognising, or showing a notice."""

    def __init__(self, mic: Microphone | None, recogniser: Callable[[], Recogniser] | None, *,
                 key_name: str = "Tab", unavailable: str = "", language: str = "en",
                 logger: logging.Logger | None = None) -> None:
        self.mic = mic
        self._recogniser = recogniser
        self.key_name = key_name
        self.unavailable = unavailable    # why voice questions are off, said once when the key is used
        self.language = language
        self.log = logger or logging.getLogger("avatar.kiosk")
        self.listening_since: float | None = None
        self._peak = 0.0
        self._working = False
        self._result: Spoken | None = None
        self._failed: str | None = None    # error kind from the recognition thread
        self._notice = ""
        self._notice_until = float("-inf")
        self._lock = threading.Lock()

    @property
    def available(self) -> bool:
        """A microphone and a recogniser that has not failed to start."""
        if self.mic is None or self._recogniser is None:
            return False
        failure = getattr(self._recogniser, "failure", None)   # a recogniser built on demand that could not be
        if failure is not None and not self.unavailable:
            self.unavailable = _short(str(failure))
        return failure is None

    @property
    def busy(self) -> bool:
        return self.listening_since is not None or self._working

    def press(self, now: float) -> bool:
        """The talk key went down: start listening (True), or say why not."""
        if self.listening_since is not None or self._working:
            return False
        if not self.available:
            self._say(self._unavailable_notice(), now)
            return False
        assert self.mic is not None
        self.mic.start()
        self.listening_since = now
        self._peak = 0.0
        self._notice_until = float("-inf")
        return True

    def release(self, now: float) -> bool:
        """The talk key came up: recognise what was said on a thread (True), or explain a tap."""
        if self.listening_since is None:
            return False
        assert self.mic is not None
        held_s = now - self.listening_since
        self.listening_since = None
        audio = self.mic.stop()
        if held_s < MIN_HOLD_S:
            self._say(self._text(f"Hold {self.key_name} while you speak, then let go",
                                 f"请按住 {self.key_name} 说话，说完松开"), now)
            return False
        if max(self._peak, loudest_level(audio)) < QUIET_LEVEL or audio.duration_s == 0:
            self._say(self._not_heard(), now)
            return False
        self._working = True
        threading.Thread(target=self._recognise, args=(audio,), name="avatar-kiosk-listen",
                         daemon=True).start()
        return True

    def cancel(self) -> None:
        """Stop listening without recognising (Esc, or the kiosk shutting down)."""
        if self.listening_since is not None and self.mic is not None:
            self.mic.stop()
        self.listening_since = None

    def poll(self, now: float) -> Spoken | None:
        """The recognised question once it is ready (then None again); notices for what failed. A key
        held past the recording limit (stuck, or its release lost with the window's focus) lets go."""
        if self.listening_since is not None and now - self.listening_since >= MAX_CAPTURE_S:
            self.release(now)
        with self._lock:
            result, self._result = self._result, None
            failed, self._failed = self._failed, None
        if failed == "voice_off":
            self._say(self._unavailable_notice(), now)
        elif failed is not None:
            self._say(self._not_heard() if failed == "not_heard" else
                      self._text("Sorry, I could not listen just now. Please type your question",
                                 "抱歉，现在无法识别语音，请输入您的问题"), now)
        return result

    def view(self, now: float) -> Listening | None:
        """What the screen shows: the listening pill with the live level, a recognising note, a notice."""
        if self.listening_since is not None and self.mic is not None:
            level = self.mic.level()
            self._peak = max(self._peak, level)
            return Listening("listening", level,
                             self._text(f"Listening\u2026 let go of {self.key_name} when you are done",
                                        f"正在听\u2026 说完请松开 {self.key_name}"))
        if self._working:
            return Listening("recognising", 0.0, self._text("Working out what you said\u2026", "正在识别\u2026"))
        if now < self._notice_until:
            return Listening("notice", 0.0, self._notice)
        return None

    def hint(self) -> str:
        """The idle hint's part about the key, or "" when voice questions are off."""
        if not self.available:
            return ""
        return self._text(f"or hold {self.key_name} and speak", f"或按住 {self.key_name} 说话")

    # --- inside -------------------------------------------------------------------------------------
    def _recognise(self, audio: Audio) -> None:
        result: Spoken | None = None
        failed: str | None = None
        try:
            assert self._recogniser is not None
            heard = self._recogniser().transcribe(audio)
            if heard.text.strip():
                result = Spoken(heard, audio)
            else:
                failed = "not_heard"
        except RecognitionError as exc:
            self.log.warning("speech recognition failed (%s)", exc.kind)
            failed = exc.kind
        except AvatarError as exc:   # the recogniser cannot start here (missing extra, English only, no key)
            self.log.warning("voice questions are off: %s", exc)
            self.unavailable = _short(str(exc))
            failed = "voice_off"
        except Exception as exc:  # noqa: BLE001 - the kiosk never dies of a recogniser
            self.log.error("speech recognition failed unexpectedly (%s)", type(exc).__name__)
            failed = "internal"
        with self._lock:
            self._result, self._failed = result, failed
            self._working = False

    def _say(self, text: str, now: float) -> None:
        self._notice = text
        self._notice_until = now + NOTICE_S

    def _unavailable_notice(self) -> str:
        why = self.unavailable or "voice questions are off"
        return self._text(f"Sorry, {why}. Please type your question",
                          f"抱歉，无法使用语音提问（{why}），请输入您的问题")

    def _not_heard(self) -> str:
        return self._text(f"Sorry, I did not catch that. Hold {self.key_name} and try again, or type",
                          f"抱歉，没有听清。请按住 {self.key_name} 再说一次，或直接输入")

    def _text(self, english: str, chinese: str) -> str:
        return chinese if self.language == "zh" else english



def _short(reason: str) -> str:
    """A setup error's problem part for the screen: before the fix (after ';') and without a final stop."""
    return reason.split(";")[0].strip().rstrip(".")
