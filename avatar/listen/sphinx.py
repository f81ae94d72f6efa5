"""Offline recognition of a visitor's question with PocketSphinx and the kiosk's own language model."""

from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING
from pathlib import Path

import numpy as np

from avatar.audio import Audio
from avatar.listen.base import Heard, RecognitionError
from avatar.listen.numbers import to_written
from avatar.listen.sphinx_files import cmudict_path, generic_lm_path, missing_extra, model_path

if TYPE_CHECKING:
    from avatar.listen.topic_lm import TopicModel

RATE_HZ = 16000  # the acoustic model's sample rate


@dataclass(frozen=True)
class SphinxSettings:
    """Search settings: `language_weight` trades the acoustics against the language model."""

    language_weight: float = 8.0   # above PocketSphinx's 6.5: the kiosk's model knows what visitors ask
    beam: float = 1e-48
    word_beam: float = 7e-29
    cmn: str = "batch"             # normalise by the whole question's mean (it is recorded before decoding)


class SphinxRecogniser:
    """One PocketSphinx decoder, built once with the given language model and dictionary, shared by
    every call under a lock (a decoder decodes one utterance at a time)."""

    name = "sphinx"

    def __init__(self, lm_path: str | os.PathLike[str], dict_path: str | os.PathLike[str], *,
                 written_forms: dict[str, str] | None = None, casing: dict[str, str] | None = None,
                 settings: SphinxSettings = SphinxSettings()) -> None:
        try:
            import pocketsphinx
        except ImportError as exc:
            raise missing_extra() from exc
        self.settings = settings
        self.written_forms = dict(written_forms or {})
        self.casing = dict(casing or {})
        self._lock = threading.Lock()
        try:
            self._decoder = pocketsphinx.Decoder(
                hmm=str(model_path("en-us", "en-us")), lm=str(lm_path), dict=str(dict_path),
                samprate=RATE_HZ, lw=settings.language_weight, beam=settings.beam, wbeam=settings.word_beam,
                cmn=settings.cmn, dither=False, loglevel="FATAL")
        except RuntimeError as exc:
            raise RecognitionError(f"the speech recogniser could not load its model ({Path(lm_path).name})",
                                   kind="model") from exc

    @classmethod
    def for_topic(cls, model: "TopicModel", settings: SphinxSettings = SphinxSettings()) -> "SphinxRecogniser":
        """A recogniser that listens with a kiosk's topic model (see avatar.listen.topic_lm)."""
        return cls(model.lm_path, model.dict_path, written_forms=model.written_forms, casing=model.casing,
                   settings=settings)

    @classmethod
    def generic(cls, settings: SphinxSettings = SphinxSettings()) -> "SphinxRecogniser":
        """A recogniser with PocketSphinx's general English model and full dictionary."""
        return cls(generic_lm_path(), cmudict_path(), settings=settings)

    def words(self, audio: Audio) -> list[str]:
        """The recognised words as the decoder spells them (lower case, numbers as words)."""
        if audio.duration_s < 0.1:
            return []
        pcm = audio.downsampled(RATE_HZ).to_int16()
        # One least-significant bit of noise keeps exact digital silence from confusing the acoustic
        # model; seeded by length, so the same recording always gives the same words.
        noise = np.random.default_rng(len(pcm)).integers(-1, 2, len(pcm))
        pcm = np.clip(pcm.astype(np.int32) + noise, -32768, 32767).astype("<i2")
        with self._lock:
            d = self._decoder
            try:
                d.reinit_feat()  # forget the previous question's cepstral mean
                d.start_utt()
                d.process_raw(pcm.tobytes(), full_utt=True)
                d.end_utt()
                hyp = d.hyp()
            except RuntimeError as exc:
                raise RecognitionError("the speech recogniser failed on this recording", kind="decode") from exc
        text = hyp.hypstr if hyp is not None else ""
        return [w.split("(", 1)[0] for w in text.split() if not w.startswith(("<", "[", "+"))]

    def transcribe(self, audio: Audio) -> Heard:
        started = time.perf_counter()
        words = to_written(self.words(audio), self.written_forms)
        text = " ".join(self.casing.get(w, w) for w in words)
        if text:
            text = text[0].upper() + text[1:]
        return Heard(text, self.name, time.perf_counter() - started)
