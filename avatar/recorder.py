"""Offline recording: draw frame i at t = i / fps, pipe it to ffmpeg with the audio, publish the MP4 atomically."""

from __future__ import annotations

import math
import os
import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence

from avatar import ffmpeg
from avatar.errors import AudioInputError, UsageError
from avatar.output import check_output_path, discard, publish, reserve_part
from avatar.progress import FrameProgress

SIZE_PRESETS: dict[str, tuple[int, int]] = {
    "360p": (640, 360),
    "480p": (854, 480),
    "720p": (1280, 720),
    "1080p": (1920, 1080),
    "4k": (3840, 2160),
    "vertical": (1080, 1920),
    "square": (1080, 1080),
}
X264_TUNES = ("film", "animation", "grain", "stillimage", "fastdecode", "zerolatency", "psnr", "ssim")
X264_PRESETS = ("ultrafast", "superfast", "veryfast", "faster", "fast", "medium", "slow", "slower", "veryslow")
MIN_SIDE, MAX_SIDE = 16, 8192
MIN_FPS, MAX_FPS = 1.0, 120.0

# render(t_s, surface) draws frame t_s; it may return the areas it changed since it last drew on that
# surface (None: maybe all of it). Only those areas are converted for the encoder. It may also return
# an avatar.yuv.FrameUpdate: those areas, then a call that writes straight into the yuv420p frame, and
# areas copied from the surface drawn just before.
Render = Callable[[float, "pygame.Surface"], "Sequence[pygame.Rect] | FrameUpdate | None"]  # noqa: F821 - lazy


@dataclass(frozen=True)
class RecordResult:
    """What a finished recording produced and how fast."""

    output: Path
    frames: int
    fps: float
    size: tuple[int, int]
    preset: str         # the x264 preset used ("auto" resolved)
    duration_s: float   # frames / fps, which the audio was padded or cut to
    elapsed_s: float    # wall time from starting ffmpeg to the published file
    speed_x: float      # seconds of video per second of wall time


def parse_size(text: str) -> tuple[int, int]:
    """"1280x720" or a preset name (720p, 1080p, 4k, vertical, ...) to (width, height)."""
    key = text.strip().lower()
    if key in SIZE_PRESETS:
        return SIZE_PRESETS[key]
    m = re.fullmatch(r"(\d+)\s*[x×*]\s*(\d+)", key)
    if not m:
        names = ", ".join(SIZE_PRESETS)
        raise UsageError(f"video size {text!r} is not WIDTHxHEIGHT (e.g. 1280x720) or one of: {names}")
    size = (int(m.group(1)), int(m.group(2)))
    check_size(size)
    return size


def check_size(size: tuple[int, int]) -> None:
    """UsageError unless both sides are even (yuv420p needs that) and within 16..8192 pixels."""
    w, h = size
    if not (MIN_SIDE <= w <= MAX_SIDE and MIN_SIDE <= h <= MAX_SIDE):
        raise UsageError(f"video size {w}x{h} is out of range; each side must be {MIN_SIDE}..{MAX_SIDE} pixels")
    if w % 2 or h % 2:
        fix = f"{w + w % 2}x{h + h % 2}"
        raise UsageError(f"video size {w}x{h} has an odd side; H.264 (yuv420p) needs even sides, e.g. {fix}")


def resolve_preset(preset: str, size: tuple[int, int]) -> str:
    """The x264 preset to use; "auto" is veryfast up to 1280x720 and ultrafast above.

    Measured with scripts/bench on a 2-core laptop: veryfast keeps 720p30 above 4x real time with
    the scene drawn; at 1080p the encoder is the bottleneck, and ultrafast is about 30% faster than
    veryfast/superfast there (a mostly still picture keeps its files about as small as superfast's).
    """
    if preset != "auto":
        return preset
    return "veryfast" if size[0] * size[1] <= 1280 * 720 else "ultrafast"


def check_encoding(fps: float, crf: int, preset: str, tune: str | None = None) -> None:
    """UsageError for a frame rate, quality or speed preset that ffmpeg would reject or that makes no sense."""
    if not (isinstance(fps, (int, float)) and math.isfinite(fps) and MIN_FPS <= fps <= MAX_FPS):
        raise UsageError(f"frame rate {fps} is out of range; give {MIN_FPS:g}..{MAX_FPS:g} fps (e.g. 30)")
    if not (isinstance(crf, int) and 0 <= crf <= 51):
        raise UsageError(f"quality (crf) {crf} is out of range; give 0..51 (lower is better, 23 is usual)")
    if preset != "auto" and preset not in X264_PRESETS:
        raise UsageError(f"encoder preset {preset!r} is unknown; give auto or one of: "
                         f"{', '.join(X264_PRESETS)}")
    if tune is not None and tune not in X264_TUNES:
        raise UsageError(f"encoder tune {tune!r} is unknown; give one of: {', '.join(X264_TUNES)}")


def _check_audio(audio: Path) -> None:
    if not audio.exists():
        raise AudioInputError(f"audio file not found: {audio} (check the path)")
    if not audio.is_file() or audio.stat().st_size == 0:
        raise AudioInputError(f"{audio} is not an audio file (empty or a folder)")
    if ffmpeg.probe_audio_rate(audio) is None:
        raise AudioInputError(f"{audio} has no audio stream; give a WAV, MP3, OGG or FLAC recording")


class Recorder:
    """Renders a picture-as-a-function-of-time into an MP4 with one audio track.

    All settings are checked when the Recorder is made, so a command line can fail before spending
    minutes on speech synthesis; the output path is checked again when recording starts.
    """

    def __init__(self, output: str | os.PathLike[str], *, size: tuple[int, int] = (1280, 720), fps: float = 30,
                 crf: int = 23, preset: str = "auto", tune: str | None = None, threads: int | None = None,
                 overwrite: bool = False, progress: bool | None = None) -> None:
        check_size(size)
        check_encoding(fps, crf, preset, tune)
        self.output = check_output_path(output, overwrite=overwrite)
        self.size = (int(size[0]), int(size[1]))
        self.fps = fps
        self.crf = crf
        self.preset = resolve_preset(preset, self.size)
        self.tune = tune
        self.threads = threads
        self.overwrite = overwrite
        self.progress = progress

    def frame_count(self, duration_s: float) -> int:
        """round(duration_s * fps): the video then lasts within half a frame of `duration_s`."""
        return int(round(duration_s * self.fps))

    def record(self, render: Render, duration_s: float, audio_wav: str | os.PathLike[str] | None, *,
               check_audio: bool = True) -> RecordResult:
        """Call `render(i / fps, surface)` for every frame and encode; audio_wav None gives a silent track.
        `check_audio=False` skips probing `audio_wav` first (for a WAV the caller has just written).

        `render` must draw the whole picture: it gets one of two surfaces in turn (the other is being
        encoded meanwhile), so what the previous call drew is not there. Each surface still holds
        what `render` drew into it last (nothing else draws on them), so it may repaint only changes;
        if it returns the areas it changed on that surface, only those are converted to the encoder's
        pixel format (avatar.yuv), else the whole picture is. A `FrameUpdate` adds a call that then
        writes pixels straight into the frame (a face composed in yuv420p, not drawn on the surface),
        and areas it copied from the surface drawn just before (the other one, still untouched): their
        yuv420p is copied from that frame rather than converted.
        """
        if not (isinstance(duration_s, (int, float)) and math.isfinite(duration_s) and duration_s > 0):
            raise UsageError(f"video length {duration_s!r} s must be a positive number of seconds")
        frames = self.frame_count(duration_s)
        if frames < 1:
            raise UsageError(f"video length {duration_s:g} s is shorter than one frame at {self.fps:g} fps")
        audio = Path(audio_wav) if audio_wav is not None else None
        if audio is not None and check_audio:
            _check_audio(audio)
        path = check_output_path(self.output, overwrite=self.overwrite)

        import pygame  # here, not at import time: `import avatar.recorder` stays cheap and headless

        from avatar.pipe_write import page_buffer
        from avatar.yuv import FrameUpdate, I420Frame, apply_update, i420_bytes

        w, h = self.size
        # Masks R=0xFF0000, G=0xFF00, B=0xFF: the memory layout avatar.yuv reads.
        surfaces = [pygame.Surface((w, h), 0, 32, (0xFF0000, 0xFF00, 0xFF, 0)) for _ in range(2)]
        # Each buffer's frame, kept in step with it, in memory made for lending to ffmpeg's pipe.
        yuv = {id(s): I420Frame((w, h), page_buffer(i420_bytes((w, h)))) for s in surfaces}
        tmp = reserve_part(path)
        encoder = ffmpeg.VideoEncoder(tmp, size=(w, h), fps=self.fps, frames=frames, audio=audio, crf=self.crf,
                                      preset=self.preset, tune=self.tune, threads=self.threads,
                                      pix_fmt_in="yuv420p", label=path.name)
        t0 = time.perf_counter()
        try:
            with FrameProgress(frames, self.fps, enabled=self.progress) as bar, encoder:
                free = list(surfaces)
                previous = None      # the frame drawn just before (still being written to ffmpeg: read only)
                for i in range(frames):
                    surface = free.pop() if free else encoder.reclaim()
                    changed = render(i / self.fps, surface)
                    update = changed if isinstance(changed, FrameUpdate) else FrameUpdate(changed)
                    frame = yuv[id(surface)]
                    # A buffer's first frame is converted whole, whatever render says it changed.
                    apply_update(frame, surface, update, previous, whole=i < len(surfaces))
                    encoder.submit(frame.data, surface)
                    previous = frame
                    bar.update()
                encoder.finish()
            publish(tmp, path, overwrite=self.overwrite)
        except BaseException:
            # Ctrl-C, a failing render, a dead ffmpeg or a full disk: nothing half-made stays behind.
            encoder.abort()
            discard(tmp)
            raise
        elapsed_s = time.perf_counter() - t0
        video_s = frames / self.fps
        return RecordResult(output=path, frames=frames, fps=self.fps, size=(w, h), preset=self.preset,
                            duration_s=video_s, elapsed_s=elapsed_s,
                            speed_x=video_s / elapsed_s if elapsed_s > 0 else math.inf)


def record_video(render: Render, duration_s: float, audio_wav: str | os.PathLike[str] | None,
                 output: str | os.PathLike[str], *, size: tuple[int, int] = (1280, 720), fps: float = 30,
                 crf: int = 23, preset: str = "auto", tune: str | None = None, threads: int | None = None,
                 overwrite: bool = False, progress: bool | None = None) -> RecordResult:
    """Record `render` for `duration_s` seconds with the audio of `audio_wav` into `output` (MP4)."""
    recorder = Recorder(output, size=size, fps=fps, crf=crf, preset=preset, tune=tune, threads=threads,
                        overwrite=overwrite, progress=progress)
    return recorder.record(render, duration_s, audio_wav)
