"""A mouth track from timed phonemes (spoken, aligned or recognised): shapes from the phonemes, openness from the sound."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from avatar.audio import Audio
from avatar.lipsync.cues import CueSettings, mouth_cues, openness_from_cues
from avatar.lipsync.envelope import EnvelopeSettings, envelope as openness_envelope
from avatar.lipsync.phonemes import spans_from_phonemes
from avatar.lipsync.track import MouthTrack
from avatar.tts.base import PhonemeTiming


def track_from_phonemes(phonemes: Sequence[PhonemeTiming], audio: Audio, duration_s: float, *,
                        envelope: EnvelopeSettings = EnvelopeSettings(),
                        cues: CueSettings = CueSettings(), hold_closures: bool = False,
                        language: str = "en") -> MouthTrack:
    """Cues from the phonemes' shapes (leading the sound); openness from `audio`, or from the cues if silent.

    `hold_closures`: closed lips (p, b, m) stay closed up to the end of their sound instead of parting
    `lead_s` early; for recognised phones, whose closures are short and whose release is the burst.
    `language` picks the phoneme chart ("zh": Mandarin's initials and finals).
    """
    spans = spans_from_phonemes(phonemes, language, cues.min_cue_s)
    if hold_closures:
        spans = [replace(s, end_s=s.end_s + cues.lead_s) if s.keep else s for s in spans]
    shapes = mouth_cues(spans, duration_s, cues)
    if len(audio.samples):
        openness = openness_envelope(audio, envelope)
    else:
        openness = openness_from_cues(shapes, duration_s, envelope.fps)  # timings without sound
    return MouthTrack(shapes, openness, envelope.fps, duration_s)
