"""A mouth track for a Speech: shapes from its phoneme timings when it has them, else from its audio."""

from __future__ import annotations

from avatar.language import guess_language
from avatar.lipsync.cues import CueSettings
from avatar.lipsync.envelope import EnvelopeSettings
from avatar.lipsync.from_audio import track_from_audio
from avatar.lipsync.from_phonemes import track_from_phonemes
from avatar.lipsync.phonemes import is_pause
from avatar.lipsync.track import MouthTrack
from avatar.tts.base import Speech


def track_from_speech(speech: Speech, *, envelope: EnvelopeSettings = EnvelopeSettings(),
                      cues: CueSettings = CueSettings(), language: str | None = None) -> MouthTrack:
    """Shapes from the phonemes (if any sound), openness from the audio's loudness. `language` picks
    the phoneme chart ("zh" for Mandarin); None guesses it from the speech's text. A speech without
    phonemes is heard like any recording in that language (see `track_from_audio`)."""
    if language is None:
        language = guess_language(speech.text)
    if not any(not is_pause(p.symbol) and p.end_s > p.start_s for p in speech.phonemes):
        return track_from_audio(speech.audio, envelope=envelope, cues=cues, language=language)
    duration_s = speech.duration_s
    if duration_s <= 0:
        duration_s = max(p.end_s for p in speech.phonemes)
    return track_from_phonemes(speech.phonemes, speech.audio, duration_s, envelope=envelope, cues=cues,
                               language=language)
