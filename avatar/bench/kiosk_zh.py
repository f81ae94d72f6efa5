"""Figure: kiosk, from a Chinese question to the first audio of its Chinese answer, local answerer.

The same measurement as `kiosk_local_first_audio_s` (see `avatar.bench.kiosk`), with questions typed
in Chinese: the answer is found among the Chinese notes (jieba words, BM25) and its first clause is
spoken by espeak-ng's Mandarin voice.
"""

from __future__ import annotations

import numpy as np

from avatar.bench.context import BenchContext
from avatar.bench.kiosk import _session
from avatar.bench.result import Budget, Figure

QUESTIONS_ZH = [
    "北京什么时候举办第四届全球数字经济大会？",
    "一加三加N框架是什么？",
    "什么是数字人？",
    "北京的下一步工作有哪些？",
    "福布斯榜单上有多少北京企业？",
]


def measure(ctx: BenchContext) -> list[Figure]:
    questions = QUESTIONS_ZH[: 1 if ctx.quick else len(QUESTIONS_ZH)]
    ctx.log(f"kiosk_zh: {len(questions)} Chinese question(s) to the local answerer")
    local = _session(ctx, questions, None, ctx.scratch("kiosk-zh"))
    return [Figure(
        "kiosk_local_zh_first_audio_s", "kiosk: Chinese question to first Mandarin audio, local answerer", "s",
        tuple(local["seen"]), Budget(0.15),
        notes=f"no key, no base URL (BM25 over jieba words of the Chinese notes, espeak-ng cmn voice); "
              f"kiosk's own clock: {float(np.median(local['events'])):.3f} s",
        comparable=not ctx.quick, extra=local)]
