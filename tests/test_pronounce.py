"""Pronunciation lists: the voice says the replacement (real espeak-ng) while captions, subtitles and
word highlighting keep the written words; whole-word and case rules; bad entries name line and column."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from avatar.build import build_script_timeline
from avatar.captions import caption_text, subtitle_cues
from avatar.config import parse_config
from avatar.errors import ScriptError
from avatar.pronounce import Entry, Lexicon, load_lexicon, with_pronunciation
from avatar.script import load_script, parse_script
from avatar.tts import Voice, get_engine
from avatar.tts.fake import FakeEngine
from test_cli import assert_usage_error, run


def lex(**pairs: str) -> Lexicon:
    return Lexicon(tuple(Entry(k, v) for k, v in pairs.items()))


def said(lexicon: Lexicon, text: str) -> str:
    return lexicon.rewrite(text).said


# --- what is said ----------------------------------------------------------------------------------

def test_keys_match_whole_words_only() -> None:
    lx = lex(UNCTAD="unk tad", eWeek="e week")
    assert said(lx, "UNCTAD's report, UNCTAD-led work (UNCTAD).") == \
        "unk tad's report, unk tad-led work (unk tad)."
    assert said(lx, "UNCTADSTAT and XUNCTAD and UNCTAD2 stay") == "UNCTADSTAT and XUNCTAD and UNCTAD2 stay"
    assert said(lx, "eWeek, eWeekly") == "e week, eWeekly"


def test_keys_with_symbols_match_as_whole_tokens() -> None:
    lx = Lexicon(tuple(Entry(k, v) for k, v in {"1+3+N": "one plus three plus N", "e-CNY": "e C N Y",
                                                 "C++": "see plus plus", "U.N.": "you en"}.items()))
    assert said(lx, "The 1+3+N plan pays in e-CNY.") == "The one plus three plus N plan pays in e C N Y."
    assert said(lx, "21+3+N and the e-CNYs stay") == "21+3+N and the e-CNYs stay"
    assert said(lx, "C++ code, (C++) and C+++ or xC++") == "see plus plus code, (see plus plus) and C+++ or xC++"
    assert said(lx, "the U.N. agencies and U.N.O.") == "the you en agencies and U.N.O."


def test_case_rules_capitals_exact_lower_case_any() -> None:
    lx = lex(US="you ess", nice="neess")
    assert said(lx, "The US and us") == "The you ess and us"
    assert said(lx, "Nice is nice, NICE!") == "neess is neess, neess!"


def test_longest_key_wins_and_spaces_in_a_key_match_any_run_of_spaces() -> None:
    lx = Lexicon((Entry("Jiang", "jyahng"), Entry("Jiang Guangzhi", "jyahng gwahng jir")))
    assert said(lx, "Jiang  Guangzhi met Jiang.") == "jyahng gwahng jir met jyahng."


def test_replacements_use_other_entries_once_and_cjk_keys_need_no_spaces() -> None:
    lx = Lexicon((Entry("e-CNY", "e CNY"), Entry("CNY", "see en why")))
    assert said(lx, "e-CNY and CNY") == "e see en why and see en why"
    assert said(lex(**{"北京": "Beijing"}), "在北京举行") == "在Beijing举行"


def test_the_character_map_leads_back_to_the_written_word() -> None:
    rw = lex(UNCTAD="unk tad").rewrite("Hi UNCTAD's team")
    assert rw.said == "Hi unk tad's team"
    # "unk" and "tad" (inside the replacement) both go to the written "UNCTAD"
    assert (rw.to_written(3), rw.to_written(6, end=True)) == (3, 9)
    assert (rw.to_written(7), rw.to_written(12, end=True)) == (3, 11)   # "tad's" -> "UNCTAD's"
    assert (rw.to_written(13), rw.to_written(17, end=True)) == (12, 16)  # "team" after it


def test_every_voice_gets_the_replacement_and_words_come_back_written() -> None:
    """The seam is above the engine: the fake voice is asked for the replacement too."""
    asked: list[str] = []
    engine = FakeEngine()

    def synth(text: str):
        asked.append(text)
        return Voice(engine, use_cache=False).synthesize(text)

    speech = lex(UNCTAD="unk tad").say("UNCTAD meets today.", synth)
    assert asked == ["unk tad meets today."]
    assert speech.text == "UNCTAD meets today."
    assert [w.text for w in speech.words] == ["UNCTAD", "meets", "today"]


# --- real espeak-ng ------------------------------------------------------------------------------

SCRIPT = """+++
title = "Names"
[pronounce]
Xi = "shee"
"Jiang Guangzhi" = "jyahng gwahng jir"
+++
Xi welcomed Jiang Guangzhi today.
"""


@pytest.fixture(scope="module")
def espeak() -> Voice:
    return Voice(get_engine(), use_cache=False)


def test_espeak_says_the_replacement(espeak: Voice) -> None:
    script = parse_script(SCRIPT)
    text = script.sentences[0].text
    speech = script.meta.pronounce.say(text, espeak.synthesize)
    plain = espeak.synthesize(text)
    replaced = espeak.synthesize("shee welcomed jyahng gwahng jir today.")
    symbols = [p.symbol for p in speech.phonemes]
    assert symbols == [p.symbol for p in replaced.phonemes], "what is heard is the replacement"
    assert symbols != [p.symbol for p in plain.phonemes]
    assert symbols[:2] == ["S", "'i:"] and [p.symbol for p in plain.phonemes][:2] == ["z", "'aI"]
    assert speech.duration_s == pytest.approx(replaced.duration_s, abs=0.02)  # espeak varies by a few samples


def test_captions_subtitles_and_highlighting_keep_the_written_words(espeak: Voice) -> None:
    tl = build_script_timeline(parse_script(SCRIPT), espeak)
    (cap,) = tl.captions
    assert cap.text == "Xi welcomed Jiang Guangzhi today."
    assert [w.text for w in cap.words] == ["Xi", "welcomed", "Jiang Guangzhi", "today"]
    for w in cap.words:
        assert cap.text[w.char_start:w.char_end] == w.text
    # The highlight of "Xi" lasts while "shee" is heard: its S and i: lie inside the word's time.
    speech = parse_script(SCRIPT).meta.pronounce.say(cap.text, espeak.synthesize)
    xi = speech.words[0]
    heard = [p for p in speech.phonemes if p.symbol in ("S", "'i:")][:2]
    assert all(xi.start_s - 1e-6 <= p.start_s < xi.end_s for p in heard)
    name = speech.words[2]  # the three said words of the name are one written word
    said_words = espeak.synthesize("shee welcomed jyahng gwahng jir today.").words
    assert (name.start_s, name.end_s) == pytest.approx((said_words[2].start_s, said_words[4].end_s), abs=0.02)
    # On screen, while "jyahng gwahng jir" is heard, the written name is the highlighted word.
    from avatar.show import Show, ShowOptions

    shown = Show(tl, ShowOptions(title_hold_s=0, title_fade_s=0)).state_at(
        (cap.words[2].start_s + cap.words[2].end_s) / 2).caption
    a, b = shown.words[shown.current_word]
    assert shown.text[a:b] == "Jiang Guangzhi"
    srt = caption_text(subtitle_cues(tl.captions), "talk.srt")
    vtt = caption_text(subtitle_cues(tl.captions), "talk.vtt")
    assert "Xi welcomed Jiang Guangzhi today." in srt and "shee" not in srt and "jyahng" not in srt
    assert "shee" not in vtt and re.search(r"<\d\d:\d\d:\d\d\.\d{3}>Jiang", vtt), vtt


def test_record_writes_subtitles_in_the_written_form(tmp_path: Path) -> None:
    """`avatar record`, real espeak and ffmpeg: the names file beside the script is used, the SRT
    keeps the written text."""
    (tmp_path / "talk.md").write_text("+++\n[pronounce]\nXi = \"shee\"\n+++\nXi opened the eWeek.\n", "utf-8")
    (tmp_path / "pronounce.toml").write_text('eWeek = "e week"\nXi = "ksee"\n', "utf-8")
    out = run("record", str(tmp_path / "talk.md"), "-o", str(tmp_path / "talk.mp4"), "--size", "320x180",
              "--fps", "12", "--quiet")
    assert out.returncode == 0, out.stderr
    srt = (tmp_path / "talk.srt").read_text("utf-8")
    assert "Xi opened the eWeek." in srt and "shee" not in srt and "e week" not in srt


# --- where entries come from -----------------------------------------------------------------------

def test_script_table_wins_over_the_file_beside_it_which_wins_over_the_config(tmp_path: Path) -> None:
    (tmp_path / "talk.md").write_text("+++\n[pronounce]\nUNCTAD = \"from script\"\n+++\nUNCTAD eWeek WTO.\n",
                                      "utf-8")
    (tmp_path / "pronounce.toml").write_text('unctad = "from beside"\neWeek = "from beside"\n', "utf-8")
    (tmp_path / "cfg").mkdir()
    (tmp_path / "cfg" / "names.toml").write_text(
        '[pronounce]\nUNCTAD = "from config"\neweek = "from config"\nWTO = "from config"\n', "utf-8")
    config = parse_config('[voice]\npronounce = "names.toml"\n', str(tmp_path / "cfg" / "avatar.toml"))
    extra = config.defaults_for("play")["pronounce"]
    assert Path(extra) == tmp_path / "cfg" / "names.toml", "relative to the config file"
    script = with_pronunciation(load_script(tmp_path / "talk.md"), extra)
    assert said(script.meta.pronounce, "UNCTAD eWeek WTO.") == "from script from beside from config."
    alone = with_pronunciation(load_script(tmp_path / "talk.md"), None, beside=False)
    assert said(alone.meta.pronounce, "UNCTAD eWeek WTO.") == "from script eWeek WTO."


# --- bad entries ---------------------------------------------------------------------------------

def _script_error(front: str) -> ScriptError:
    with pytest.raises(ScriptError) as info:
        parse_script(f"+++\ntitle = \"T\"\n[pronounce]\n{front}\n+++\nHello.\n", path="talk.md")
    return info.value


@pytest.mark.parametrize("front, line, col, needle", [
    ('UNCTAD = ""', 4, 10, "empty"),
    ('UNCTAD = "   "', 4, 10, "empty"),
    ('UNCTAD = 3', 4, 10, "quoted string"),
    ('eWeek = "e week"\nUNCTAD = ["unk", "tad"]', 5, 10, "quoted string"),
    ('"" = "nothing"', 4, 1, "empty key"),
    ('e.g = "for example"', 4, 1, "needs quotes"),
    ('nato = "nato alliance"', 4, 8, "holds 'nato' again"),
    ('WTO = "the UNCTAD friend"\nUNCTAD = "the WTO sister"', 4, 7, "WTO -> UNCTAD -> WTO"),
    ('"Jiang Guangzhi" = "a"\n"Jiang  Guangzhi" = "b"', 5, 1, "given twice"),
    ('UNCTAD = "x"\nvoice = "en-gb"', 5, 1, "move [pronounce] to the end"),
])
def test_bad_entries_name_line_and_column(front: str, line: int, col: int, needle: str) -> None:
    err = _script_error(front)
    assert (err.path, err.line, err.column) == ("talk.md", line, col), str(err)
    assert needle in str(err) and str(err).startswith(f"talk.md:{line}:{col}: ")


def test_harmless_entries_are_kept() -> None:
    """A replacement that holds its key in another case (exact-case key) is no loop."""
    script = parse_script('+++\n[pronounce]\nUNCTAD = "Unctad"\n"A" = "a"\n+++\nUNCTAD and A.\n')
    assert said(script.meta.pronounce, "UNCTAD and A.") == "Unctad and a."


def test_a_runaway_replacement_is_refused(tmp_path: Path) -> None:
    entries = "\n".join(f'w{i} = "w{i + 1} w{i + 1}"' for i in range(12))
    (tmp_path / "p.toml").write_text(entries + '\nw12 = "go"\n', "utf-8")
    with pytest.raises(ScriptError, match="grows to"):
        load_lexicon(tmp_path / "p.toml")


def test_pronounce_that_is_not_a_table_is_an_error() -> None:
    with pytest.raises(ScriptError, match="must be a table") as info:
        parse_script('+++\npronounce = "names.toml"\n+++\nHello.\n', path="t.md")
    assert (info.value.line, info.value.column) == (2, 1)


def test_errors_in_a_pronunciation_file_name_it(tmp_path: Path) -> None:
    bad = tmp_path / "names.toml"
    bad.write_text('eWeek = "e week"\nUNCTAD = 7\n', "utf-8")
    with pytest.raises(ScriptError) as info:
        load_lexicon(bad)
    assert str(info.value).startswith(f"{bad}:2:10: ")
    bad.write_text('eWeek = "e week\n', "utf-8")
    with pytest.raises(ScriptError, match="bad pronunciation list") as info:
        load_lexicon(bad)
    assert info.value.line == 1


def test_the_command_line_reports_a_bad_entry_in_one_line(tmp_path: Path) -> None:
    script = tmp_path / "talk.md"
    script.write_text("Hello UNCTAD.\n", "utf-8")
    (tmp_path / "pronounce.toml").write_text('eWeek = "e week"\n\nUNCTAD = ""\n', "utf-8")
    proc = run("record", str(script), "-o", str(tmp_path / "t.mp4"), "--quiet")
    assert_usage_error(proc, f"{tmp_path / 'pronounce.toml'}:3:10: what is said for 'UNCTAD' is empty")
    assert not (tmp_path / "t.mp4").exists()
    (tmp_path / "pronounce.toml").unlink()
    proc = run("play", str(script), "--pronounce", str(tmp_path / "missing.toml"), "--mute")
    assert_usage_error(proc, "pronunciation file not found")


def test_the_kiosk_says_answers_through_the_list(tmp_path: Path) -> None:
    """Headless kiosk, offline (local answers from the script), real espeak: the voice is asked for
    the replacement, the visitor reads the written form."""
    import io
    import json

    from test_kiosk_headless import parse

    from avatar.kiosk import command
    from avatar.tts import synthesize

    (tmp_path / "talk.md").write_text("+++\ntitle = \"Forum\"\n[pronounce]\nUNCTAD = \"unk tad\"\n+++\n"
                                      "UNCTAD opens the trade forum in Geneva on Monday.\n", "utf-8")
    (tmp_path / "extra.toml").write_text('Geneva = "zhe nay va"\n', "utf-8")
    asked: list[str] = []

    def speak(text: str):
        asked.append(text)
        return synthesize(text, use_cache=False)

    out = io.StringIO()
    rc = command.run(parse("--script", str(tmp_path / "talk.md"), "--pronounce", str(tmp_path / "extra.toml")),
                     stdin=io.StringIO("Who opens the trade forum in Geneva?\n"), stdout=out, env={},
                     speak=speak)
    assert rc == 0
    chunks = " ".join(e["text"] for e in map(json.loads, out.getvalue().splitlines()) if e["event"] == "chunk")
    assert "UNCTAD" in chunks and "Geneva" in chunks, chunks
    spoken = " ".join(asked)
    assert "unk tad" in spoken and "zhe nay va" in spoken and "UNCTAD" not in spoken, asked


def test_a_long_chain_of_entries_is_refused_not_a_crash() -> None:
    entries = "\n".join(f'w{i} = "w{i + 1}"' for i in range(400)) + '\nw400 = "end"\n'
    with pytest.raises(ScriptError, match="more than 32 other entries") as info:
        parse_script(f"+++\n[pronounce]\n{entries}+++\nw0.\n", path="t.md")
    assert info.value.line == 3


def test_word_spans_always_land_inside_the_written_text() -> None:
    """Any text, any list: the words that come back are in order, inside the text, and say what is written."""
    from hypothesis import given, settings, strategies as st

    lx = Lexicon(tuple(Entry(k, v) for k, v in {"UN": "you en", "1+3+N": "one plus three plus N", "ab": "x",
                                                 "a b": "y y y", "北京": "bay jing", "C++": "see plus plus"}.items()))
    engine = FakeEngine(letter_s=0.01)
    pieces = st.sampled_from(["UN", "un", "1+3+N", "ab", "a b", "北京", "C++", "x", " ", "-", "'s", ".", "é"])

    @settings(max_examples=200, deadline=None)
    @given(st.lists(pieces, max_size=14).map("".join))
    def check(text: str) -> None:
        speech = lx.say(text, lambda said: Voice(engine, use_cache=False).synthesize(said))
        assert speech.text == text
        last_end = 0
        for w in speech.words:
            assert last_end <= w.char_start <= w.char_end <= len(text)
            assert text[w.char_start:w.char_end] == w.text
            last_end = w.char_end

    check()
