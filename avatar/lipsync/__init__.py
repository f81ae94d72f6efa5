"""Lip sync: loudness envelope, mouth shapes from phonemes or from the audio, alignment, Rhubarb export.

    track_from_speech(speech) -> MouthTrack     phonemes if present, else the audio alone
    track_from_audio(audio, language=) -> MouthTrack   any recording (phone recognition where it hears the language)
    align_transcript(recording, reference) -> Speech   the reference's timings on the recording
    to_rhubarb_json / _tsv / _xml / _dat, write_track   Rhubarb Lip Sync's output formats
    restrict_shapes(track, "GX")                 only the extended shapes an artist drew
"""

from __future__ import annotations

from avatar.lipsync import recognise
from avatar.lipsync.align import AlignSettings, align_transcript
from avatar.lipsync.cues import CueSettings
from avatar.lipsync.envelope import EnvelopeSettings, envelope
from avatar.lipsync.export import (read_rhubarb_json, read_rhubarb_tsv, to_rhubarb_dat, to_rhubarb_json, to_rhubarb_tsv,
                                   to_rhubarb_xml, write_track)
from avatar.lipsync.from_audio import track_from_audio
from avatar.lipsync.from_speech import track_from_speech
from avatar.lipsync.phonemes import shape_for_phoneme
from avatar.lipsync.shapeset import restrict_shapes
from avatar.lipsync.track import MouthCue, MouthShape, MouthTrack

__all__ = ["AlignSettings", "CueSettings", "EnvelopeSettings", "MouthCue", "MouthShape", "MouthTrack", "align_transcript",
           "envelope", "read_rhubarb_json", "read_rhubarb_tsv", "recognise", "restrict_shapes", "shape_for_phoneme",
           "to_rhubarb_dat", "to_rhubarb_json", "to_rhubarb_tsv", "to_rhubarb_xml", "track_from_audio",
           "track_from_speech", "write_track"]
