"""The neural voice: Piper VITS voices through onnxruntime, with phoneme and word times for the mouth and captions.

Phonemes come from espeak-ng (IPA for the model, ASCII mnemonics for the mouth shapes); each phoneme's
time is what the model's own duration predictor gave it, so lip-sync is exact. Written words are placed
by matching espeak-ng's own rendition (which reports words) phoneme by phoneme. A voice whose model
hides its durations is aligned instead: espeak-ng's rendition warped onto the neural audio by DTW.
"""

from __future__ import annotations

import threading
from dataclasses import replace

import numpy as np

from avatar.audio import VOICE_RATE_HZ, Audio
from avatar.errors import UsageError
from avatar.tts.base import Speech, VoiceInfo, VoiceSettings
from avatar.tts.catalog import NEURAL_ENGINE, NeuralVoice, find_neural_voice, neural_voices, require_runtime
from avatar.tts.espeak_lib import Espeak
from avatar.tts.piper_model import PiperModel
from avatar.tts.piper_plan import plan
from avatar.tts.piper_timing import speech_from_units

MIN_RATE_WPM = 80
MAX_RATE_WPM = 450
DEFAULT_RATE_WPM = 175   # the rate at which a voice speaks at its own length_scale
DEFAULT_VOICE = "en_US-joe-medium"
OUTPUT_RATE_HZ = VOICE_RATE_HZ   # what the rest of the app (timeline, espeak-ng) runs at
# A sentence that takes longer than this is given up (a hung or starved run). An id is about 25 ms of
# speech and takes about 1.5 ms on 2 busy cores: the allowance per id is some 30 times that.
TIMEOUT_S = 20.0
TIMEOUT_PER_ID_S = 0.05


class PiperEngine:
    """Loads each voice once (the onnxruntime session is reused) and speaks one sentence at a time."""

    name = NEURAL_ENGINE

    def __init__(self, *, threads: int | None = None, timeout_s: float = TIMEOUT_S,
                 timeout_per_id_s: float = TIMEOUT_PER_ID_S) -> None:
        require_runtime("piper")
        self.threads = threads
        self.timeout_s = timeout_s
        self.timeout_per_id_s = timeout_per_id_s
        self._models: dict[str, PiperModel] = {}
        self._lock = threading.Lock()
        self._last_voice = DEFAULT_VOICE

    def voices(self) -> list[VoiceInfo]:
        return [VoiceInfo(v.id, v.id, (v.language,) if v.language else (), engine=NEURAL_ENGINE,
                          quality=v.quality) for v in neural_voices()]

    def resolve_voice(self, voice: str) -> str:
        """A neural voice's canonical id (a bundled id, a voices-folder name, or an absolute .onnx path)."""
        self._last_voice = self._find(voice).id
        return self._last_voice

    def start(self) -> None:
        """Load the last resolved voice in the background (while the window opens), ready to speak."""
        voice = self._last_voice

        def warm() -> None:
            try:
                self.model(voice).run(self.model(voice).ids("ə"), 1.0)  # the first run allocates its memory
                Espeak.get()
            except Exception:  # noqa: BLE001 - the same error comes back, reported, on the first sentence
                pass

        threading.Thread(target=warm, name="avatar-neural-warm-up", daemon=True).start()

    def _find(self, voice: str) -> NeuralVoice:
        found = find_neural_voice(voice or DEFAULT_VOICE)
        if found is None:
            raise UsageError(f"unknown neural voice '{voice}'; run 'avatar voices' to list the installed voices")
        return found

    def model(self, voice: str) -> PiperModel:
        """The loaded model of `voice` (loaded on first use, then kept)."""
        found = self._find(voice)
        key = str(found.model_path)
        with self._lock:
            if key not in self._models:
                self._models[key] = PiperModel(found.model_path, found.config_path, threads=self.threads)
            return self._models[key]

    def synthesize(self, text: str, settings: VoiceSettings) -> Speech:
        if not MIN_RATE_WPM <= settings.rate_wpm <= MAX_RATE_WPM:
            raise UsageError(f"rate {settings.rate_wpm} is out of range; "
                             f"use {MIN_RATE_WPM} to {MAX_RATE_WPM} words per minute")
        model = self.model(settings.voice)
        espeak = Espeak.get()
        length_scale = model.length_scale * DEFAULT_RATE_WPM / settings.rate_wpm
        pieces: list[np.ndarray] = []
        units, samples = [], []
        for sentence in plan(text, model, espeak):
            ids = [i for u in sentence for i in u.ids]
            audio, per_id = model.run(ids, length_scale, limit_s=self.limit_s(len(ids)))
            pieces.append(audio)
            units.append(sentence)
            samples.append(per_id)
        if not pieces:
            return Speech(text, Audio.silence(0.05, model.rate_hz), engine=NEURAL_ENGINE)
        audio = Audio(np.clip(np.concatenate(pieces), -1.0, 1.0).astype(np.float32), model.rate_hz)
        speech = speech_from_units(text, audio, units, samples, espeak, model.espeak_voice)
        if audio.rate_hz != OUTPUT_RATE_HZ:  # the timeline mixes at one rate; times are in seconds anyway
            speech = replace(speech, audio=audio.resampled(OUTPUT_RATE_HZ))
        return speech

    def limit_s(self, n_ids: int) -> float:
        """How long one sentence of `n_ids` phoneme ids may take before it counts as hung."""
        return self.timeout_s + n_ids * self.timeout_per_id_s

    def close(self) -> None:
        with self._lock:
            self._models.clear()
