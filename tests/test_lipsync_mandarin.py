"""Mandarin lip sync on real espeak-ng `cmn` speech: closed lips on b/p/m, rounded lips on u/o/ü.

`HELD_OUT` was written after the chart in `avatar/lipsync/mandarin.py` was final and never used to
tune it. `DEVELOPMENT` was looked at while building it (its misses at 220 words per minute led to the
lips of g/k/h, d/t, zh/ch/sh... taking the rounding of the vowel after them). Expected mouths come from
the pinyin each espeak mnemonic stands for, listed here independently of the chart: b/p/m close the
lips; u, o, ü and the finals built on them round them.
"""

from __future__ import annotations

import pytest

from avatar.language import guess_language
from avatar.lipsync import CueSettings, MouthShape, track_from_speech
from avatar.lipsync.phonemes import normalise, shape_for_phoneme, spans_from_phonemes
from avatar.tts import get_engine
from avatar.tts.base import PhonemeTiming, Speech, VoiceSettings

S = MouthShape
HELD_OUT = [
    "部队明早八点出发去边境。", "我买了两本关于宇宙的书。", "奶奶每天早上都去菜市场。", "这部电影的结局让人感动。",
    "马路对面新开了一家面包店。", "他把报告放在了抽屉里。", "冬天的北方常常下大雪。", "孩子们排着队走进博物馆。",
    "朋友送我一束美丽的玫瑰。", "请把窗户关好再出门。", "毛主席纪念堂在广场南边。", "布置作业以前老师先点名。",
    "我们明年一起去云南旅行。", "那位医生的手术做得很好。", "妹妹喜欢弹钢琴和跳舞。", "森林里住着许多猴子和鸟。",
    "他说普通话带一点南方口音。", "冰箱里还有半瓶牛奶。", "别把垃圾扔在马路上。", "每个周末我都陪父母吃饭。",
    "这座桥建于明朝末年。", "火车准时到达了终点站。", "我不太明白他的意思。", "老板决定明天发奖金。",
    "雨伞忘在公共汽车上了。", "屋里很暖和，外面很冷。", "农民伯伯在田里收割麦子。", "工人们把货物搬上卡车。",
    "请慢慢说，我听不清楚。", "我们的目标是服务人民。", "猫咪躲在沙发后面睡觉。", "木头做的玩具很结实。",
    "冬季奥运会在北京举办。", "他的女朋友是律师。", "学校附近有一个足球场。", "路边的梧桐树叶都黄了。",
]
DEVELOPMENT = [
    "白白胖胖的宝宝爱吃苹果。", "爸爸骑摩托车去买报纸。", "妈妈在门口摆了一盆梅花。", "表哥跑步比我快多了。",
    "北部山区明天有暴雨。", "请不要把杯子放在桌边。", "木板上面摆满了毛笔。", "这本书比那本便宜一半。",
    "博物馆免费开放三个月。", "母亲帮我补了破洞。", "冰冰凉凉的啤酒泡沫很多。", "飞机平安降落在浦东机场。",
    "我们每个月碰一次面。", "部长表示目标必须明确。", "别忘了明天八点半报到。", "孩子们喜欢看熊猫吃竹子。",
    "路上的车太多了，我们走过去吧。", "外婆煮的鱼汤非常鲜美。", "五个朋友坐在湖边钓鱼。", "绿色的树叶落满了小路。",
    "他住在武汉的一座古老的楼里。", "雨后的公路特别滑。", "欧洲的客人说中文说得很好。", "我国的数字经济发展很快。",
    "我们一起努力工作。", "图书馆周末不开门。", "小朋友在公园里捉蝴蝶。", "女孩穿着一双红色的布鞋。",
    "我昨天去邮局寄包裹。", "火锅的味道又麻又辣。", "这座古城有很多故事。", "老屋后面种了一棵梧桐。",
    "多喝温水对身体好。", "政府鼓励企业开拓国际市场。", "云南的风光美不胜收。", "月底我们去旅游。",
]
CLOSED = {"p", "ph", "m"}                                      # b, p, m
ROUNDED = {"u", "o", "y", "yu", "ou", "uo", "ong", "w"}        # u, o, ü, ou, uo, ong, w-
ROUNDED_START = {"ua", "uA", "uai", "uei", "u@", "yE", "y&", "y@", "yi"}   # ua, uai, ui, un, üe, üan, ün


def synthesize_all(texts: list[str], rate_wpm: int) -> list[Speech]:
    engine = get_engine()
    voice = engine.resolve_voice("zh")
    assert voice.endswith("cmn"), voice
    return [engine.synthesize(text, VoiceSettings(voice, rate_wpm)) for text in texts]


@pytest.fixture(scope="module")
def speeches() -> list[Speech]:
    return synthesize_all(HELD_OUT, 175)


def score(speeches: list[Speech]) -> dict[str, tuple[int, int]]:
    """(hits, total) for closed lips at the middle of each b/p/m, rounding at the middle of each
    rounded vowel and early in each final that starts rounded."""
    out = {"closed": [0, 0], "rounded": [0, 0], "rounded_start": [0, 0]}
    for speech in speeches:
        track = track_from_speech(speech)
        for p in speech.phonemes:
            sym = normalise(p.symbol)
            mid = 0.5 * (p.start_s + p.end_s)
            if sym in CLOSED:
                key, hit = "closed", track.shape_at(mid) is S.A
            elif sym in ROUNDED:
                key, hit = "rounded", track.shape_at(mid) in (S.E, S.F)
            elif sym in ROUNDED_START:
                key, hit = "rounded_start", track.shape_at(p.start_s + 0.15 * (p.end_s - p.start_s)) in (S.E, S.F)
            else:
                continue
            out[key][0] += hit
            out[key][1] += 1
    return {k: (v[0], v[1]) for k, v in out.items()}


@pytest.mark.parametrize("rate_wpm", [175, 220])
def test_held_out_sentences_close_on_b_p_m_and_round_on_u_o_u(speeches: list[Speech], rate_wpm: int) -> None:
    """Across 36 unseen sentences, at the default rate and a brisk one, at least 95% of b/p/m show
    closed lips and of u/o/ü rounded lips."""
    result = score(speeches if rate_wpm == 175 else synthesize_all(HELD_OUT, rate_wpm))
    closed, rounded, start = result["closed"], result["rounded"], result["rounded_start"]
    assert closed[1] >= 60 and rounded[1] >= 80 and start[1] >= 10, result
    assert closed[0] / closed[1] >= 0.95, result
    assert rounded[0] / rounded[1] >= 0.95, result
    assert start[0] / start[1] >= 0.9, result


def test_english_chart_alone_would_miss_mandarin_finals(speeches: list[Speech]) -> None:
    """The same speech read with the English chart rounds fewer finals: the Mandarin chart matters."""
    def rounded_share(language: str) -> float:
        hits = total = 0
        for speech in speeches[:12]:
            track = track_from_speech(speech, language=language)
            for p in speech.phonemes:
                if normalise(p.symbol) in {"ou", "uo", "ong", "uai", "uei", "u@"}:
                    total += 1
                    hits += track.shape_at(p.start_s + 0.15 * (p.end_s - p.start_s)) in (S.E, S.F)
        return hits / max(1, total)

    assert rounded_share("zh") >= 0.95 > 0.8 > rounded_share("en")


def test_language_is_guessed_from_the_text() -> None:
    assert guess_language("北京欢迎你") == "zh"
    assert guess_language("Welcome to Beijing") == "en"
    assert guess_language("我们在 Beijing 开会") == "zh"
    assert guess_language("2023?", default="zh") == "zh"
    assert guess_language("Hello", default="zh") == "en"


def test_glides_split_into_parts_and_quick_ones_keep_their_rounded_start() -> None:
    """"kuai" puckers (already on the k: the lips round ahead), opens, then shows the teeth; at speed it
    stays puckered rather than flicker; "ta" shows the teeth on the t."""
    slow = spans_from_phonemes([PhonemeTiming("kh", 0.0, 0.08), PhonemeTiming("'uai", 0.08, 0.38)], "zh")
    assert [s.shape for s in slow] == [S.F, S.F, S.D, S.B]
    ta = spans_from_phonemes([PhonemeTiming("th", 0.0, 0.08), PhonemeTiming("'A", 0.08, 0.3)], "zh")
    assert [s.shape for s in ta] == [S.B, S.D]
    fast = spans_from_phonemes([PhonemeTiming("'uai", 0.0, 0.1)], "zh")
    assert [s.shape for s in fast] == [S.F]
    # English switched in by espeak ("(en) ... (cmn)") uses the English chart, and the markers are silent
    mixed = spans_from_phonemes([PhonemeTiming("(en)", 0.0, 0.0), PhonemeTiming("@r", 0.0, 0.1),
                                 PhonemeTiming("(cmn)", 0.1, 0.1), PhonemeTiming("@r", 0.1, 0.2)], "zh")
    assert [s.shape for s in mixed] == [shape_for_phoneme("@r"), S.E]


def test_mixed_chinese_and_english_sentence_keeps_closed_lips() -> None:
    engine = get_engine()
    speech = engine.synthesize("北京在 Geneva 介绍数字经济，Bob 也来了。", VoiceSettings(engine.resolve_voice("zh"), 175))
    track = track_from_speech(speech)
    mids = [0.5 * (p.start_s + p.end_s) for p in speech.phonemes if normalise(p.symbol) in ("p", "b", "m", "ph")]
    assert len(mids) >= 3
    assert all(track.shape_at(t) is S.A for t in mids)
    assert all(c.end_s - c.start_s >= CueSettings().min_cue_s - 1e-6 for c in track.cues)


def test_lipsync_command_guesses_chinese_and_closes_the_lips(tmp_path) -> None:
    """`avatar lipsync rec.wav --text 中文` picks the Mandarin voice and chart without being told."""
    import json
    import os
    import subprocess
    import sys
    from pathlib import Path

    from avatar.audio import save_wav

    text = "爸爸妈妈带宝宝去博物馆。"
    engine = get_engine()
    speech = engine.synthesize(text, VoiceSettings(engine.resolve_voice("zh"), 175))
    wav = tmp_path / "rec.wav"
    save_wav(speech.audio, wav)
    root = Path(__file__).resolve().parent.parent
    env = dict(os.environ, SDL_VIDEODRIVER="dummy", SDL_AUDIODRIVER="dummy", PYTHONPATH=str(root))

    def cues(*extra: str) -> list[dict]:
        out = subprocess.run([sys.executable, "-m", "avatar", "lipsync", str(wav), "--text", text, *extra],
                             capture_output=True, text=True, env=env, timeout=120)
        assert out.returncode == 0, out.stderr
        return json.loads(out.stdout)["mouthCues"]

    guessed = cues()
    assert guessed == cues("--language", "zh")
    closed = [p for p in speech.phonemes if normalise(p.symbol) in CLOSED]
    assert len(closed) >= 6
    for p in closed:
        mid = 0.5 * (p.start_s + p.end_s)
        cue = next(c for c in guessed if c["start"] <= mid < c["end"])
        assert cue["value"] == "A", (p, cue)


def test_a_chinese_script_without_front_matter_is_spoken_in_mandarin(tmp_path) -> None:
    """`avatar record` of a script that never says `language = "zh"`: its Chinese text picks the
    Mandarin voice (an English voice would spell out every character, taking twice as long or more)."""
    import json
    import os
    import subprocess
    import sys
    from pathlib import Path

    text = "北京欢迎各位朋友。我们一起努力。"
    script = tmp_path / "talk.md"
    script.write_text(text + "\n", "utf-8")
    root = Path(__file__).resolve().parent.parent
    env = dict(os.environ, SDL_VIDEODRIVER="dummy", SDL_AUDIODRIVER="dummy", PYTHONPATH=str(root))
    out = subprocess.run([sys.executable, "-m", "avatar", "record", str(script), "-o", str(tmp_path / "t.mp4"),
                          "--size", "320x180", "--fps", "10", "--quiet", "--cues", str(tmp_path / "t.json")],
                         capture_output=True, text=True, env=env, timeout=180)
    assert out.returncode == 0, out.stderr
    cues = json.loads((tmp_path / "t.json").read_text("utf-8"))
    engine = get_engine()
    mandarin_s = engine.synthesize(text, VoiceSettings(engine.resolve_voice("zh"), 175)).duration_s
    english_s = engine.synthesize(text, VoiceSettings("", 175)).duration_s
    assert english_s > 1.5 * mandarin_s
    assert cues["metadata"]["duration"] < mandarin_s + 0.5 * (english_s - mandarin_s)
    assert {"A", "F"} <= {c["value"] for c in cues["mouthCues"]}
