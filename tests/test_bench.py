"""The benchmark runs end to end in --quick mode and writes a bench.json a person can read (no timing checks)."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

FIGURES = {
    "lipsync_x_realtime", "lipsync_phones_x_realtime", "align_long_x_realtime", "draw_1080p_median_ms",
    "draw_1080p_p99_ms", "live_drift_20min_ms",
    "live_clip_start_error_ms", "play_first_word_s", "play_first_word_busy_s", "kiosk_llm_first_audio_s",
    "kiosk_local_first_audio_s", "kiosk_words_first_audio_s", "kiosk_hang_ack_s", "kiosk_hang_answer_s",
    "kiosk_local_zh_first_audio_s",
    "record_720p_x_realtime", "record_1080p_x_realtime", "record_peak_memory_mb", "record_peak_memory_all_mb",
    "draw_sprites_1080p_median_ms", "draw_sprites_1080p_p99_ms",
    "encoder_limit_720p_x", "encoder_limit_1080p_x", "encoder_limit_rgb_720p_x", "encoder_limit_rgb_1080p_x",
    "record_720p_vs_limit", "record_1080p_vs_limit", "record_720p_frame_draw_ms", "record_720p_frame_convert_ms",
    "record_1080p_frame_draw_ms", "record_1080p_frame_convert_ms", "photo_record_1080p_frame_draw_ms",
    "photo_record_1080p_frame_convert_ms",
    "neural_rtf", "neural_peak_mb", "neural_first_word_s", "neural_kiosk_first_audio_s",
    "photo_draw_1080p_median_ms", "photo_draw_1080p_p99_ms", "photo_rig_build_12mp_s",
    "photo_record_720p_x_realtime", "photo_record_720p_vs_drawn", "photo_record_1080p_x_realtime",
    "photo_record_720p_vs_limit", "photo_record_1080p_vs_limit",
}
# shown beside their budgeted siblings; the photo rig is built once per photo, so it has no budget
UNBUDGETED = {"record_peak_memory_all_mb", "encoder_limit_720p_x", "encoder_limit_1080p_x",
              "encoder_limit_rgb_720p_x", "encoder_limit_rgb_1080p_x", "neural_peak_mb",
              "record_720p_frame_draw_ms", "record_720p_frame_convert_ms", "record_1080p_frame_draw_ms",
              "record_1080p_frame_convert_ms", "photo_record_1080p_frame_draw_ms",
              "photo_record_1080p_frame_convert_ms",
              "photo_rig_build_12mp_s", "photo_record_720p_x_realtime", "photo_record_1080p_x_realtime"}
FIGURES |= {"draw_1080p_zh_median_ms", "zh_segmenter_start_s"}  # avatar.bench.cjk
FIGURES |= {"record_zh_720p_x_realtime", "record_zh_720p_vs_en"}  # avatar.bench.record_zh
UNBUDGETED |= {"record_zh_720p_x_realtime"}
FIGURES |= {"listen_decode_s", "listen_rtf", "listen_word_accuracy", "listen_same_answer",  # avatar.bench.listen
            "listen_generic_decode_s", "listen_generic_word_accuracy", "listen_generic_same_answer",
            "listen_model_build_s", "listen_natural_word_accuracy", "listen_natural_same_answer"}
UNBUDGETED |= {"listen_word_accuracy", "listen_same_answer", "listen_generic_decode_s",
               "listen_natural_word_accuracy", "listen_natural_same_answer",
               "listen_generic_word_accuracy", "listen_generic_same_answer"}


def bench(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    scratch = cwd / "tmp"
    scratch.mkdir(exist_ok=True)
    env = dict(os.environ, SDL_VIDEODRIVER="dummy", SDL_AUDIODRIVER="dummy", PYTHONPATH=str(ROOT),
               TMPDIR=str(scratch))
    for name in ("OPENAI_API_KEY", "OPENAI_BASE_URL"):
        env.pop(name, None)
    return subprocess.run([sys.executable, "-m", "avatar.bench", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=300)


def test_quick_bench_prints_a_table_and_writes_every_figure(tmp_path: Path) -> None:
    """A person running `scripts/bench --quick` sees one table row per figure and gets bench.json with
    each figure's median, spread, runs and budget, and the machine it ran on."""
    out = tmp_path / "bench.json"
    proc = bench("--quick", "--quiet", "-o", str(out), cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr
    assert "figure" in proc.stdout and "budget" in proc.stdout and "status" in proc.stdout
    doc = json.loads(out.read_text("utf-8"))
    assert doc["mode"] == "quick"
    assert doc["failures"] == []
    machine = doc["machine"]
    assert machine["cpu_count"] >= 1 and machine["python"].startswith("3.") and machine["platform"]
    by_key = {f["key"]: f for f in doc["figures"]}
    assert set(by_key) == FIGURES
    for key, fig in by_key.items():
        assert fig["label"] in proc.stdout, key
        assert fig["runs"], key
        assert all(math.isfinite(v) and v >= 0 for v in fig["runs"]), key
        assert fig["min"] <= fig["median"] <= fig["max"], key
        if key in UNBUDGETED:
            assert fig["budget"] is None, key
        else:
            assert fig["budget"]["limit"] > 0 and fig["budget"]["text"], key
        assert fig["status"] == "-", key  # quick workloads are never judged against the budget
        assert fig["notes"], key
    assert not list((tmp_path / "tmp").glob("avatar-bench-*")), "the scratch folder is left behind"


def test_unknown_part_is_a_usage_error(tmp_path: Path) -> None:
    proc = bench("--only", "lipsync,teleport", cwd=tmp_path)
    assert proc.returncode == 2
    assert "teleport" in proc.stderr
    assert not (tmp_path / "bench.json").exists()
