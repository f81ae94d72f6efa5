"""Child process that owns pyttsx3: one engine, one file per runAndWait, phoneme events captured.

It lives outside `avatar.tts` so that starting it imports only the standard library, pyttsx3 and
`avatar._espeak_events` (ctypes only; like pyttsx3, imported when the engine starts).

It runs apart from the app so that the engine's prints, its event loop and a hang never reach
the main process. Protocol over a multiprocessing Connection, one request at a time:

    ("synth", text, voice, rate_wpm, wav_path) -> ("ok", {"wav": path, "rate_hz": int,
                                                   "events": [(kind, ms, ...)], "driver": str})
    ("voices",)                                 -> ("ok", [(id, name, [languages])])
    ("sleep", seconds)                          -> ("ok", None)   # lets tests simulate a hung engine
    ("quit",)                                   -> process exits
Errors come back as ("error", "one-line message").
"""

from __future__ import annotations

import contextlib
import ctypes
import io
import os
import sys
import time
import wave
from typing import Any


def _silence_fds() -> None:
    """Send the engine's C-level prints (fd 1 and 2) to nowhere; our pipe is separate."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.dup2(devnull, 2)
    sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - lives as long as the process
    sys.stderr = open(os.devnull, "w")  # noqa: SIM115


def _preload_espeak() -> str | None:
    """Load the espeak-ng shipped by espeakng-loader so pyttsx3 finds it without a system package.

    A system libespeak-ng is preferred when present (it knows the system's voices).
    Returns the data path to hand to espeak_Initialize, or None to let espeak use its default.
    """
    if not sys.platform.startswith("linux"):
        return None
    if os.environ.get("AVATAR_ESPEAK") != "bundled":
        try:
            ctypes.CDLL("libespeak-ng.so.1", mode=ctypes.RTLD_GLOBAL)
            return None
        except OSError:
            pass
    try:
        import espeakng_loader
    except ImportError:
        return None
    data = espeakng_loader.get_data_path()
    os.environ["ESPEAK_DATA_PATH"] = data
    lib = espeakng_loader.get_library_path()
    # pyttsx3 opens "libespeak-ng.so.1" by soname; the loader ships that name beside the .so.
    so1 = os.path.join(os.path.dirname(lib), "libespeak-ng.so.1")
    ctypes.CDLL(so1 if os.path.exists(so1) else lib, mode=ctypes.RTLD_GLOBAL)
    return data


class _Engine:
    def __init__(self) -> None:
        data_path = _preload_espeak()
        import pyttsx3

        from avatar._espeak_events import Capture

        self.capture = Capture()
        self.rate_hz = 22050  # espeak-ng's output rate (audio.VOICE_RATE_HZ; this process keeps numpy out)
        self._last_settings: tuple[str, int] | None = None
        self.driver_name = "default"
        self._espeak = None
        if sys.platform.startswith("linux"):
            from pyttsx3.drivers import _espeak
            from pyttsx3.drivers.espeak import EspeakDriver

            # pyttsx3 initialises espeak without phoneme events; espeak can be initialised only
            # once per process, so initialise it ourselves first with phoneme events on.
            if not EspeakDriver._moduleInitialized:
                rate = _espeak.Initialize(_espeak.AUDIO_OUTPUT_RETRIEVAL, 100,
                                          data_path.encode() if data_path else None, 1)
                if rate == -1:
                    raise RuntimeError("espeak-ng could not start")
                self.rate_hz = int(rate)
                current = _espeak.GetCurrentVoice()
                EspeakDriver._defaultVoice = (current.contents.name.decode("utf-8")
                                              if current and current.contents.name else "en")
                EspeakDriver._moduleInitialized = True
            self.engine = pyttsx3.init("espeak")
            self._espeak = _espeak
            self.driver_name = "espeak"
            driver = self.engine.proxy._driver
            inner = driver._onSynth

            def on_synth(wav: Any, numsamples: int, events: Any) -> int:
                # pyttsx3 writes its file before adding the last callback's samples, so short texts
                # come out empty and long ones clipped; keep every sample ourselves.
                self.capture.add(wav, numsamples, events)
                return inner(wav, numsamples, events)

            _espeak.SetSynthCallback(on_synth)
        else:
            self.engine = pyttsx3.init()
            self.driver_name = type(self.engine.proxy._driver).__module__.rsplit(".", 1)[-1]
        self.default_voice = self.engine.getProperty("voice")

    def voices(self) -> list[tuple[str, str, list[str]]]:
        out = []
        for v in self.engine.getProperty("voices"):
            langs = [lang.decode("utf-8", "replace") if isinstance(lang, bytes) else str(lang)
                     for lang in (v.languages or [])]
            out.append((str(v.id), str(v.name), langs))
        return out

    def synth(self, text: str, voice: str, rate_wpm: int, wav_path: str) -> dict[str, Any]:
        if self.driver_name == "espeak":
            if (voice, rate_wpm) != self._last_settings:
                # Set at once (pyttsx3 would queue them), then speak a throwaway word: espeak-ng
                # applies a changed rate only from the utterance after the change.
                driver = self.engine.proxy._driver
                driver.setProperty("voice", voice or self.default_voice)
                driver.setProperty("rate", int(rate_wpm))
                self._espeak.Synth(b"a", flags=self._espeak.CHARS_UTF8)
                self._espeak.Synchronize()
                self._last_settings = (voice, rate_wpm)
        else:
            self.engine.setProperty("voice", voice or self.default_voice)
            self.engine.setProperty("rate", int(rate_wpm))
        self.capture.reset()
        # One file per runAndWait: pyttsx3 keeps only the last of several queued saves.
        with contextlib.redirect_stdout(io.StringIO()):
            self.engine.save_to_file(text, wav_path)
            self.engine.runAndWait()
        if self.driver_name == "espeak":
            # espeak may synthesise on a thread of its own: wait until every callback has run.
            self._espeak.Synchronize()
            # Our own copy of the samples replaces the engine's (possibly clipped) file.
            with wave.open(wav_path, "wb") as w:
                w.setnchannels(1)
                w.setsampwidth(2)
                w.setframerate(self.rate_hz)
                w.writeframes(self.capture.pcm_bytes())
        if not os.path.exists(wav_path):
            raise RuntimeError("the speech engine wrote no audio")
        return {"wav": wav_path, "events": self.capture.events, "driver": self.driver_name}


def serve(conn: Any) -> None:
    """Answer requests on `conn` until told to quit or the parent goes away."""
    if os.environ.get("AVATAR_TTS_WORKER_QUIET", "1") == "1":
        _silence_fds()
    engine: _Engine | None = None
    start_error: str | None = None
    try:
        engine = _Engine()
    except Exception as exc:  # reported on the first request
        start_error = f"{type(exc).__name__}: {exc}".splitlines()[0]
    while True:
        try:
            req = conn.recv()
        except (EOFError, OSError):
            return
        try:
            if req[0] == "quit":
                return
            if req[0] == "sleep":
                time.sleep(float(req[1]))
                conn.send(("ok", None))
                continue
            if engine is None:
                conn.send(("error", start_error or "the speech engine did not start"))
                continue
            if req[0] == "voices":
                conn.send(("ok", engine.voices()))
            elif req[0] == "synth":
                conn.send(("ok", engine.synth(req[1], req[2], req[3], req[4])))
            else:
                conn.send(("error", f"unknown request {req[0]!r}"))
        except Exception as exc:
            conn.send(("error", f"{type(exc).__name__}: {exc}".splitlines()[0]))
