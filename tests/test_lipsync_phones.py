"""Audio-only mouth shapes from recognised phones, on real human speech (LibriVox) with no transcript."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from avatar import audio as audio_mod
from avatar.audio import Audio
from avatar.errors import UsageError
from avatar.lipsync import MouthShape, recognise, track_from_audio
from avatar.lipsync.arpabet import ARPABET_TO_ESPEAK, shape_for_arpabet, to_espeak
from avatar.lipsync.cues import CueSettings
from avatar.lipsync.from_audio import track_from_spectrum
from avatar.lipsync.score import RefPhone, pooled, read_reference, score
from avatar.tts.base import PhonemeTiming

S = MouthShape
DATA = Path(__file__).parent / "data" / "librivox"
CLIPS = ("0870", "0880", "0890", "0920", "0930")
GAP_S = 1.0
LEAD_S = CueSettings().lead_s
needs_sphinx = pytest.mark.skipif(not recognise.installed("pocketsphinx"),
                                  reason="needs the phones extra: pip install 'avatar[phones]'")


def test_every_cmu_phone_has_a_shape_from_the_one_chart() -> None:
    for phone in ARPABET_TO_ESPEAK:
        assert shape_for_arpabet(phone) is not None, phone
    assert {shape_for_arpabet(p) for p in ("P", "B", "M")} == {S.A}
    assert shape_for_arpabet("UW1") is S.F and shape_for_arpabet("W") is S.F
    assert shape_for_arpabet("AA") is S.D and shape_for_arpabet("EH") is S.C
    assert shape_for_arpabet("F") is S.G and shape_for_arpabet("L") is S.H
    assert shape_for_arpabet("IY") is S.B
    assert shape_for_arpabet("SIL") is None and shape_for_arpabet("+NOISE+") is None
    assert to_espeak("AH0") == "V"


def test_languages_pick_their_method(monkeypatch: pytest.MonkeyPatch) -> None:
    assert recognise.names_for("en") == ["pocketsphinx"]
    assert recognise.names_for("en-GB") == recognise.names_for("en_us") == ["pocketsphinx"]
    for other in ("zh", "cmn", "fr", "", None):
        assert recognise.names_for(other) == []
    monkeypatch.setattr(recognise, "installed", lambda name: False)
    assert recognise.recogniser_for("en") is None  # the extra missing: spectral fallback, no error
    with pytest.raises(UsageError, match=r"pip install 'avatar\[phones\]'"):
        recognise.get_recogniser("pocketsphinx")


class _Fake:
    """A recogniser that hears what it is told to."""

    name = "fake"

    def __init__(self, phones: list[tuple[str, float, float]]) -> None:
        self.phones = tuple(PhonemeTiming(s, a, b) for s, a, b in phones)
        self.progress: list[float] = []

    def recognise(self, audio: Audio, progress=None) -> tuple[PhonemeTiming, ...]:
        if progress is not None:
            progress(audio.duration_s)
        return self.phones


def _tone(duration_s: float) -> Audio:
    t = np.arange(int(duration_s * 22050)) / 22050
    return Audio((0.3 * np.sin(2 * np.pi * 150 * t)).astype(np.float32), 22050)


def test_recognised_phones_lead_the_sound_and_close_the_lips() -> None:
    """"map" heard as m, a, p: closed, wide open, closed, each shown before its sound, closures held."""
    fake = _Fake([("m", 0.30, 0.40), ("a", 0.40, 0.60), ("p", 0.60, 0.70)])
    done: list[float] = []
    track = track_from_audio(_tone(1.0), recogniser=fake, progress=done.append)
    assert done == [1.0]
    assert track.shape_at(0.30 - LEAD_S) is S.A        # the lips close before the m sounds
    assert track.shape_at(0.39) is S.A                 # and stay closed to its end
    assert track.shape_at(0.40 - LEAD_S + 0.005) is S.A or track.shape_at(0.40) is S.D
    assert track.shape_at(0.50) is S.D
    assert track.shape_at(0.60 - LEAD_S) is S.A
    assert track.shape_at(0.95) is S.X


def test_other_languages_use_the_spectral_method() -> None:
    tone = _tone(1.0)
    for language in ("zh", "fr"):
        assert track_from_audio(tone, language=language).cues == track_from_spectrum(tone).cues
    assert track_from_audio(tone, recogniser="spectral").cues == track_from_spectrum(tone).cues
    with pytest.raises(UsageError, match="unknown phone recogniser"):
        track_from_audio(tone, recogniser="nonesuch")


def _speech_with_pauses(clips: tuple[str, ...]) -> tuple[Audio, list[RefPhone]]:
    """Real recordings one after another with a second of quiet room noise between them."""
    rng = np.random.default_rng(0)
    parts: list[np.ndarray] = []
    ref: list[RefPhone] = []
    t = 0.0
    for i, clip in enumerate(clips):
        if i:
            parts.append((rng.standard_normal(int(GAP_S * 22050)) * 3e-4).astype(np.float32))
            ref.append(RefPhone(t, t + GAP_S, "SIL"))
            t += GAP_S
        a = audio_mod.load(DATA / f"{clip}.wav")
        parts.append(a.samples)
        ref += [RefPhone(p.start_s + t, p.end_s + t, p.phone) for p in read_reference(DATA / f"{clip}.phones.tsv")]
        t += a.duration_s
    return Audio(np.concatenate(parts), 22050), ref


@needs_sphinx
def test_real_speech_without_transcript_shows_the_right_shapes() -> None:
    """LibriVox speech (not espeak, not seen by the spectral rules' tuning), scored against a forced
    alignment of its transcript: lips, rounding, opening and rest at the targets, never late."""
    audio, ref = _speech_with_pauses(CLIPS)
    track = track_from_audio(audio, language="en")
    s = score(track, ref, lead_s=LEAD_S)
    # The targets of the issue; measured here: closed 83%, rounded 86%, open 74%, rest 100%.
    assert s.closed is not None and s.closed >= 0.80, s.line()
    assert s.rounded is not None and s.rounded >= 0.65, s.line()
    assert s.open is not None and s.open >= 0.70, s.line()
    assert s.rest is not None and s.rest >= 0.95, s.line()
    assert s.late_s <= 0.011, s.line()
    assert s.false_closed is not None and s.false_closed <= 0.10, s.line()  # no snapping shut on t, d, n...
    # Phone recognition beats the spectral rules on the same audio.
    spectral = score(track_from_spectrum(audio), ref, lead_s=LEAD_S)
    assert s.closed > spectral.closed and s.open > spectral.open, (s.line(), spectral.line())


@needs_sphinx
def test_recognition_does_not_depend_on_level_or_sample_rate() -> None:
    a = audio_mod.load(DATA / "0880.wav")
    ref = read_reference(DATA / "0880.phones.tsv")
    base = score(track_from_audio(a), ref, LEAD_S)
    quiet = score(track_from_audio(Audio(a.samples * 0.1, a.rate_hz)), ref, LEAD_S)
    at_48k = score(track_from_audio(audio_mod.load(DATA / "0880.wav", 48000)), ref, LEAD_S)
    for other in (quiet, at_48k):
        assert pooled([other]).open >= base.open - 0.25, (base.line(), other.line())


def test_silence_and_empty_audio_rest() -> None:
    for audio in (Audio.silence(2.0, 22050), Audio(np.zeros(0, np.float32), 22050)):
        track = track_from_audio(audio)
        assert {c.shape for c in track.cues} <= {S.X}


@needs_sphinx
def test_parallel_decoding_hears_the_same_phones() -> None:
    """Long recordings are shared among processes: same phones as decoding them one by one."""
    from avatar.lipsync.sphinx import PocketSphinxRecogniser, SphinxSettings

    audio, _ = _speech_with_pauses(CLIPS[:3])
    seen: list[float] = []
    serial = PocketSphinxRecogniser(SphinxSettings(workers=1)).recognise(audio)
    parallel = PocketSphinxRecogniser(SphinxSettings(workers=2)).recognise(audio, seen.append)
    assert serial and parallel == serial
    assert sum(seen) == pytest.approx(audio.duration_s, abs=0.01)
