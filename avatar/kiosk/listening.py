"""Voice questions at the kiosk: the recogniser built on first use, and headless `{"audio": ...}` lines.

A headless input line that is a JSON object `{"audio": "question.wav"}` is a recorded question: it is
recognised, a `heard` event says what was understood, and the text is asked like a typed line (its
`question` event carries it, with `"voice": true`). Every other line is a typed question.
"""

from __future__ import annotations

import json
import logging
import threading
from pathlib import Path
from typing import Any, Callable

from avatar.audio import load as load_audio
from avatar.errors import AvatarError, UsageError
from avatar.kiosk.events import EventWriter
from avatar.listen.base import RecognitionError, Recogniser
from avatar.listen.keep import HeardAudio
from avatar.listen.mic import CAPTURE_RATE_HZ


class RecogniserOnDemand:
    """Builds the recogniser once, when first needed (a kiosk that is never spoken to never loads it).

    Calling it returns the recogniser or raises the build's error (the same one every time)."""

    def __init__(self, build: Callable[[], Recogniser]) -> None:
        self._build = build
        self._recogniser: Recogniser | None = None
        self._error: AvatarError | None = None
        self._lock = threading.Lock()

    @property
    def failure(self) -> AvatarError | None:
        """Why the recogniser could not be built, once that has been tried and failed."""
        return self._error

    def __call__(self) -> Recogniser:
        with self._lock:
            if self._recogniser is None and self._error is None:
                try:
                    self._recogniser = self._build()
                except AvatarError as exc:
                    self._error = exc
            if self._error is not None:
                raise self._error
            assert self._recogniser is not None
            return self._recogniser

    def warm_up(self, log: logging.Logger) -> None:
        """Build now (at start-up, off the visitor's time); a failure is logged once and kept."""
        try:
            self()
        except AvatarError as exc:
            log.warning("voice questions are off: %s", exc)
        except Exception as exc:  # noqa: BLE001 - a start-up thread: log it, the kiosk carries on
            log.error("the speech recogniser could not start (%s)", type(exc).__name__)


def audio_request(line: str) -> tuple[str | None, str]:
    """(audio path, "") for a voice-question line; (None, "") for a typed line; (None, problem) for a JSON
    object that is not a proper voice question."""
    text = line.strip()
    if not (text.startswith("{") and text.endswith("}")):
        return None, ""
    try:
        obj = json.loads(text)
    except ValueError:
        return None, ""      # a typed question that happens to be in braces
    if not isinstance(obj, dict):
        return None, ""
    path = obj.get("audio")
    if not isinstance(path, str) or not path.strip():
        return None, 'a voice question line is {"audio": "question.wav"}: give the recording\'s path as text'
    return path, ""


class VoiceLines:
    """Turns headless input lines into questions: typed lines as they are, voice lines recognised."""

    def __init__(self, recogniser: Callable[[], Recogniser], writer: EventWriter, *,
                 keep: HeardAudio | None = None, base_dir: Path | None = None,
                 logger: logging.Logger | None = None) -> None:
        self.recogniser = recogniser
        self.writer = writer
        self.keep = keep or HeardAudio(None)
        self.base_dir = base_dir
        self.log = logger or logging.getLogger("avatar.kiosk")
        self.count = 0
        self._told_off = False

    def question(self, line: str) -> tuple[str, dict[str, Any]] | None:
        """(question text, extra fields for its `question` event), or None when a voice line failed
        (its `error` event is written; the kiosk goes on with the next line)."""
        try:
            return self._question(line)
        except Exception as exc:  # noqa: BLE001 - one bad recording must not stop the kiosk reading
            self.log.error("a voice question failed unexpectedly (%s)", type(exc).__name__)
            self._fail("internal", "the voice question could not be handled", None)
            return None

    def _question(self, line: str) -> tuple[str, dict[str, Any]] | None:
        path, problem = audio_request(line)
        if problem:
            self._fail("bad_line", problem, None)
            return None
        if path is None:
            return line, {}
        self.count += 1
        file = Path(path).expanduser()
        if self.base_dir is not None and not file.is_absolute():
            file = self.base_dir / file
        try:
            audio = load_audio(file, CAPTURE_RATE_HZ)
        except UsageError as exc:
            self._fail("bad_audio", str(exc), path)
            return None
        try:
            heard = self.recogniser().transcribe(audio)
        except RecognitionError as exc:
            self._fail(exc.kind, str(exc), path)
            return None
        except AvatarError as exc:   # the recogniser cannot be built (missing extra, no model)
            if not self._told_off:
                self._told_off = True
                self.log.warning("voice questions are off: %s", exc)
            self._fail("voice_off", str(exc), path)
            return None
        fields: dict[str, Any] = {"audio": path, "text": heard.text, "engine": heard.engine,
                                  "decode_s": round(heard.decode_s, 3)}
        kept = self.keep.keep(audio, self.count)
        if kept:
            fields["kept"] = kept
        self.writer.emit("heard", **fields)
        if not heard.text.strip():
            self._fail("not_heard", "no words were recognised in the recording", path)
            return None
        return heard.text, {"voice": True}

    def _fail(self, kind: str, message: str, path: str | None) -> None:
        fields: dict[str, Any] = {"kind": kind, "message": message}
        if path is not None:
            fields["audio"] = path
        self.writer.emit("error", **fields)
