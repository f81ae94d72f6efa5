"""The voice: real espeak-ng through pyttsx3 (no system package), the cache, the fake, and a hung engine."""

from __future__ import annotations


import numpy as np
import pytest

from avatar.errors import TTSError, UsageError
from avatar.tts import Voice, get_engine, synthesize
from avatar.tts.base import VoiceSettings
from avatar.tts.cache import SpeechCache
from avatar.tts.fake import FakeEngine
from avatar.tts.pyttsx3_engine import Pyttsx3Engine


def test_real_espeak_speaks_with_word_and_phoneme_times() -> None:
    s = synthesize("Peter bought my maps.", use_cache=False)
    assert s.engine.startswith("pyttsx3")
    assert s.audio.rate_hz == 22050
    assert 0.8 < s.duration_s < 4.0
    rms = float(np.sqrt(np.mean(np.square(s.audio.samples))))
    assert rms > 0.01, "the voice must be audible"
    assert [w.text for w in s.words] == ["Peter", "bought", "my", "maps"]
    starts = [w.start_s for w in s.words]
    assert starts == sorted(starts) and all(w.end_s > w.start_s for w in s.words)
    symbols = [p.symbol for p in s.phonemes]
    # espeak's own phoneme events: every p/b/m of the text is there, in order
    assert [x for x in symbols if x in ("p", "b", "m")] == ["p", "b", "m", "m", "p"]
    assert all(0 <= p.start_s <= p.end_s <= s.duration_s + 1e-6 for p in s.phonemes)


def test_audio_is_silent_where_espeak_says_a_pause_is() -> None:
    s = synthesize("Yes, and no.", use_cache=False)
    rate = s.audio.rate_hz
    pauses = [p for p in s.phonemes if p.symbol.startswith("_") and p.end_s - p.start_s > 0.1]
    assert pauses, [p.symbol for p in s.phonemes]
    p = pauses[-1]
    quiet = s.audio.samples[int((p.start_s + 0.03) * rate):int((p.end_s - 0.01) * rate)]
    loud = s.audio.samples[int(s.words[0].start_s * rate):int(s.words[0].end_s * rate)]
    assert np.abs(quiet).max(initial=0) < np.abs(loud).max() * 0.2


def test_voice_and_rate_change_the_rendition() -> None:
    slow = synthesize("The digital economy grows every year.", VoiceSettings("", 110), use_cache=False)
    fast = synthesize("The digital economy grows every year.", VoiceSettings("", 260), use_cache=False)
    assert slow.duration_s > fast.duration_s * 1.3
    us = synthesize("Hello world", VoiceSettings("en-us"), use_cache=False)
    gb = synthesize("Hello world", VoiceSettings("en-gb"), use_cache=False)
    assert not np.array_equal(us.audio.samples[:5000], gb.audio.samples[:5000])


def test_voices_are_listed_and_resolved() -> None:
    engine = get_engine()
    voices = engine.voices()
    assert len(voices) > 20
    assert any("en" in v.languages or any(l.startswith("en") for l in v.languages) for v in voices)
    assert engine.resolve_voice("en-us").endswith("en-us")
    with pytest.raises(UsageError, match="avatar voices"):
        engine.resolve_voice("klingon-xx")
    with pytest.raises(UsageError, match="80 to 450"):
        engine.synthesize("hi", VoiceSettings("", 1000))


def test_cache_makes_a_replay_instant_and_identical(tmp_path) -> None:
    counting = FakeEngine()
    voice = Voice(counting, VoiceSettings("", 175), SpeechCache(tmp_path))
    first = voice.synthesize("Welcome to Geneva.")
    again = Voice(counting, VoiceSettings("", 175), SpeechCache(tmp_path)).synthesize("Welcome to Geneva.")
    assert counting.calls == 1
    assert np.allclose(first.audio.samples, again.audio.samples, atol=2 / 32768)
    assert [w.text for w in again.words] == [w.text for w in first.words]
    assert again.phonemes == first.phonemes
    Voice(counting, VoiceSettings("", 150), SpeechCache(tmp_path)).synthesize("Welcome to Geneva.")
    assert counting.calls == 2, "another rate is another rendition"


def test_real_engine_through_the_cache(tmp_path) -> None:
    real = get_engine()
    calls: list[str] = []

    class Counting:
        name = real.name

        def synthesize(self, text: str, settings: VoiceSettings):
            calls.append(text)
            return real.synthesize(text, settings)

    voice = Voice(Counting(), VoiceSettings("", 175), SpeechCache(tmp_path))  # type: ignore[arg-type]
    a = voice.synthesize("Cached sentence.")
    b = voice.synthesize("Cached sentence.")
    assert calls == ["Cached sentence."], "the second time comes from the cache"
    assert len(list(tmp_path.glob("*.wav"))) == 1
    assert b.phonemes == a.phonemes


def test_fake_engine_is_deterministic_and_timed() -> None:
    eng = FakeEngine()
    a = eng.synthesize("Bob maps", VoiceSettings())
    b = eng.synthesize("Bob maps", VoiceSettings())
    assert np.array_equal(a.audio.samples, b.audio.samples)
    assert [w.text for w in a.words] == ["Bob", "maps"]
    assert abs(a.phonemes[-1].end_s - a.duration_s) < 0.01


def test_a_hung_engine_is_an_error_not_a_hang() -> None:
    engine = Pyttsx3Engine(timeout_s=1.0, start_timeout_s=20.0)
    try:
        engine.synthesize("warm up", VoiceSettings())
        # The engine sleeps 30 s; only the 0.5 s guard can turn that into this error.
        with pytest.raises(TTSError, match="did not answer"):
            engine._debug_sleep(30.0, timeout_s=0.5)
        # and it comes back for the next sentence
        assert engine.synthesize("back again", VoiceSettings()).duration_s > 0.3
    finally:
        engine.close()


def test_captions_get_one_timing_per_written_word() -> None:
    """espeak splits "eWeek" and stops at the hyphen of "twenty-three"; a caption highlights whole words."""
    s = synthesize("Here at UNCTAD eWeek, twenty-three e-mails.", use_cache=False)
    assert [w.text for w in s.words] == ["Here", "at", "UNCTAD", "eWeek", "twenty-three", "e-mails"]
    assert all(s.text[w.char_start:w.char_end] == w.text for w in s.words)
    assert all(a.end_s <= b.end_s and a.start_s <= b.start_s for a, b in zip(s.words, s.words[1:]))
