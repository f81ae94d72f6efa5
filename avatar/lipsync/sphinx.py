"""US English phone recognition with PocketSphinx's phone-loop search (the model inside its wheel), as Rhubarb does."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from avatar.audio import Audio
from avatar.lipsync.arpabet import PAUSE, to_espeak
from avatar.lipsync.envelope import EnvelopeSettings, frame_levels, loudness
from avatar.tts.base import PhonemeTiming

RATE_HZ = 16000  # the acoustic model's sample rate
FRAME_S = 0.01   # PocketSphinx's frame step


@dataclass(frozen=True)
class SphinxSettings:
    """Search settings. Wider beams (smaller numbers) find slightly better phones, much more slowly."""

    beam: float = 1e-10            # per-frame Viterbi beam
    phone_beam: float = 1e-10      # beam on phone transitions
    language_weight: float = 1.2   # weight of the phone bigram model; low values flutter, high ones freeze
    top_n: int = 2                 # Gaussians scored per mixture
    gap_s: float = 0.3             # quiet gaps shorter than this stay inside one utterance
    pad_s: float = 0.1             # each utterance is decoded with this much context either side
    max_utterance_s: float = 30.0  # longer stretches of speech are cut at their quietest moment
    workers: int = 0               # processes decoding at once; 0: one per CPU (at most 4) on long recordings
    parallel_min_s: float = 60.0   # recordings with less speech than this decode in this process


def _lowpass_resample(audio: Audio) -> np.ndarray:
    """16 kHz int16 samples; content above 8 kHz is filtered out first, so it does not fold down."""
    return audio.downsampled(RATE_HZ).to_int16()


def utterances(audio: Audio, settings: SphinxSettings = SphinxSettings()) -> list[tuple[float, float]]:
    """(start_s, end_s) of the stretches with speech-level sound, padded and joined across short gaps."""
    env = EnvelopeSettings(fps=1.0 / FRAME_S)
    level = frame_levels(audio, env)
    loud = loudness(level, env)
    if len(level) == 0 or not np.isfinite(loud.gate_db):
        return []
    sounding = loud.level_db >= loud.gate_db
    idx = np.flatnonzero(sounding)
    if len(idx) == 0:
        return []
    gap = int(round(settings.gap_s / FRAME_S))
    breaks = np.flatnonzero(np.diff(idx) > gap)
    starts = np.concatenate([[idx[0]], idx[breaks + 1]])
    ends = np.concatenate([idx[breaks], [idx[-1]]]) + 1
    pad = settings.pad_s
    out: list[tuple[float, float]] = []
    for a, b in zip(starts, ends):
        for s, e in _cut_long(int(a), int(b), loud.level_db, int(round(settings.max_utterance_s / FRAME_S))):
            out.append((max(0.0, s * FRAME_S - pad), min(audio.duration_s, e * FRAME_S + pad)))
    return out


def _cut_long(a: int, b: int, level_db: np.ndarray, max_frames: int) -> list[tuple[int, int]]:
    """Frames [a, b) as pieces of at most `max_frames`, each cut at the quietest frame of its second half."""
    pieces: list[tuple[int, int]] = []
    while b - a > max_frames:
        lo = a + max_frames // 2
        cut = lo + int(np.argmin(level_db[lo:a + max_frames]))
        pieces.append((a, cut))
        a = cut
    pieces.append((a, b))
    return pieces


def _make_decoder(settings: SphinxSettings):
    import pocketsphinx  # the caller checked it is installed

    model = pocketsphinx.get_model_path()
    return pocketsphinx.Decoder(
        hmm=os.path.join(model, "en-us", "en-us"),
        allphone=os.path.join(model, "en-us", "en-us-phone.lm.bin"),
        allphone_ci=True, lw=settings.language_weight, beam=settings.beam, pbeam=settings.phone_beam,
        topn=settings.top_n, samprate=RATE_HZ, dither=False, cmn="batch", loglevel="FATAL")


def _decode(decoder, pcm: np.ndarray) -> list[tuple[str, int, int]]:
    """(phone, first frame, last frame) of one utterance; each utterance is decoded on its own (batch
    normalisation), so the result does not depend on what came before or on which process decodes it."""
    if len(pcm) < RATE_HZ // 10:
        return []
    # One least-significant bit of noise keeps exact digital silence from confusing the model; seeded
    # per utterance, so the same recording always gives the same phones.
    noise = np.random.default_rng(len(pcm)).integers(-1, 2, len(pcm))
    pcm = np.clip(pcm.astype(np.int32) + noise, -32768, 32767).astype("<i2")
    decoder.reinit_feat()  # forget the previous utterance's cepstral mean: every utterance starts alike
    decoder.start_utt()
    decoder.process_raw(pcm.tobytes(), full_utt=True)
    decoder.end_utt()
    return [(seg.word, seg.start_frame, seg.end_frame) for seg in decoder.seg()]


_worker_decoder = None


def _worker_start(settings: SphinxSettings) -> None:
    global _worker_decoder
    _worker_decoder = _make_decoder(settings)


def _worker_decode(pcm: np.ndarray) -> list[tuple[str, int, int]]:
    return _decode(_worker_decoder, pcm)


class PocketSphinxRecogniser:
    """Phones of any US English recording: PocketSphinx's all-phone search, utterance by utterance."""

    name = "pocketsphinx"

    def __init__(self, settings: SphinxSettings = SphinxSettings()) -> None:
        self.settings = settings
        self._lock = threading.Lock()  # one decoder, one utterance at a time
        self._decoder = _make_decoder(settings)

    def recognise(self, audio: Audio,
                  progress: Callable[[float], None] | None = None) -> tuple[PhonemeTiming, ...]:
        """Timed phones as espeak-ng mnemonics; `progress` gets the seconds of audio finished."""
        pcm = _lowpass_resample(audio)
        spans = utterances(audio, self.settings)
        pieces = [pcm[int(round(a * RATE_HZ)):int(round(b * RATE_HZ))] for a, b in spans]
        workers = self._workers(sum(b - a for a, b in spans))
        if workers > 1:
            results = self._decode_in_parallel(pieces, spans, workers, progress)
        else:
            results = []
            for piece, (a, b) in zip(pieces, spans):
                with self._lock:
                    results.append(_decode(self._decoder, piece))
                if progress is not None:
                    progress(b - a)
        if progress is not None:
            progress(max(0.0, audio.duration_s - sum(b - a for a, b in spans)))  # the pauses
        phones: list[PhonemeTiming] = []
        for (start_s, end_s), segments in zip(spans, results):
            for word, f0, f1 in segments:
                symbol = to_espeak(word)
                if symbol == PAUSE:
                    continue
                t0 = start_s + f0 * FRAME_S  # checked on espeak-ng speech: these match its phoneme times
                t1 = start_s + (f1 + 1) * FRAME_S
                phones.append(PhonemeTiming(symbol, min(t0, end_s), min(t1, end_s)))
        return tuple(phones)

    def _workers(self, speech_s: float) -> int:
        if self.settings.workers:
            return self.settings.workers
        if speech_s < self.settings.parallel_min_s:
            return 1
        return max(1, min(4, os.cpu_count() or 1))

    def _decode_in_parallel(self, pieces: list[np.ndarray], spans: list[tuple[float, float]], workers: int,
                            progress: Callable[[float], None] | None) -> list[list[tuple[str, int, int]]]:
        """Utterances shared among worker processes (each loads the model once), results in order."""
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor, as_completed

        context = multiprocessing.get_context("spawn")  # no fork of a process that may hold windows or threads
        results: list[list[tuple[str, int, int]]] = [[] for _ in pieces]
        with ProcessPoolExecutor(workers, mp_context=context, initializer=_worker_start,
                                 initargs=(self.settings,)) as pool:
            futures = {pool.submit(_worker_decode, piece): i for i, piece in enumerate(pieces)}
            for future in as_completed(futures):
                i = futures[future]
                results[i] = future.result()
                if progress is not None:
                    progress(spans[i][1] - spans[i][0])
        return results
