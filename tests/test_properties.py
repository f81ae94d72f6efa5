"""Properties over generated input: any text parses or fails with ScriptError; any audio gives a sound mouth track."""

from __future__ import annotations

import itertools
import math

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from avatar.audio import Audio
from avatar.errors import ScriptError
from avatar.lipsync import track_from_audio
from avatar.lipsync.track import MouthShape
from avatar.script import (
    MAX_PAUSE_S,
    MAX_SENTENCE_CHARS,
    Pause,
    Sentence,
    decode_script_bytes,
    parse_script,
)

FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Pieces a speech script is made of, good and broken, so that generated text reaches the parser's corners.
FRAGMENTS = [
    "Hello there.", "We open the market today!", "Dr. Smith came", " ", "  ", "\n", "\n\n", "\t", ",", ".", "?",
    "[pause 1s]", "[pause 300ms]", "[pause]", "[pause soon]", "[pause 99999s]", "[pause -1s]", "[",
    "]", "[]", "[slide off]", "[slide missing.png]", "[expression smile]", "[expression angry]",
    "[dance]", "[Link](http://example.com)", "**", "*", "_", "__", "**bold**", "*it*", "_u_", "***both***",
    "+++\n", 'title = "Talk"\n', "rate = 9000\n", "rate = 150\n", 'voice = 3\n', "colour = 1\n", "= = =\n",
    "# Heading\n", "<!--", "-->", "<!-- note -->", "- ", "1. ", "> ", "\u202e", "\u200f", "\x00", "\x1b",
    "\r\n", "\r", "é", "中文。", "，", "\ufeff", "a" * 700, "word " * 150,
]
SCRIPT_TEXT = st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=12)), max_size=40).map("".join)


@FAST
@given(SCRIPT_TEXT)
def test_any_text_parses_or_raises_a_script_error(text: str) -> None:
    try:
        script = parse_script(text, path="talk.md")
    except ScriptError as exc:
        message = str(exc)
        assert message.startswith("talk.md") and "\n" not in message
        return
    sentences = [s for s in script.segments if isinstance(s, Sentence)]
    assert sentences, "a script that parses has something to say"
    for s in sentences:
        assert s.text.strip() and len(s.text) <= MAX_SENTENCE_CHARS
        assert any(ch.isalnum() or ch == "_" for ch in s.text)
        assert all(0 <= a <= b <= len(s.text) for a, b in s.emphasis)
        assert all(0 <= offset <= len(s.text) for offset, _ in s.marks)
        assert s.line >= 1
    assert all(0 <= p.duration_s <= MAX_PAUSE_S for p in script.segments if isinstance(p, Pause))


@FAST
@given(st.binary(max_size=300))
def test_any_bytes_decode_or_raise_a_script_error(data: bytes) -> None:
    try:
        text = decode_script_bytes(data, "talk.md")
    except ScriptError as exc:
        assert "talk.md" in str(exc) and "\n" not in str(exc)
        return
    assert "\r" not in text


RATES = st.sampled_from([8000, 11025, 16000, 22050, 44100, 48000, 96000])
SPECIALS = st.sampled_from([0.0, 1.0, -1.0, 1e-9, 1e9, -1e9, float("nan"), float("inf"), float("-inf")])


@st.composite
def audio_arrays(draw: st.DrawFn) -> Audio:
    """Short arrays element by element (edge values), or longer ones made from a recipe (speech-like)."""
    rate = draw(RATES)
    if draw(st.booleans()):
        values = draw(st.lists(st.one_of(st.floats(-2.0, 2.0, width=32), SPECIALS), max_size=400))
        return Audio(np.array(values, np.float32), rate)
    n = draw(st.integers(0, 3 * rate))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    t = np.arange(n) / rate
    kind = draw(st.sampled_from(["silence", "noise", "tone", "bursts", "clipped", "dc", "sprinkled-nan"]))
    amp = draw(st.floats(1e-4, 4.0))
    if kind == "silence":
        x = np.zeros(n)
    elif kind == "noise":
        x = amp * rng.standard_normal(n)
    elif kind == "tone":
        x = amp * np.sin(2 * np.pi * draw(st.floats(50, 4000)) * t)
    elif kind == "bursts":
        x = amp * np.sign(np.sin(2 * np.pi * 130 * t)) * (np.sin(2 * np.pi * 3 * t) > 0)
    elif kind == "clipped":
        x = np.clip(10 * amp * rng.standard_normal(n), -1, 1)
    elif kind == "dc":
        x = np.full(n, amp)
    else:
        x = amp * rng.standard_normal(n)
        x[rng.random(n) < 0.01] = np.nan
    return Audio(x.astype(np.float32), rate)


@FAST
@given(audio_arrays())
def test_any_audio_gives_a_whole_mouth_track_in_range(audio: Audio) -> None:
    with np.errstate(all="ignore"):
        track = track_from_audio(audio)
    d = audio.duration_s
    assert track.duration_s == d
    assert len(track.openness) == math.ceil(d * track.openness_fps - 1e-9)
    assert np.all(np.isfinite(track.openness)) and np.all((track.openness >= 0) & (track.openness <= 1))
    cues = track.cues
    assert cues and cues[0].start_s == 0 and math.isclose(cues[-1].end_s, d, abs_tol=1e-9)
    assert all(math.isclose(a.end_s, b.start_s, abs_tol=1e-9) for a, b in itertools.pairwise(cues)), "no gaps"
    assert all(c.end_s >= c.start_s and isinstance(c.shape, MouthShape) for c in cues)
    for t in np.linspace(-0.5, d + 0.5, 23):
        assert 0.0 <= track.openness_at(float(t)) <= 1.0
        assert isinstance(track.shape_at(float(t)), MouthShape)
