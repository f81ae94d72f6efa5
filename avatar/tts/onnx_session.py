"""Open a Piper voice's onnxruntime session, its duration output exposed, optimised once and kept on disk.

onnxruntime spends most of a voice's load time optimising the graph; the optimised graph is saved in
the cache folder (keyed by the model file, onnxruntime's version and the CPU type) and loaded from there
next time, which makes a cold start about 0.3-0.4 s quicker. A damaged copy is simply rebuilt.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import tempfile
from pathlib import Path
from typing import Any

from avatar.errors import UsageError
from avatar.tts.cache import default_cache_dir
from avatar.tts.onnx_outputs import node_outputs, with_output

_FORMAT = 1
_PROVIDERS = ["CPUExecutionProvider"]


def _options(ort: Any, threads: int, save_to: str | None = None) -> Any:
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.log_severity_level = 3
    # Idle workers sleep instead of spinning: the drawing loop and the encoder share these cores.
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    if save_to is not None:
        # Up to "extended" only: the layout changes of the last level suit one CPU, and they are quick
        # to redo when the saved graph is loaded.
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_EXTENDED
        options.optimized_model_filepath = save_to
    return options


def _optimised_path(ort: Any, model_path: Path) -> Path:
    st = model_path.stat()
    blob = json.dumps([_FORMAT, str(model_path.resolve()), st.st_size, st.st_mtime_ns, ort.__version__,
                       platform.machine(), platform.processor()])
    key = hashlib.sha256(blob.encode("utf-8")).hexdigest()[:24]
    return default_cache_dir() / "onnx" / f"{model_path.stem}-{key}.onnx"


def open_session(model_path: Path, threads: int) -> tuple[Any, bool]:
    """(session, whether its second output gives each phoneme id's length in frames)."""
    import onnxruntime as ort

    try:
        cached = _optimised_path(ort, model_path)
    except OSError as exc:
        raise UsageError(f"cannot read the voice {model_path} ({exc.strerror})") from None
    if cached.is_file():
        try:
            session = ort.InferenceSession(str(cached), _options(ort, threads), providers=_PROVIDERS)
            return session, len(session.get_outputs()) >= 2
        except Exception:  # noqa: BLE001 - a damaged copy is rebuilt from the voice itself
            cached.unlink(missing_ok=True)
    try:
        model = model_path.read_bytes()
    except OSError as exc:
        raise UsageError(f"cannot read the voice {model_path} ({exc.strerror})") from None
    # The duration predictor's Ceil gives each phoneme id's length in frames: exact phoneme times.
    ceil = node_outputs(model, "Ceil")
    attempts = ([with_output(model, ceil[0])] if len(ceil) == 1 else []) + [model]
    error: Exception | None = None
    for k, data in enumerate(attempts):
        tmp = _temp_beside(cached)
        options = _options(ort, threads, tmp)
        try:
            session = ort.InferenceSession(data, options, providers=_PROVIDERS)
        except Exception as exc:  # noqa: BLE001 - a model the edit confuses still speaks, aligned afterwards
            error = exc
            session = None
        if tmp is not None:
            try:
                if session is not None and os.path.getsize(tmp) > 0:
                    os.replace(tmp, cached)
                else:
                    os.unlink(tmp)
            except OSError:
                pass
        if session is not None:
            return session, len(ceil) == 1 and k == 0
    message = str(error).splitlines()[0][:200] if error else "unknown error"
    raise UsageError(f"cannot load the voice {model_path}: {message}")


def _temp_beside(path: Path) -> str | None:
    """A temporary file name in `path`'s folder (None when the cache folder cannot be written)."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".onnx")
        os.close(fd)
        return tmp
    except OSError:
        return None
