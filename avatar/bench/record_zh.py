"""Figure: `avatar record` of the Chinese sample speech (with its English subtitles) against the English one.

Both at 720p30 with burnt-in captions, cached speech, one right after the other in each run, so the
ratio says what Chinese text, its font and the second subtitle line cost in a recording.
"""

from __future__ import annotations

from avatar.bench.context import SAMPLE_SPEECH, BenchContext
from avatar.bench.proc import avatar_env, run_avatar
from avatar.bench.record import parse_wrote
from avatar.bench.result import Budget, Figure

CHINESE_SPEECH = SAMPLE_SPEECH.with_name("beijing-digital-economy-zh.md")
TINY_ZH = "+++\nlanguage = \"zh\"\n+++\n女士们，先生们，大家好。今天，我很高兴来到日内瓦。\n"
TINY_EN = "Ladies and gentlemen, good morning. Today I am delighted to be in Geneva.\n"


def measure(ctx: BenchContext) -> list[Figure]:
    folder = ctx.scratch("record-zh")
    env = avatar_env(ctx, ctx.scratch("record-zh-cache"))
    if ctx.quick:
        zh, en = folder / "zh.md", folder / "en.md"
        zh.write_text(TINY_ZH, "utf-8")
        en.write_text(TINY_EN, "utf-8")
    else:
        zh, en = CHINESE_SPEECH, SAMPLE_SPEECH
    size = "320x180" if ctx.quick else "1280x720"
    runs = 1 if ctx.quick else ctx.record_runs
    out = folder / "out.mp4"
    ctx.log("record zh: warm-up (synthesises both speeches into a fresh cache)")
    for script in (zh, en):
        run_avatar(["record", str(script), "-o", str(out), "--size", "320x180", "--no-sidecars", "--overwrite"],
                   env, cwd=folder)
    speeds: dict[str, list[float]] = {"zh": [], "en": []}
    for run in range(runs):
        for lang, script in (("zh", zh), ("en", en)):
            ctx.log(f"record zh: {lang} at {size}, run {run + 1} of {runs}")
            done = run_avatar(["record", str(script), "-o", str(out), "--size", size, "--burn-captions",
                               "--no-sidecars", "--overwrite"], env, cwd=folder)
            video_s, _ = parse_wrote(done)
            speeds[lang].append(video_s / done.wall_s)
    ratios = tuple(z / e for z, e in zip(speeds["zh"], speeds["en"]))
    return [Figure("record_zh_720p_x_realtime", "`avatar record` Chinese sample 720p30, bilingual captions", "x",
                   tuple(speeds["zh"]), None, notes=f"{'tiny' if ctx.quick else 'sample'} Chinese speech with its "
                   "English translation burnt in below; cached speech; command wall time",
                   comparable=not ctx.quick, extra={"en_x": speeds["en"]}),
            Figure("record_zh_720p_vs_en", "`avatar record` 720p30: Chinese sample / English sample", "ratio",
                   ratios, Budget(0.8, higher_is_better=True),
                   notes="each run records the Chinese sample, then the English one; speed ratio",
                   comparable=not ctx.quick)]
