"""Mouth shapes from the sound alone (any recording): recognised phones where a recogniser hears the
language (English with the `phones` extra), else loudness plus a few spectral features per frame."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np

from avatar.audio import Audio
from avatar.lipsync.cues import CueSettings, Span, mouth_cues, spans_from_labels
from avatar.lipsync.envelope import (EnvelopeSettings, Loudness, levels_db, loudness,
                                     openness_from_loudness)
from avatar.lipsync.features import bin_frequencies, fft_size, mean_square_weights, spectral_sums
from avatar.lipsync.track import MouthShape, MouthTrack

if TYPE_CHECKING:
    from avatar.lipsync.recognise import PhoneRecogniser

_S = MouthShape
# Label codes: index into this list; 0 is silence.
LABEL_SHAPES: list[MouthShape | None] = [None, _S.A, _S.B, _S.C, _S.D, _S.E, _S.F, _S.G, _S.H]
_CODE = {shape: i for i, shape in enumerate(LABEL_SHAPES)}

# Thresholds, measured on espeak-ng voices and checked on formant-synthesised vowels
# (levels in dB relative to loud speech or to the frame's total power; frequencies in Hz).
QUIET_DB = -25.0          # frames this far below loud speech: lips nearly closed (A)
LOUD_DB = -12.0           # open vowels this loud open wide (D), quieter ones less (C)
HISS_HIGH_DB = -10.0      # energy above 3.5 kHz this close to the total: a fricative
HISS_CENTROID_HZ = 3000.0
SIBILANT_CENTROID_HZ = 3500.0  # s, sh, t bursts show teeth (B); flatter hiss (f, v, h) is G
OPEN_F1_HZ = 640.0        # first-formant centroid this high: open vowel
ROUND_F2_HZ = 1900.0      # second formant below this, little energy 1.5-4 kHz and F1 not open: rounded
ROUND_UPPER_DB = -11.0
ROUND_F1_HZ = 600.0
PUCKER_F1_HZ = 420.0      # rounded with a low first formant: puckered (u, w); else slightly rounded
FRONT_F2_HZ = 2000.0      # high second formant and low first: "ee" (B)
FRONT_F1_HZ = 400.0
MURMUR_UPPER_DB = -18.0   # a nasal murmur (m) has almost nothing above 1.5 kHz...
MURMUR_F2_HZ = 1700.0     # ...and a low second formant; quieter than this under loud speech:
MURMUR_DB = -6.0
MODE_FRAMES = 5           # majority vote over 50 ms removes single-frame flicker
CLOSURE_MIN_S = 0.03      # closed-lips stretches at least this long are kept (stretched, not merged)


def _feature_weights(rate_hz: int, n_fft: int) -> np.ndarray:
    f = bin_frequencies(rate_hz, n_fft)
    ms = mean_square_weights(n_fft)
    f1 = ms * ((f >= 100.0) & (f < 1000.0))
    # Pre-emphasised (x f^2) so the second formant, not the voice's spectral tilt, sets the centroid.
    f2 = ms * ((f >= 700.0) & (f < 3000.0)) * (f / 1000.0) ** 2
    return np.stack([
        ms,                                   # 0 total power
        ms * f,                               # 1 centroid numerator
        f1,                                   # 2 first-formant region
        f1 * f,                               # 3 its centroid numerator
        f2,                                   # 4 second-formant region, pre-emphasised
        f2 * f,                               # 5 its centroid numerator
        ms * ((f >= 1500.0) & (f < 4000.0)),  # 6 upper band
        ms * (f >= 3500.0),                   # 7 hiss band
        ms * ((f >= 100.0) & (f < 1600.0)),   # 8 voicing band
    ], axis=1)


def analyse(audio: Audio, settings: EnvelopeSettings = EnvelopeSettings()) -> tuple[np.ndarray, Loudness]:
    """Per-frame shape labels (codes into LABEL_SHAPES) and the loudness they were judged against."""
    n_fft = fft_size(audio.rate_hz, settings.window_s)
    sums = spectral_sums(audio, _feature_weights(audio.rate_hz, n_fft), fps=settings.fps, n_fft=n_fft)
    level = levels_db(sums[:, 0])
    loud = loudness(level, settings)
    return classify(sums, loud), loud


def classify(sums: np.ndarray, loud: Loudness) -> np.ndarray:
    """Decision rules on the per-frame sums (see `_feature_weights`); vectorised, deterministic."""
    n = len(sums)
    labels = np.zeros(n, np.int8)
    if n == 0 or not np.isfinite(loud.gate_db):
        return labels
    tiny = 1e-20
    total = np.maximum(sums[:, 0], tiny)
    rel = loud.level_db - loud.ref_db
    centroid = sums[:, 1] / total
    f1 = sums[:, 3] / np.maximum(sums[:, 2], tiny)
    f2 = sums[:, 5] / np.maximum(sums[:, 4], tiny)
    upper_db = 10.0 * np.log10(np.maximum(sums[:, 6], tiny) / total)
    hiss_db = 10.0 * np.log10(np.maximum(sums[:, 7], tiny) / total)
    voicing_db = 10.0 * np.log10(np.maximum(sums[:, 8], tiny) / total)

    sounding = loud.level_db >= loud.gate_db
    quiet = rel < QUIET_DB
    hiss = ((hiss_db > HISS_HIGH_DB) & (voicing_db < -4.0)) | (centroid > HISS_CENTROID_HZ)
    rounded = (f2 < ROUND_F2_HZ) & (upper_db <= ROUND_UPPER_DB) & (f1 < ROUND_F1_HZ)
    murmur = (upper_db <= MURMUR_UPPER_DB) & (f1 < PUCKER_F1_HZ) & (f2 < MURMUR_F2_HZ) & (rel < MURMUR_DB)

    # Later rules override earlier ones, so the order runs from the most general to the most specific.
    code = np.full(n, _CODE[_S.C], np.int8)
    code[(f2 >= FRONT_F2_HZ) & (f1 < FRONT_F1_HZ)] = _CODE[_S.B]
    code[rounded] = _CODE[_S.E]
    code[rounded & (f1 < PUCKER_F1_HZ)] = _CODE[_S.F]
    code[f1 >= OPEN_F1_HZ] = _CODE[_S.C]
    code[(f1 >= OPEN_F1_HZ) & (rel > LOUD_DB)] = _CODE[_S.D]
    code[hiss] = _CODE[_S.G]
    code[hiss & (centroid >= SIBILANT_CENTROID_HZ)] = _CODE[_S.B]
    code[murmur | quiet] = _CODE[_S.A]
    labels[sounding] = code[sounding]
    return labels


def mode_filter(labels: np.ndarray, n_codes: int, width: int = MODE_FRAMES) -> np.ndarray:
    """Each frame takes the most common label within `width` frames around it (ties keep its own)."""
    n = len(labels)
    if n < width or width < 2:
        return labels.copy()
    onehot = np.zeros((n, n_codes), np.float32)
    onehot[np.arange(n), labels] = 1.0
    half = width // 2
    padded = np.concatenate([np.repeat(onehot[:1], half, 0), onehot, np.repeat(onehot[-1:], half, 0)])
    csum = np.concatenate([np.zeros((1, n_codes), np.float32), np.cumsum(padded, axis=0)])
    counts = csum[width:] - csum[:-width]
    counts += 0.5 * onehot  # a tie keeps the frame's own label
    return np.argmax(counts, axis=1).astype(labels.dtype)


def track_from_audio(audio: Audio, *, envelope: EnvelopeSettings = EnvelopeSettings(),
                     cues: CueSettings = CueSettings(), language: str = "en",
                     recogniser: "PhoneRecogniser | str | None" = "auto",
                     progress: Callable[[float], None] | None = None) -> MouthTrack:
    """A mouth track for any recording, from its sound alone.

    `recogniser`: "auto" hears the phones with an installed recogniser for `language` and falls back to
    the spectral rules; "spectral" (or None) always uses the rules; a name or a recogniser uses that one.
    `progress` is called with the seconds of audio analysed since the last call.
    """
    chosen = _choose(recogniser, language)
    if chosen is None or len(audio.samples) == 0:
        track = track_from_spectrum(audio, envelope=envelope, cues=cues)
        if progress is not None:
            progress(audio.duration_s)
        return track
    from avatar.lipsync.from_phonemes import track_from_phonemes

    phones = chosen.recognise(audio, progress)
    if not phones:  # no speech heard in a sound (a tone, a buzz, singing): the spectral rules still follow it
        return track_from_spectrum(audio, envelope=envelope, cues=cues)
    return track_from_phonemes(phones, audio, audio.duration_s, envelope=envelope, cues=cues, hold_closures=True)


def _choose(recogniser: "PhoneRecogniser | str | None", language: str) -> "PhoneRecogniser | None":
    from avatar.lipsync import recognise

    if recogniser is None or recogniser == "spectral":
        return None
    if recogniser == "auto":
        return recognise.recogniser_for(language)
    if isinstance(recogniser, str):
        return recognise.get_recogniser(recogniser)
    return recogniser


def track_from_spectrum(audio: Audio, *, envelope: EnvelopeSettings = EnvelopeSettings(),
                        cues: CueSettings = CueSettings()) -> MouthTrack:
    """Shapes from loudness and spectral rules (any language, no model): the fallback."""
    labels, loud = analyse(audio, envelope)
    labels = mode_filter(labels, len(LABEL_SHAPES))
    openness = openness_from_loudness(loud, envelope)
    duration_s = audio.duration_s
    spans = _closures(spans_from_labels(labels, LABEL_SHAPES, envelope.fps, duration_s), cues)
    return MouthTrack(mouth_cues(spans, duration_s, cues), openness, envelope.fps, duration_s)


def _closures(spans: list[Span], cues: CueSettings) -> list[Span]:
    """Inside speech, a brief silence is a stop's closure and a murmur is a nasal: both close the lips,
    and those long enough to see are kept like a p, b or m (stretched to the minimum, never merged).

    A closure ends when the lips part, which is the burst itself: its end is not moved earlier by
    the lead, so the lips stay shut up to the burst and the next shape starts right there.
    """
    out: list[Span] = []
    for i, s in enumerate(spans):
        inner = 0 < i < len(spans) - 1
        if s.shape is None and inner and s.end_s - s.start_s < cues.hold_pause_s:
            s = Span(s.start_s, s.end_s, _S.A)
        if s.shape is _S.A and inner and s.end_s - s.start_s >= CLOSURE_MIN_S:
            s = Span(s.start_s, s.end_s + cues.lead_s, _S.A, keep=True)
        out.append(s)
    return out
