"""A kiosk visitor asking in Chinese hears a Chinese answer in the Mandarin voice; English stays English.

Real parts throughout: jieba and bm25s over the shipped notes, espeak-ng's cmn voice, the headless kiosk
as `avatar kiosk --headless` runs it, a real HTTP server standing in for the model.
"""

from __future__ import annotations

import argparse
import io
import json
import re
from pathlib import Path

import numpy as np
import pytest

from avatar.audio import read_wav
from avatar.errors import AnswerError
from avatar.kiosk import command, phrases
from avatar.kiosk.attract import greetings
from avatar.kiosk.chain import AnswerChain
from avatar.kiosk.grounding import Persona, load_grounding
from avatar.kiosk.llm import LLMAnswerer, LLMSettings
from avatar.kiosk.local import LocalAnswerer
from avatar.kiosk.voices import LanguageVoices
from avatar.language import guess_language, han_count
from avatar.tts import get_engine
from avatar.tts.base import VoiceSettings
from llm_server import FakeLLMServer

ASSETS = Path(__file__).resolve().parent.parent / "assets"
SPEECH = ASSETS / "speeches" / "beijing-digital-economy.md"
SPEECH_ZH = ASSETS / "speeches" / "beijing-digital-economy-zh.md"
KNOWLEDGE = ASSETS / "knowledge"
LATIN_WORD = re.compile(r"[A-Za-z]{3,}")


def is_chinese(text: str) -> bool:
    """Written in Chinese: mostly Chinese characters, no English words (short names such as "N" aside)."""
    return han_count(text) >= 6 and not LATIN_WORD.search(text)


@pytest.fixture(scope="module")
def local() -> LocalAnswerer:
    return LocalAnswerer(load_grounding(SPEECH, KNOWLEDGE))


# --- the local answerer ------------------------------------------------------------------------------------

@pytest.mark.parametrize("question, fact, kind", [
    ("北京什么时候举办第四届全球数字经济大会？", "2024年夏天", "passage"),
    ("一加三加N框架是什么？", "标准制定", "passage"),
    ("1+3+N框架包括什么", "标准制定", "passage"),
    ("什么是数字人", "计算机生成", "passage"),
    ("北京的规划有哪些价值？", "开放、包容和全球卓越", "passage"),
    ("福布斯榜单上有多少北京企业？", "一半以上", "passage"),
    ("数据资产化是什么意思", "估值", "passage"),
    ("这台问答机会保存我的问题吗？", "不会保存", "passage"),
    ("伙伴城市合作倡议", "分享理念", "passage"),
    ("联合国贸发会议电子商务周在哪里举行", "日内瓦", "passage"),
    ("你是谁？", "数字主持人", "faq"),
    ("请问你是真人吗", "不是真人", "faq"),
    ("你好", "欢迎", "faq"),
    ("谢谢！", "不客气", "faq"),
])
def test_chinese_questions_find_chinese_notes(local: LocalAnswerer, question: str, fact: str, kind: str) -> None:
    """Retrieval works on Chinese text (words found by jieba): the answer is the Chinese note's."""
    match = local.match(question)
    assert (match.kind, fact in match.text) == (kind, True), match
    assert is_chinese(match.text), match.text


def test_english_questions_still_get_english_answers(local: LocalAnswerer) -> None:
    for question in ("When is the conference?", "What is a digital human?", "Who are you?"):
        match = local.match(question)
        assert match.kind in ("faq", "passage") and han_count(match.text) == 0, match


def test_unknown_chinese_question_gets_the_chinese_no_answer_line(local: LocalAnswerer) -> None:
    match = local.match("今天天气怎么样？")
    assert match.kind == "unknown" and match.text.startswith("抱歉") and is_chinese(match.text)
    assert local.match("Who won the football match?").text.startswith("I'm sorry")


def test_a_kiosk_without_chinese_notes_still_answers_chinese_in_chinese() -> None:
    """Only English material: a Chinese question is told, in Chinese, what the kiosk can talk about."""
    answerer = LocalAnswerer(load_grounding(SPEECH))
    match = answerer.match("北京的数字经济规划是什么？")
    assert match.kind == "unknown" and match.text == phrases.UNKNOWN["zh"]


def test_a_chinese_speech_answers_chinese_questions_from_its_own_text() -> None:
    answerer = LocalAnswerer(load_grounding(SPEECH_ZH))
    match = answerer.match("福布斯榜单上有多少北京的企业？")
    assert match.kind == "passage" and "一半以上来自北京" in match.text
    assert "".join(answerer.answer("福布斯榜单上有多少北京的企业？")) == match.text


def test_chinese_answers_stream_in_small_pieces(local: LocalAnswerer) -> None:
    """Like a model's tokens, so the first clause can be spoken before the rest is cut."""
    pieces = list(local.answer("什么是数字人"))
    assert len(pieces) > 10 and max(len(p) for p in pieces) <= 6


# --- the model and the fallbacks ---------------------------------------------------------------------------

def test_the_model_is_told_the_language_of_the_question() -> None:
    with FakeLLMServer(tokens_per_s=400) as server:
        settings = LLMSettings(model="fake-model", base_url=server.base_url, connect_timeout_s=1.0,
                               first_token_timeout_s=1.0, stall_timeout_s=1.0)
        llm = LLMAnswerer(settings, "You are a test.", api_key="sk-test")
        list(llm.answer("北京什么时候举办大会？"))
        list(llm.answer("When is the conference?"))
        systems = [r["body"]["messages"][0]["content"] for r in server.requests]
    assert systems[0].startswith("You are a test.") and "answer in Chinese" in systems[0]
    assert "answer in English" in systems[1] and "Chinese" not in systems[1]


class _Broken:
    source = "llm"

    def answer(self, question, history):
        raise AnswerError("timeout")


def test_the_apology_is_in_the_visitor_s_language() -> None:
    chain = AnswerChain([_Broken()], rest_s=0)
    zh = [e.text for e in chain.stream("北京什么时候举办大会？") if e.kind == "chunk"]
    en = [e.text for e in chain.stream("When is it?") if e.kind == "chunk"]
    assert "".join(zh) == phrases.APOLOGY["zh"] and en == [chain.apology]


# --- voices, greetings, hints ------------------------------------------------------------------------------

def test_each_piece_is_spoken_by_a_voice_for_its_language() -> None:
    engine = get_engine()
    base = VoiceSettings("", 175)
    english_kiosk = LanguageVoices("en", engine.resolve_voice)
    assert english_kiosk.settings_for("北京欢迎您。", base).voice.endswith("cmn")
    assert english_kiosk.settings_for("Welcome to Beijing.", base) == base
    chinese_kiosk = LanguageVoices("zh", engine.resolve_voice)
    cmn = VoiceSettings(engine.resolve_voice("zh"), 175)
    assert chinese_kiosk.settings_for("北京欢迎您。", cmn) == cmn
    assert "en" in chinese_kiosk.settings_for("Welcome to Beijing.", cmn).voice
    # a Chinese script that names no voice: Chinese in Mandarin, English in the default voice
    assert chinese_kiosk.settings_for("北京欢迎您。", base) == cmn
    assert chinese_kiosk.settings_for("Welcome to Beijing.", base) == base


def test_greetings_invite_in_both_languages() -> None:
    for persona in (Persona(speaker="Beijing Digital Economy Presenter", title="Digital Beijing"),
                    Persona(speaker="北京数字经济主持人", title="数字北京", language="zh")):
        lines = greetings(persona)
        assert all(han_count(line) >= 10 and LATIN_WORD.search(line) for line in lines)
        first_is_chinese = guess_language(lines[0][:6]) == "zh"
        assert first_is_chinese == (persona.language == "zh")
    assert "北京数字经济主持人" in greetings(Persona(speaker="北京数字经济主持人", language="zh"))[0]


# --- the headless kiosk, end to end ------------------------------------------------------------------------

def _parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    command.add_arguments(parser)
    return parser.parse_args(["--headless", *argv])


def test_headless_kiosk_answers_a_chinese_question_aloud_in_mandarin(tmp_path: Path) -> None:
    """Offline kiosk with the sample speech and notes: the Chinese question is answered in Chinese from
    the Chinese notes, and every chunk heard is espeak-ng's Mandarin reading of it; the English question
    that follows is answered in English, in the English voice."""
    out = tmp_path / "wavs"
    stdout = io.StringIO()
    questions = "北京什么时候举办第四届全球数字经济大会？\nWhen is the conference?\n"
    assert command.run(_parse("--audio-out", str(out), "--rate", "175"), stdin=io.StringIO(questions),
                       stdout=stdout, env={}) == 0
    events = [json.loads(line) for line in stdout.getvalue().splitlines()]
    chunks = {q: [e for e in events if e["event"] == "chunk" and e["q"] == q] for q in (1, 2)}
    assert chunks[1] and chunks[2]
    said_zh = "".join(e["text"] for e in chunks[1])
    assert is_chinese(said_zh) and "第四届全球数字经济大会" in said_zh and "2024年夏天" in said_zh
    assert all(han_count(e["text"]) == 0 for e in chunks[2])
    assert [e["source"] for e in events if e["event"] == "answer_source"] == ["local", "local"]

    engine = get_engine()
    mandarin = VoiceSettings(engine.resolve_voice("zh"), 175)
    for e in chunks[1]:
        heard = read_wav(out / e["file"])
        expected = engine.synthesize(e["text"], mandarin).audio
        assert heard.duration_s > 1.0
        assert abs(heard.duration_s - expected.duration_s) < 0.05, e  # the Mandarin voice said it
    english = engine.synthesize(chunks[2][0]["text"], VoiceSettings("", 175)).audio
    assert abs(read_wav(out / chunks[2][0]["file"]).duration_s - english.duration_s) < 0.05


def test_headless_kiosk_with_the_chinese_speech_answers_english_in_english(tmp_path: Path) -> None:
    """A Chinese persona (the Chinese sample speech) with the shared notes: both languages work."""
    stdout = io.StringIO()
    questions = "你是谁？\nWhat is a digital human?\n"
    out = tmp_path / "wavs"
    args = _parse("--script", str(SPEECH_ZH), "--knowledge", str(KNOWLEDGE), "--audio-out", str(out))
    assert command.run(args, stdin=io.StringIO(questions), stdout=stdout, env={}) == 0
    events = [json.loads(line) for line in stdout.getvalue().splitlines()]
    said = {q: "".join(e["text"] for e in events if e["event"] == "chunk" and e["q"] == q) for q in (1, 2)}
    assert is_chinese(said[1]) and "数字主持人" in said[1]
    assert han_count(said[2]) == 0 and "digital human" in said[2]
    assert events[0]["speaker"] == "北京数字经济主持人"
    audio = [e["audio_s"] for e in events if e["event"] == "chunk"]
    assert all(a > 0.5 for a in audio) and np.isfinite(audio).all()
    # the script names no voice: its language picks Mandarin for the Chinese answer (at its rate, 165)
    engine = get_engine()
    first = next(e for e in events if e["event"] == "chunk" and e["q"] == 1)
    expected = engine.synthesize(first["text"], VoiceSettings(engine.resolve_voice("zh"), 165)).audio
    assert abs(read_wav(out / first["file"]).duration_s - expected.duration_s) < 0.05


# --- the kiosk window --------------------------------------------------------------------------------------

def test_window_answers_a_typed_chinese_question_with_chinese_captions_and_hints(tmp_path: Path) -> None:
    """Typed in Chinese (as an input method sends it): the hint under the box turns Chinese, the answer's
    captions are the Chinese note's words, and the idle hint invites questions in both languages."""
    import os

    import pygame

    from test_kiosk_app import Step, answer_over, drive, fast_voice, parse, post_text, speaking

    shot = tmp_path / "kiosk-zh.png"
    question = "什么是数字人？"

    def save(app) -> None:
        pygame.image.save(pygame.display.get_surface(), str(shot))

    steps = [
        Step("idle", lambda app, s: bool(s.hint), lambda app: post_text(question)),
        Step("typed", lambda app, s: s.input_text == question,
             lambda app: pygame.event.post(pygame.event.Event(pygame.KEYDOWN, key=pygame.K_RETURN, mod=0,
                                                              unicode="", scancode=0))),
        Step("speaks", lambda app, s: speaking(app, s) and s.caption is not None, save),
        Step("done", answer_over),
    ]
    driver, sink, setup = drive(parse("--size", "1280x720"), steps, speak=fast_voice(0.05), deadline_s=40)
    hints = [s.hint for s in driver.frames]
    assert any("中文" in h and "Ask me about" in h for h in hints), "the idle hint speaks both languages"
    assert "按回车键提问 \u00b7 Esc 清除" in hints, "typing Chinese: the hint is Chinese"
    assert any(h.endswith(phrases.HINT_ANSWERING) and "什么是数字人" in h for h in hints), "quoted, then Chinese"
    captions = driver.captions()
    assert captions and all(han_count(c) >= 4 for c in captions)
    assert "数字人" in "".join(captions)
    assert setup.session.history[1].text.startswith("数字人是由计算机生成的角色")
    if os.environ.get("AVATAR_KEEP_SCREENSHOT"):
        pygame.image.save(pygame.image.load(str(shot)), os.environ["AVATAR_KEEP_SCREENSHOT"])
    assert pygame.image.load(str(shot)).get_size() == (1280, 720)


def test_python_m_avatar_kiosk_headless_in_chinese(tmp_path: Path) -> None:
    """The real command in a child process, its input UTF-8 bytes under a C locale, offline."""
    import os
    import subprocess
    import sys

    root = Path(__file__).resolve().parent.parent
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPENAI_")}
    env.update(PYTHONPATH=str(root), AVATAR_CACHE_DIR=str(tmp_path / "cache"), LC_ALL="C", LANG="C")
    proc = subprocess.run([sys.executable, "-m", "avatar", "kiosk", "--headless"],
                          input="什么是数字人？\n".encode("utf-8"), capture_output=True, timeout=120, env=env)
    assert proc.returncode == 0, proc.stderr.decode()
    events = [json.loads(line) for line in proc.stdout.decode().splitlines()]
    assert [e["text"] for e in events if e["event"] == "question"] == ["什么是数字人？"]
    said = "".join(e["text"] for e in events if e["event"] == "chunk")
    assert said.startswith("数字人是由计算机生成的角色") and is_chinese(said)
    assert any(e["event"] == "speech_start" for e in events)
    assert proc.stderr.decode().strip() == "", "nothing on stderr (jieba keeps quiet)"
