"""The default voice: pyttsx3 (espeak-ng on Linux, SAPI5 on Windows, NSSpeechSynthesizer on macOS).

The engine lives in a child process (see `avatar._tts_worker`), so a hung engine becomes a `TTSError`
after a timeout instead of a frozen app, and its prints never reach our output.
"""

from __future__ import annotations

import multiprocessing
import os
import tempfile
import threading
from typing import Any

from avatar import audio as audio_mod
from avatar.errors import TTSError, UsageError
from avatar import _tts_worker as _worker
from avatar.textseg import tokens
from avatar.tts.base import PhonemeTiming, Speech, VoiceInfo, VoiceSettings, WordTiming, check_rate

# Common language tags whose espeak-ng voice goes by another code.
_LANGUAGE_ALIASES = {"zh": "cmn", "zh-cn": "cmn", "zh-hans": "cmn", "zh-hk": "yue", "zh-yue": "yue",
                     "nb": "nb", "no": "nb"}



def _is_pause(symbol: str) -> bool:
    # "_", "_:" ... are pauses; "(en)" ... "(cmn)" mark a stretch read in another language: no sound
    return symbol.startswith("_") or symbol.startswith("(")


def speech_from_events(text: str, audio: audio_mod.Audio, events: list[tuple[Any, ...]],
                       engine: str) -> Speech:
    """Turn espeak-ng's (kind, ms, ...) events into word and phoneme timings on the audio's time axis."""
    duration_s = audio.duration_s
    ph_events = [(e[1] / 1000.0, e[2]) for e in events if e[0] == "ph" and e[2]]
    phonemes: list[PhonemeTiming] = []
    for i, (start_s, sym) in enumerate(ph_events):
        end_s = ph_events[i + 1][0] if i + 1 < len(ph_events) else duration_s
        start_s = min(start_s, duration_s)
        end_s = min(max(end_s, start_s), duration_s)
        phonemes.append(PhonemeTiming(sym, start_s, end_s))
    w_events = [e for e in events if e[0] == "w"]
    words: list[WordTiming] = []
    for i, (_, ms, text_pos, length) in enumerate(w_events):
        start_s = min(ms / 1000.0, duration_s)
        next_s = w_events[i + 1][1] / 1000.0 if i + 1 < len(w_events) else duration_s
        # A word ends where its last sounding phoneme ends, not where the following pause ends.
        sounding = [p for p in phonemes if start_s <= p.start_s < next_s and not _is_pause(p.symbol)
                    and p.end_s > p.start_s]
        end_s = sounding[-1].end_s if sounding else next_s
        c0 = max(0, min(len(text), int(text_pos) - 1))
        c1 = max(c0, min(len(text), c0 + int(length)))
        words.append(WordTiming(text[c0:c1], start_s, max(start_s, min(end_s, duration_s)), c0, c1))
    return Speech(text=text, audio=audio, words=whole_words(text, words), phonemes=tuple(phonemes),
                  engine=engine)


_EDGE_PUNCTUATION = "\"'“”‘’()[]{},.;:!?…，。！？；：、（）《》「」『』【】"


def whole_words(text: str, words: list[WordTiming]) -> tuple[WordTiming, ...]:
    """One timing per written word: espeak reports "eWeek" as "e" + "Week" and "twenty-three" as
    "twenty" alone, so each event is widened to its whitespace-separated word (less edge punctuation)
    and events inside the same written word are merged.

    Chinese has no spaces: espeak-ng's `cmn` voice reports about one event per character (a number
    or a Latin word as one event, sometimes repeated); its written words come from avatar.textseg."""
    spans = []
    for start, end in tokens(text):
        a, b = start, end
        while a < b and text[a] in _EDGE_PUNCTUATION:
            a += 1
        while b > a and text[b - 1] in _EDGE_PUNCTUATION:
            b -= 1
        spans.append((start, end, a if a < b else start, b if a < b else end))
    out: list[WordTiming] = []
    last_span = None
    for w in words:
        span = next((sp for sp in spans if sp[0] <= w.char_start < sp[1]), None)
        if span is None:
            out.append(w)
            last_span = None
            continue
        if span == last_span and out:
            prev = out[-1]
            out[-1] = WordTiming(prev.text, prev.start_s, max(prev.end_s, w.end_s), prev.char_start, prev.char_end)
            continue
        out.append(WordTiming(text[span[2]:span[3]], w.start_s, w.end_s, span[2], span[3]))
        last_span = span
    return tuple(out)


class Pyttsx3Engine:
    """pyttsx3 in a guarded child process; thread-safe, one request at a time."""

    name = "pyttsx3"

    def __init__(self, *, timeout_s: float = 20.0, start_timeout_s: float = 30.0) -> None:
        self.timeout_s = timeout_s
        self.start_timeout_s = start_timeout_s
        self._lock = threading.Lock()
        self._proc: Any = None
        self._conn: Any = None
        self._fresh = True
        self._voices: list[VoiceInfo] | None = None

    def start(self) -> None:
        """Start the engine process now (it takes a moment) without waiting for it."""
        with self._lock:
            self._ensure()

    def _ensure(self) -> None:
        if self._proc is not None and self._proc.is_alive():
            return
        ctx = multiprocessing.get_context("spawn")
        parent, child = ctx.Pipe()
        proc = ctx.Process(target=_worker.serve, args=(child,), daemon=True, name="avatar-tts")
        proc.start()
        child.close()
        self._proc, self._conn, self._fresh = proc, parent, True

    def _kill(self) -> None:
        if self._proc is not None:
            self._proc.kill()
            self._proc.join(timeout=5)
        if self._conn is not None:
            self._conn.close()
        self._proc = self._conn = None

    def _call(self, request: tuple[Any, ...], timeout_s: float) -> Any:
        with self._lock:
            self._ensure()
            if self._fresh:
                timeout_s += self.start_timeout_s
            try:
                self._conn.send(request)
                ready = self._conn.poll(timeout_s)
                if not ready:
                    self._kill()
                    raise TTSError(f"the speech engine did not answer within {timeout_s:.0f} s; "
                                   "it was restarted (check the voice and text)")
                status, payload = self._conn.recv()
            except (EOFError, OSError, BrokenPipeError) as exc:
                self._kill()
                raise TTSError(f"the speech engine stopped unexpectedly ({type(exc).__name__}); "
                               "check that espeak-ng/pyttsx3 work on this machine") from exc
            self._fresh = False
        if status != "ok":
            raise TTSError(f"speech engine error: {payload}")
        return payload

    def voices(self) -> list[VoiceInfo]:
        if self._voices is None:
            raw = self._call(("voices",), self.timeout_s)
            self._voices = [VoiceInfo(v[0], v[1], tuple(v[2])) for v in raw]
        return list(self._voices)

    def resolve_voice(self, voice: str) -> str:
        """Map a voice id, short id, name or language code to an installed voice id."""
        if not voice:
            return ""
        wanted = voice.strip().lower()
        wanted = _LANGUAGE_ALIASES.get(wanted, wanted)
        voices = self.voices()
        for pick in (
            lambda v: v.id.lower() == wanted,
            lambda v: v.id.lower().rsplit("/", 1)[-1] == wanted,
            lambda v: v.name.lower() == wanted,
            lambda v: wanted in (lang.lower() for lang in v.languages),
        ):
            for v in voices:
                if pick(v):
                    return v.id
        raise UsageError(f"unknown voice '{voice}'; run 'avatar voices' to list the installed voices")

    def synthesize(self, text: str, settings: VoiceSettings) -> Speech:
        check_rate(settings.rate_wpm, "rate")
        voice_id = self.resolve_voice(settings.voice)
        fd, wav_path = tempfile.mkstemp(prefix="avatar-tts-", suffix=".wav")
        os.close(fd)
        try:
            os.unlink(wav_path)  # the engine creates it; its absence tells us it wrote nothing
            result = self._call(("synth", text, voice_id, settings.rate_wpm, wav_path),
                                self.timeout_s + len(text) / 100.0)
            try:
                audio = (audio_mod.read_wav(wav_path) if wav_path.endswith(".wav")
                         else audio_mod.load(wav_path, None))
            except Exception:
                audio = audio_mod.load(wav_path, None)
        finally:
            if os.path.exists(wav_path):
                os.unlink(wav_path)
        return speech_from_events(text, audio, result["events"], f"pyttsx3-{result['driver']}")

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                try:
                    self._conn.send(("quit",))
                except (OSError, BrokenPipeError):
                    pass
            if self._proc is not None:
                self._proc.join(timeout=2)
            self._kill()

    def _debug_sleep(self, seconds: float, timeout_s: float) -> None:
        """Make the engine busy for `seconds` (tests use it to simulate a hang)."""
        self._call(("sleep", seconds), timeout_s)
