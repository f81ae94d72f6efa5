"""A deterministic stand-in voice for tests: letters become tones and hisses with exact phoneme times."""

from __future__ import annotations

import hashlib

import numpy as np

from avatar.audio import VOICE_RATE_HZ, Audio
from avatar.tts.base import PhonemeTiming, Speech, VoiceInfo, VoiceSettings, WordTiming

_VOWELS = {"a": "a", "e": "E", "i": "I", "o": "0", "u": "u:", "y": "I"}
_PAUSE_CHARS = ".,;:!?"
RATE_HZ = VOICE_RATE_HZ


class FakeEngine:
    """Same text and settings give the same samples; each letter lasts `letter_s` at 175 wpm."""

    name = "fake"

    def __init__(self, letter_s: float = 0.07, fail_on: str | None = None) -> None:
        self.letter_s = letter_s
        self.fail_on = fail_on  # text containing this raises TTSError (to test fault handling)
        self.calls = 0

    def start(self) -> None:
        """Nothing to start: the fake is ready at once."""

    def voices(self) -> list[VoiceInfo]:
        return [VoiceInfo("fake/en", "Fake English", ("en",))]

    def resolve_voice(self, voice: str) -> str:
        """Any voice name maps to the one fake voice; "" stays the default."""
        return "fake/en" if voice else ""

    def synthesize(self, text: str, settings: VoiceSettings) -> Speech:
        from avatar.errors import TTSError

        self.calls += 1
        if self.fail_on is not None and self.fail_on in text:
            raise TTSError("fake engine failure")
        step_s = self.letter_s * 175.0 / max(1, settings.rate_wpm)
        seed = int.from_bytes(hashlib.sha256(text.encode("utf-8")).digest()[:4], "little")
        rng = np.random.default_rng(seed)
        pieces: list[np.ndarray] = []
        phonemes: list[PhonemeTiming] = []
        words: list[WordTiming] = []
        t = 0.0
        word_start: tuple[int, float] | None = None
        for i, ch in enumerate(text + " "):
            low = ch.lower()
            if ch.isalnum():
                if word_start is None:
                    word_start = (i, t)
                sym = _VOWELS.get(low, low)
                n = int(round(step_s * RATE_HZ))
                tt = np.arange(n) / RATE_HZ
                if low in _VOWELS:
                    wave = 0.5 * np.sin(2 * np.pi * 140 * tt) + 0.25 * np.sin(2 * np.pi * 700 * tt)
                elif low in "pbm":
                    wave = np.zeros(n)
                    wave[int(n * 0.8):] = 0.3 * rng.standard_normal(n - int(n * 0.8))
                else:
                    wave = 0.15 * rng.standard_normal(n)
                pieces.append(wave.astype(np.float32))
                phonemes.append(PhonemeTiming(sym, t, t + step_s))
                t += step_s
                continue
            if word_start is not None:
                words.append(WordTiming(text[word_start[0]:i], word_start[1], t, word_start[0], i))
                word_start = None
            pause_s = step_s * 3 if ch in _PAUSE_CHARS else step_s * 0.5
            pieces.append(np.zeros(int(round(pause_s * RATE_HZ)), np.float32))
            phonemes.append(PhonemeTiming("_:" if ch in _PAUSE_CHARS else "_", t, t + pause_s))
            t += pause_s
        samples = np.concatenate(pieces) if pieces else np.zeros(0, np.float32)
        audio = Audio(np.clip(samples, -1.0, 1.0).astype(np.float32), RATE_HZ)
        # Keep timings exactly on the sample grid the audio ended up with.
        return Speech(text, audio, tuple(words), tuple(phonemes), engine="fake")

    def close(self) -> None:
        pass
