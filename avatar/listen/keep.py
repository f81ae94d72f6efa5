"""Keeping what visitors said: only when the operator keeps a --log, in a folder beside it."""

from __future__ import annotations

import logging
import time
from pathlib import Path

from avatar.audio import Audio, save_wav
from avatar.errors import OutputPathError
from avatar.output import write_atomic


class HeardAudio:
    """Saves each voice question as `<start time>-q0001.wav` in `folder` (runs appending to one log keep
    apart); with no folder, nothing is ever written."""

    def __init__(self, folder: Path | None, *, started: float | None = None) -> None:
        self.folder = folder
        self.stamp = time.strftime("%Y%m%d-%H%M%S", time.localtime(time.time() if started is None else started))
        self._made = False

    @classmethod
    def beside_log(cls, log_path: Path | None) -> "HeardAudio":
        """`kiosk.jsonl` keeps its recordings in `kiosk-audio/`; no log, no recordings."""
        if log_path is None:
            return cls(None)
        log_path = Path(log_path)
        return cls(log_path.with_name(f"{log_path.stem}-audio"))

    def keep(self, audio: Audio, number: int) -> str | None:
        """The saved file's path as text, or None (no --log, or it could not be written: logged)."""
        if self.folder is None:
            return None
        path = self.folder / f"{self.stamp}-q{number:04d}.wav"
        try:
            if not self._made:
                self.folder.mkdir(parents=True, exist_ok=True)
                self._made = True
            write_atomic(path, lambda part: save_wav(audio, part))
        except (OSError, OutputPathError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else type(exc).__name__
            logging.getLogger("avatar.kiosk").warning("could not keep a voice question in %s (%s)",
                                                      self.folder, reason)
            return None
        return str(path)
