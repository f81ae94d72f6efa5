"""A script placed on the timeline: sentences in order, pauses, slides, expressions, captions and mouth."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from avatar.audio import Audio, save_wav
from avatar.build import build_audio_timeline, build_script_timeline, quiet_cut_points, start_script_timeline
from avatar.lipsync.track import MouthShape
from avatar.script import parse_script
from avatar.show import Show
from avatar.timeline import whole_mouth_track
from avatar.tts import Voice, get_engine
from avatar.tts.base import VoiceSettings
from avatar.tts.fake import FakeEngine


def _voice(engine=None) -> Voice:
    return Voice(engine or FakeEngine(), VoiceSettings(), use_cache=False)


def test_sentences_pauses_and_marks_are_placed_in_order(tmp_path: Path) -> None:
    png = tmp_path / "s.png"
    png.write_bytes(b"\x89PNG\r\n\x1a\n")
    script = parse_script("[expression smile]\nHello there. [pause 2s] [slide s.png] Bob maps.\n\nThe end.",
                          base_dir=str(tmp_path))
    tl = build_script_timeline(script, _voice())
    caps = tl.captions
    assert [c.text for c in caps] == ["Hello there.", "Bob maps.", "The end."]
    assert caps[1].start_s >= caps[0].end_s + 2.0 - 1e-6, "the pause is kept"
    assert caps[2].start_s > caps[1].end_s, "a paragraph break adds a breath"
    assert tl.mark_at(0.01, "expression").value == "smile"
    assert tl.mark_at(caps[1].start_s, "slide").value == str(png.resolve())
    assert tl.mark_at(caps[1].start_s - 0.5, "slide") is None, "the slide appears after the pause"
    assert tl.mark_at(caps[0].start_s, "slide") is None
    assert tl.complete and tl.duration_s >= caps[-1].end_s


def test_caption_follows_the_words() -> None:
    tl = build_script_timeline(parse_script("Bob maps the city."), _voice())
    cap = tl.captions[0]
    third = cap.words[2]
    item, current = tl.caption_at((third.start_s + third.end_s) / 2)
    assert item.text == "Bob maps the city." and current == 2
    assert cap.text[third.char_start:third.char_end] == "the"


def test_mouth_is_closed_on_b_and_m_and_at_rest_between(tmp_path: Path) -> None:
    engine = FakeEngine()
    tl = build_script_timeline(parse_script("Bob maps."), _voice(engine))
    speech = engine.synthesize("Bob maps.", VoiceSettings())
    start = tl.captions[0].start_s
    for p in speech.phonemes:
        if p.symbol in ("b", "m"):
            shape, _ = tl.mouth_at(start + (p.start_s + p.end_s) / 2)
            assert shape == MouthShape.A, (p, shape)
    assert tl.mouth_at(0.0)[0] == MouthShape.X
    assert tl.mouth_at(tl.duration_s + 1)[0] == MouthShape.X


def test_a_failing_sentence_is_shown_silently_and_the_speech_goes_on() -> None:
    tl = build_script_timeline(parse_script("First one. Broken here. Last one."),
                               _voice(FakeEngine(fail_on="Broken")))
    caps = tl.captions
    assert [c.text for c in caps] == ["First one.", "Broken here.", "Last one."]
    assert caps[1].silent and not caps[0].silent and not caps[2].silent
    assert len(tl.clips) == 2
    assert len(tl.failures) == 1


def test_background_build_is_ready_after_the_first_sentence() -> None:
    text = " ".join(f"Sentence number {i}." for i in range(40))
    tl, thread = start_script_timeline(parse_script(text), _voice())
    assert tl.ready.wait(10)
    assert len(tl.captions) >= 1
    thread.join(30)
    assert tl.complete and len(tl.captions) == 40


def test_soundtrack_is_written_in_chunks_and_matches_the_clips(tmp_path: Path) -> None:
    from avatar.audio import read_wav

    tl = build_script_timeline(parse_script("Hello there. General news."), _voice())
    out = tmp_path / "track.wav"
    tl.write_wav(out, chunk_s=0.25)
    a = read_wav(out)
    assert abs(a.duration_s - tl.duration_s) < 1 / tl.rate_hz * 2
    clip = tl.clips[1]
    i0 = int(round(clip.start_s * tl.rate_hz))
    np.testing.assert_allclose(a.samples[i0:i0 + 2000], clip.audio.samples[:2000], atol=2 / 32768)


def test_whole_mouth_track_covers_the_show() -> None:
    tl = build_script_timeline(parse_script("Bob maps. [pause 1s] More maps."), _voice())
    track = whole_mouth_track(tl)
    assert track.cues[0].start_s == 0 and abs(track.cues[-1].end_s - tl.duration_s) < 1e-6
    assert all(a.end_s == pytest.approx(b.start_s) for a, b in zip(track.cues, track.cues[1:]))
    assert len(track.openness) == int(np.ceil(tl.duration_s * 100))


def test_long_recording_is_cut_at_quiet_points() -> None:
    rate = 22050
    t = np.arange(int(20 * rate)) / rate
    loud = (0.5 * np.sin(2 * np.pi * 200 * t)).astype(np.float32)
    loud[int(6.0 * rate):int(6.2 * rate)] = 0  # a breath
    cuts = quiet_cut_points(Audio(loud, rate), max_clip_s=8.0)
    assert cuts[0] == 0 and cuts[-1] == len(loud)
    assert all(b - a <= 8 * rate for a, b in zip(cuts, cuts[1:]))
    assert any(6.0 * rate <= c <= 6.2 * rate for c in cuts)


def test_recorded_audio_with_transcript_gets_captions(tmp_path: Path) -> None:
    spoken = get_engine().synthesize("Welcome to Geneva. We build digital cities.", VoiceSettings("", 140))
    wav = tmp_path / "rec.wav"
    save_wav(spoken.audio, wav)
    transcript = tmp_path / "rec.txt"
    transcript.write_text("Welcome to Geneva. We build digital cities.", "utf-8")
    tl = build_audio_timeline(wav, transcript=transcript, voice=Voice(get_engine(), use_cache=False))
    caps = tl.captions
    assert [c.text for c in caps] == ["Welcome to Geneva.", "We build digital cities."]
    truth = {w.text: w.start_s for w in spoken.words}
    got = {w.text: w.start_s for w in caps[1].words}
    assert abs(got["digital"] - truth["digital"]) < 0.15
    assert abs(tl.duration_s - spoken.duration_s) < 0.01
    shows = Show(tl)
    assert shows.state_at(truth["digital"] + 0.05).caption.text == "We build digital cities."


def test_streamed_soundtrack_matches_the_in_memory_one(tmp_path: Path) -> None:
    from avatar.audio import read_wav
    from avatar.timeline import SoundtrackWriter, Timeline

    script = parse_script("Hello there. [pause 1s] General news.\n\nThe end.")
    kept = build_script_timeline(script, _voice())
    kept.write_wav(tmp_path / "kept.wav")
    streamed = Timeline(soundtrack=SoundtrackWriter(tmp_path / "streamed.wav", 22050))
    build_script_timeline(script, _voice(), timeline=streamed)
    streamed.soundtrack.close(streamed.duration_s)
    assert all(c.audio is None for c in streamed.clips), "no samples kept in memory"
    assert [round(c.start_s, 6) for c in streamed.clips] == [round(c.start_s, 6) for c in kept.clips]
    a, b = read_wav(tmp_path / "kept.wav"), read_wav(tmp_path / "streamed.wav")
    assert len(a.samples) == len(b.samples)
    np.testing.assert_allclose(a.samples, b.samples, atol=2 / 32768)
