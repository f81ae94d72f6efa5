"""One Piper voice (VITS .onnx + .onnx.json) in onnxruntime: phoneme ids in, audio and per-id sample counts out."""

from __future__ import annotations

import atexit
import json
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from avatar.errors import TTSError, UsageError
from avatar.tts.deadline import Deadline
from avatar.tts.onnx_session import open_session

BOS, EOS, PAD = "^", "$", "_"
_LATE = ("the neural voice took longer than {limit_s:.0f} s on one sentence (is the computer overloaded?); "
         "close busy programs or pick a lighter voice ('avatar voices')")
_BUSY = ("the neural voice is still stuck on a sentence that took too long; "
         "close busy programs or pick a lighter voice ('avatar voices')")
_gate = threading.Condition()
_busy = 0
_closing = False


@contextmanager
def _onnx_call() -> Iterator[None]:
    """Count a call into onnxruntime; once the process is exiting, a new call waits for good."""
    global _busy
    with _gate:
        while _closing:
            _gate.wait()
        _busy += 1
    try:
        yield
    finally:
        with _gate:
            _busy -= 1
            _gate.notify_all()


@atexit.register
def _finish_onnx_calls() -> None:
    """At exit, let a voice being loaded or a sentence being synthesised (on a daemon thread) finish:
    onnxruntime aborts the process if its globals are torn down under a running call."""
    global _closing
    with _gate:
        _closing = True
        _gate.wait_for(lambda: _busy == 0, timeout=30)


def default_threads() -> int:
    """$AVATAR_ONNX_THREADS, else every core up to 4 (on 2 cores both: synthesis runs ahead of playback)."""
    env = os.environ.get("AVATAR_ONNX_THREADS", "")
    if env.isdigit() and int(env) > 0:
        return int(env)
    return max(1, min(4, os.cpu_count() or 1))


class PiperModel:
    """The loaded voice; `run` is thread-safe (one inference at a time, the session reused)."""

    def __init__(self, model_path: Path, config_path: Path, *, threads: int | None = None) -> None:
        try:
            config = json.loads(Path(config_path).read_text("utf-8"))
            self.rate_hz = int(config["audio"]["sample_rate"])
            self.id_map: dict[str, list[int]] = {k: list(v) for k, v in config["phoneme_id_map"].items()}
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise UsageError(f"{config_path} is not a Piper voice config ({type(exc).__name__}); "
                             "use the .onnx.json that came with the voice") from None
        if config.get("phoneme_type", "espeak") != "espeak":
            raise UsageError(f"the voice {model_path} uses '{config.get('phoneme_type')}' phonemes; "
                             "only espeak-ng phoneme voices are supported")
        self.espeak_voice = str(config.get("espeak", {}).get("voice", "en-us"))
        inference = config.get("inference", {})
        self.noise_scale = float(inference.get("noise_scale", 0.667))
        self.length_scale = float(inference.get("length_scale", 1.0))
        self.noise_w = float(inference.get("noise_w", 0.8))
        self.speaker_id = 0 if int(config.get("num_speakers", 1)) > 1 else None
        self._longest_key = max(len(k) for k in self.id_map)
        with _onnx_call():
            self.session, self.has_durations = open_session(Path(model_path), threads or default_threads())
        self._inputs = {i.name for i in self.session.get_inputs()}
        self._lock = threading.Lock()
        self._deadline = Deadline(late=_LATE, busy=_BUSY, thread_name="avatar-neural-run")

    def ids(self, phoneme: str) -> list[int]:
        """The ids of one phoneme's codepoints (longest keys first), each followed by the pad id."""
        out: list[int] = []
        i = 0
        while i < len(phoneme):
            for n in range(min(self._longest_key, len(phoneme) - i), 0, -1):
                key = phoneme[i:i + n]
                if key in self.id_map:
                    for k in self.id_map[key]:
                        out += [k, *self.id_map[PAD]]
                    i += n
                    break
            else:
                i += 1  # a symbol the voice never learnt is skipped, as Piper does
        return out

    def run(self, ids: list[int], length_scale: float, *,
            limit_s: float | None = None) -> tuple[np.ndarray, np.ndarray | None]:
        """Float audio at `rate_hz` and, when the model tells them, the samples each id lasts.

        With `limit_s`, a run that has not ended by then is a `TTSError` (onnxruntime cannot be
        stopped, so the run is abandoned: see avatar.tts.deadline)."""
        feed = {
            "input": np.asarray([ids], np.int64),
            "input_lengths": np.asarray([len(ids)], np.int64),
            "scales": np.asarray([self.noise_scale, length_scale, self.noise_w], np.float32),
        }
        if self.speaker_id is not None and "sid" in self._inputs:
            feed["sid"] = np.asarray([self.speaker_id], np.int64)
        out = self._infer(feed) if limit_s is None else self._deadline.call(lambda: self._infer(feed), limit_s)
        audio = np.asarray(out[0], np.float32).reshape(-1)
        if not self.has_durations or len(out) < 2:
            return audio, None
        frames = np.asarray(out[1], np.float64).reshape(-1)
        if len(frames) != len(ids) or frames.sum() <= 0:
            return audio, None
        hop = len(audio) / frames.sum()
        if abs(hop - round(hop)) > 1e-6:
            return audio, None
        return audio, (frames * round(hop)).astype(np.int64)

    def _infer(self, feed: dict[str, np.ndarray]) -> list:
        with self._lock, _onnx_call():
            try:
                return self.session.run(None, feed)
            except Exception as exc:  # noqa: BLE001
                raise TTSError(f"the neural voice failed: {str(exc).splitlines()[0][:200]}") from None
