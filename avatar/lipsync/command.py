"""What `avatar lipsync` does with its Rhubarb options: a progress bar, extended shapes, the output file."""

from __future__ import annotations

import argparse
import sys

from avatar.audio import Audio
from avatar.lipsync.export import DAT_FPS
from avatar.lipsync.track import MouthTrack


class SecondsProgress:
    """A tqdm bar in seconds of audio analysed; a no-op unless enabled."""

    def __init__(self, total_s: float, enabled: bool, desc: str = "lip sync") -> None:
        self._bar = None
        if enabled:
            from tqdm import tqdm

            self._bar = tqdm(total=round(total_s, 2), unit="s", desc=desc, file=sys.stderr, leave=True,
                             dynamic_ncols=True, bar_format="{desc}: {percentage:3.0f}%|{bar}| "
                             "{n:.0f}/{total:.0f} s of audio [{elapsed}<{remaining}]")

    def __call__(self, seconds: float) -> None:
        if self._bar is not None:
            self._bar.update(round(min(seconds, self._bar.total - self._bar.n), 2))

    def close(self) -> None:
        if self._bar is not None:
            self._bar.update(round(self._bar.total - self._bar.n, 2))
            self._bar.close()
            self._bar = None


def audio_only_track(recording: Audio, language: str | None, progress: bool = False) -> MouthTrack:
    """The recording's mouth track from its sound alone: phone recognition where it hears the language."""
    from avatar.lipsync.from_audio import track_from_audio

    bar = SecondsProgress(recording.duration_s, progress)
    try:
        return track_from_audio(recording, language=language or "en", progress=bar)
    finally:
        bar.close()


def write_output(track: MouthTrack, args: argparse.Namespace, path: str | None, sound_file: str) -> None:
    """Apply --extended-shapes and write in --format (atomically, or to stdout when `path` is None)."""
    from avatar.lipsync.export import write_track
    from avatar.lipsync.shapeset import base_shape, parse_extended, restrict_shapes
    from avatar.lipsync.track import MouthShape

    extended = parse_extended(getattr(args, "extended_shapes", None))
    write_track(restrict_shapes(track, extended), path, args.format, sound_file,
                dat_fps=getattr(args, "dat_frame_rate", DAT_FPS),
                preston_blair=getattr(args, "dat_preston_blair", False),
                rest_shape=base_shape(MouthShape.X, extended))


def check_options(args: argparse.Namespace) -> None:
    """Bad option values fail before any audio is read."""
    from avatar.errors import UsageError
    from avatar.lipsync.shapeset import parse_extended

    parse_extended(getattr(args, "extended_shapes", None))
    fps = getattr(args, "dat_frame_rate", DAT_FPS)
    if not 24.0 <= fps <= 100.0:
        raise UsageError(f"--dat-frame-rate must be between 24 and 100, not {fps:g}")

