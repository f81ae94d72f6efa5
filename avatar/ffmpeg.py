"""The one place that runs the ffmpeg binary shipped by imageio-ffmpeg: probing, encoding, reading back."""

from __future__ import annotations

import functools
import os
import queue
import re
import signal
import subprocess
import sys
import tempfile
import threading
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

from avatar.errors import EncodeError
from avatar.pipe_write import FrameWriter


_exe_lock = threading.Lock()


def exe() -> str:
    """Path of the ffmpeg binary: $AVATAR_FFMPEG, else the one inside imageio-ffmpeg."""
    with _exe_lock:        # one lookup, even while `find_exe_in_background` is still at it
        return _find_exe()


def find_exe_in_background() -> None:
    """Start looking for the binary now, in a thread: imageio-ffmpeg runs it once to check it (about
    70 ms), which can then overlap with a command's other start-up work. A failure is left for `exe`
    to raise where it is called."""
    def find() -> None:
        try:
            exe()
        except Exception:  # noqa: BLE001 - reported by the next exe() call, which tries again
            pass

    threading.Thread(target=find, name="find-ffmpeg", daemon=True).start()


@functools.cache
def _find_exe() -> str:
    override = os.environ.get("AVATAR_FFMPEG")
    if override:
        return override
    try:
        import imageio_ffmpeg
    except ImportError as exc:  # pragma: no cover - it is a hard dependency
        raise EncodeError("imageio-ffmpeg is not installed; run: pip install imageio-ffmpeg") from exc
    return imageio_ffmpeg.get_ffmpeg_exe()


def probe(path: str | os.PathLike[str]) -> str:
    """ffmpeg's own description of a media file's streams (its stderr for `-i path`)."""
    proc = subprocess.run([exe(), "-hide_banner", "-nostdin", "-i", str(Path(path))],
                          capture_output=True, timeout=60)
    return proc.stderr.decode("utf-8", "replace")


def probe_audio_rate(path: str | os.PathLike[str]) -> int | None:
    """Sample rate of the first audio stream, or None when the file has none."""
    m = re.search(r"Stream #\S+.*?Audio: .*?(\d+) Hz", probe(path))
    return int(m.group(1)) if m else None


def native_pix_fmt() -> str:
    """ffmpeg's name for a 32-bit pygame surface with masks R=0xFF0000, G=0xFF00, B=0xFF in memory."""
    # The pixel is one native-endian 32-bit word, so its bytes are B,G,R,x on little-endian machines.
    return "bgr0" if sys.byteorder == "little" else "0rgb"


def frame_bytes(pix_fmt: str, size: tuple[int, int]) -> int:
    """Bytes of one raw frame of `size` in `pix_fmt` (yuv420p, or a 32-bit RGB layout)."""
    if pix_fmt == "yuv420p":
        from avatar.yuv import i420_bytes

        return i420_bytes(size)
    return size[0] * size[1] * 4


def fps_arg(fps: float) -> str:
    """A frame rate as ffmpeg wants it: "30", or "30000/1001" for 29.97."""
    frac = Fraction(fps).limit_denominator(1001)
    return str(frac.numerator) if frac.denominator == 1 else f"{frac.numerator}/{frac.denominator}"


# ffmpeg reports one failure as a cascade; these lines are the echoes, not the cause.
_ECHO_LINES = ("conversion failed", "exiting normally", "error while filtering", "nothing was written",
               "task finished with error code", "terminating thread with return code",
               "error sending frames to consumers", "could not open encoder before eof")


def _cause_line(text: str) -> str:
    """The line of ffmpeg's stderr that says what went wrong: the first one that is not an echo."""
    # "[out#0/mp4 @ 0x55d0c0] Error writing trailer: ..." -> "Error writing trailer: ..."
    lines = [re.sub(r"^(\[[^\]]*\]\s*)+", "", ln.strip()) for ln in text.splitlines()]
    lines = [ln for ln in lines if ln]
    for line in lines:
        if not line.lower().startswith(_ECHO_LINES):
            return line[:240]
    return lines[-1][:240] if lines else ""


_STOP = object()


class VideoEncoder:
    """The interface between frames and ffmpeg: raw frames in on stdin plus an audio file, an MP4 out.

    Frames come as BT.709 limited-range yuv420p (`pix_fmt_in="yuv420p"`, see avatar.yuv) or as 32-bit
    RGB, which ffmpeg then converts. H.264 (libx264, yuv420p, BT.709 tags) and AAC, constant frame
    rate, `+faststart`. The audio is padded with silence or cut so that it lasts exactly
    `frames / fps`, the length of the video.

    Frames are handed over with `submit(data, tag)`; a writer thread pipes `data` (any buffer, e.g. a
    pygame surface's `get_buffer()`) to ffmpeg while the caller draws the next frame. `data` must stay
    unchanged until `reclaim()` gives `tag` back (on Linux the pipe may borrow a frame's memory rather
    than copy it: its tag then comes back once the next frame is written, see avatar.pipe_write).
    Use as a context manager: leaving it with an exception kills ffmpeg. The encoder never deletes
    files; whoever chose `output` owns it.
    """

    def __init__(self, output: str | os.PathLike[str], *, size: tuple[int, int], fps: float, frames: int,
                 audio: str | os.PathLike[str] | None, crf: int = 23, preset: str = "veryfast",
                 tune: str | None = None, threads: int | None = None, pix_fmt_in: str | None = None,
                 audio_rate_hz: int = 48000, audio_bitrate: str = "128k", queue_frames: int = 1,
                 label: str | None = None) -> None:
        self.output = Path(output)
        self.label = label or self.output.name  # what error messages call the video
        self.size = size
        self.fps = fps
        self.frames = frames
        self.audio = Path(audio) if audio is not None else None
        self.crf = crf
        self.preset = preset
        self.tune = tune
        self.threads = threads
        self.pix_fmt_in = pix_fmt_in or native_pix_fmt()
        self._frame_bytes = frame_bytes(self.pix_fmt_in, size)
        self.audio_rate_hz = audio_rate_hz
        self.audio_bitrate = audio_bitrate
        self._todo: queue.Queue[Any] = queue.Queue(maxsize=max(1, queue_frames))
        self._done: queue.Queue[Any] = queue.Queue()
        self._proc: subprocess.Popen[bytes] | None = None
        self._stderr: Any = None
        self._writer: threading.Thread | None = None
        self._out: FrameWriter | None = None
        self._write_error: BaseException | None = None
        self._frames_written = 0
        self._aborted = False

    # -- the command ------------------------------------------------------------------------------

    @property
    def duration_s(self) -> float:
        return self.frames / self.fps

    def command(self) -> list[str]:
        """The full ffmpeg command line (also handy to show with --verbose)."""
        w, h = self.size
        rate = fps_arg(self.fps)
        cmd = [exe(), "-hide_banner", "-nostats", "-loglevel", "error", "-y",
               "-f", "rawvideo", "-pix_fmt", self.pix_fmt_in, "-s", f"{w}x{h}", "-framerate", rate, "-i", "-"]
        if self.audio is not None:
            cmd += ["-i", str(self.audio)]
        else:
            cmd += ["-f", "lavfi", "-i", f"anullsrc=r={self.audio_rate_hz}:cl=mono"]
        # Tagging BT.709 and converting with its matrix keeps colours right in browsers and players,
        # which assume BT.709 for HD video whatever the file says.
        tags = "setparams=colorspace=bt709:color_primaries=bt709:color_trc=bt709:range=tv"
        convert = "" if self.pix_fmt_in == "yuv420p" else "scale=out_color_matrix=bt709:out_range=tv,format=yuv420p,"
        cmd += ["-map", "0:v:0", "-map", "1:a:0", "-vf", convert + tags,
                "-c:v", "libx264", "-preset", self.preset, "-crf", str(self.crf), "-pix_fmt", "yuv420p",
                "-r", rate]
        if self.tune:
            cmd += ["-tune", self.tune]
        if self.threads:
            cmd += ["-threads", str(self.threads)]
        # Pad then cut the audio to the exact video length: unlike -shortest, which stops at a packet
        # boundary, this makes both streams end within a sample of frames / fps.
        samples = round(self.duration_s * self.audio_rate_hz)
        muxer = "mov" if self.output.suffix.lower() == ".mov" else "mp4"
        cmd += ["-af", f"aresample={self.audio_rate_hz},apad,atrim=end_sample={samples}",
                "-c:a", "aac", "-b:a", self.audio_bitrate,
                "-movflags", "+faststart", "-f", muxer, str(self.output)]
        return cmd

    # -- life cycle -------------------------------------------------------------------------------

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc else None

    def start(self) -> None:
        """Start ffmpeg and the writer thread."""
        if self._proc is not None:
            raise RuntimeError("VideoEncoder.start() called twice")
        self._stderr = tempfile.TemporaryFile()  # a file never fills up and blocks ffmpeg, unlike a pipe
        # ffmpeg runs in its own process group so Ctrl-C reaches only us; we then stop it ourselves
        # and remove the half-written file, instead of ffmpeg finishing a truncated video.
        kwargs: dict[str, Any] = {}
        if os.name == "posix":
            kwargs["start_new_session"] = True
        else:  # pragma: no cover - Windows
            kwargs["creationflags"] = subprocess.CREATE_NEW_PROCESS_GROUP
        try:
            self._proc = subprocess.Popen(self.command(), stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                                          stderr=self._stderr, bufsize=0, **kwargs)
        except OSError as exc:
            self._stderr.close()
            raise EncodeError(f"cannot start ffmpeg ({exc.strerror or exc}); reinstall imageio-ffmpeg "
                              f"or point $AVATAR_FFMPEG at an ffmpeg binary") from exc
        _grow_pipe(self._proc.stdin)
        self._out = FrameWriter(self._proc.stdin.fileno(), self._frame_bytes)
        self._writer = threading.Thread(target=self._write_loop, name="ffmpeg-writer", daemon=True)
        self._writer.start()

    def __enter__(self) -> "VideoEncoder":
        self.start()
        return self

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        if exc_type is not None or self._proc is None or self._proc.returncode is None:
            self.abort()

    def submit(self, data: Any, tag: Any = None) -> None:
        """Queue one frame (a buffer of exactly one frame's bytes); blocks while the queue is full."""
        self._raise_if_failed()
        with memoryview(data) as view:
            if view.nbytes != self._frame_bytes:
                raise ValueError(f"a {self.size[0]}x{self.size[1]} {self.pix_fmt_in} frame is "
                                 f"{self._frame_bytes} bytes, got {view.nbytes}")
        self._todo.put((data, tag))

    def reclaim(self) -> Any:
        """Block until the oldest submitted frame has been written to ffmpeg; give back its tag."""
        tag = self._done.get()
        self._raise_if_failed()
        return tag

    def finish(self) -> None:
        """Write the queued frames, close ffmpeg's input, wait for the file; EncodeError on failure."""
        assert self._proc is not None and self._writer is not None, "start() first"
        self._todo.put(_STOP)
        self._writer.join()
        self._raise_if_failed()
        self._close_stdin()
        self._proc.wait()
        if self._proc.returncode != 0:
            raise self._error("ffmpeg failed")
        self._stderr.close()

    def abort(self) -> None:
        """Stop ffmpeg at once and free everything; safe to call at any time, more than once."""
        if self._aborted:
            return
        self._aborted = True
        proc = self._proc
        if proc is not None and proc.returncode is None:
            proc.kill()
            proc.wait()
        if self._writer is not None and self._writer.is_alive():
            # The frames still queued are not wanted any more. A KeyboardInterrupt (Ctrl-C, SIGTERM)
            # landing inside a queue operation can lose the writer's wake-up, so it is never waited
            # for long: it is a daemon thread, and ffmpeg, whose pipe it writes to, is dead already.
            try:
                while True:
                    self._todo.get_nowait()
            except queue.Empty:
                pass
            try:
                self._todo.put_nowait(_STOP)
            except queue.Full:
                pass
            self._writer.join(timeout=0.5)
        self._close_stdin()
        if self._stderr is not None:
            self._stderr.close()

    # -- inside ---------------------------------------------------------------------------------

    def _write_loop(self) -> None:
        assert self._proc is not None and self._out is not None
        out = self._out
        lent = None      # the tag of a frame whose memory the pipe may still hold (`FrameWriter.lent`)
        while True:
            item = self._todo.get()
            if item is _STOP:
                if lent is not None:      # nothing is submitted after this: `finish` waits for ffmpeg
                    self._done.put(lent)
                return
            data, tag = item
            item = None
            if self._write_error is None:
                try:
                    out.write(data)
                    self._frames_written += 1
                except Exception as exc:  # BrokenPipeError: ffmpeg died (EINVAL on Windows)
                    self._write_error = exc
            # Drop our reference before handing the tag back: a pygame BufferProxy keeps its
            # surface locked, and a locked surface cannot be blitted onto.
            data = None
            if lent is not None:          # this frame is wholly in the pipe: none of the last one is
                self._done.put(lent)
                lent = None
            if out.lent and self._write_error is None:
                lent = tag
            else:
                self._done.put(tag)

    def _raise_if_failed(self) -> None:
        if self._write_error is not None:
            proc = self._proc
            if proc is not None:
                try:
                    proc.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    pass
            raise self._error(f"ffmpeg stopped taking frames after frame {self._frames_written}") \
                from self._write_error

    def _error(self, what: str) -> EncodeError:
        rc = self._proc.returncode if self._proc else None
        detail = ""
        if self._stderr is not None and not self._stderr.closed:
            self._stderr.seek(0, os.SEEK_END)
            self._stderr.seek(max(0, self._stderr.tell() - 8192))
            detail = _cause_line(self._stderr.read().decode("utf-8", "replace"))
        if rc is not None and rc < 0:
            try:
                name = signal.Signals(-rc).name
            except ValueError:
                name = str(-rc)
            how = f"ffmpeg was killed ({name})"
        elif rc is not None:
            how = f"exit code {rc}"
        else:
            how = "ffmpeg still running"
        return EncodeError(f"recording {self.label} failed: {what}: {detail or how}"
                           + (f" ({how})" if detail else ""))

    def _close_stdin(self) -> None:
        stdin = self._proc.stdin if self._proc else None
        if stdin is not None and not stdin.closed:
            try:
                stdin.close()
            except OSError:
                pass


def _grow_pipe(stream: Any) -> None:
    """Ask Linux for a 1 MiB pipe instead of 64 KiB: fewer wake-ups per 3.7 MB frame."""
    if sys.platform != "linux" or stream is None:
        return
    import fcntl
    try:
        fcntl.fcntl(stream.fileno(), fcntl.F_SETPIPE_SZ, 1 << 20)
    except (OSError, AttributeError):  # a lower /proc/sys/fs/pipe-max-size; the default pipe works too
        pass


# -- reading a produced file back ----------------------------------------------------------------

@dataclass(frozen=True)
class MediaInfo:
    """What a user checks in a produced video: codecs, picture, rate and how long each stream lasts."""

    video_codec: str | None
    pix_fmt: str | None
    width: int
    height: int
    fps: float
    duration_s: float            # the container's duration
    audio_codec: str | None
    audio_rate_hz: int | None
    video_frames: int            # frames actually stored
    video_duration_s: float      # from the stored frames' timestamps
    audio_duration_s: float      # from the decoded samples
    faststart: bool              # the index (moov) comes before the media data (mdat)


def _split_top(text: str) -> list[str]:
    """Split on commas that are not inside parentheses or brackets."""
    parts, depth, cur = [], 0, []
    for ch in text:
        if ch in "([":
            depth += 1
        elif ch in ")]":
            depth -= 1
        if ch == "," and depth == 0:
            parts.append("".join(cur).strip())
            cur = []
        else:
            cur.append(ch)
    parts.append("".join(cur).strip())
    return parts


def mp4_boxes(path: str | os.PathLike[str]) -> list[str]:
    """The top-level box types of an MP4/MOV file, in file order (e.g. ftyp, moov, mdat)."""
    types: list[str] = []
    with open(path, "rb") as f:
        end = f.seek(0, os.SEEK_END)
        pos = 0
        while pos + 8 <= end:
            f.seek(pos)
            head = f.read(8)
            size = int.from_bytes(head[:4], "big")
            kind = head[4:8].decode("latin-1")
            if size == 1:
                size = int.from_bytes(f.read(8), "big")
            elif size == 0:
                size = end - pos
            if size < 8:
                break
            types.append(kind)
            pos += size
    return types


def decode_pcm(path: Path, rate_hz: int) -> tuple[bytes, int, str]:
    """Decode any audio file to mono float32 little-endian PCM at `rate_hz`: (samples, return code,
    the cause line of ffmpeg's complaint). Raises EncodeError if decoding hangs."""
    cmd = [exe(), "-nostdin", "-v", "error", "-i", str(path), "-vn", "-ac", "1",
           "-ar", str(rate_hz), "-f", "f32le", "-acodec", "pcm_f32le", "-"]
    try:
        proc = subprocess.run(cmd, capture_output=True, timeout=600)
    except subprocess.TimeoutExpired as exc:
        raise EncodeError(f"decoding {path} took too long") from exc
    lines = proc.stderr.decode("utf-8", "replace").strip().splitlines()
    return proc.stdout, proc.returncode, (lines or ["no audio decoded"])[-1].strip()


def _run(cmd: list[str], what: str) -> subprocess.CompletedProcess[bytes]:
    proc = subprocess.run(cmd, capture_output=True, timeout=600)
    if proc.returncode != 0:
        raise EncodeError(f"{what}: {_cause_line(proc.stderr.decode('utf-8', 'replace'))}")
    return proc


def media_info(path: str | os.PathLike[str]) -> MediaInfo:
    """Read a produced file back: stream descriptions from `ffmpeg -i`, exact lengths by demuxing."""
    p = Path(path)
    if not p.is_file():
        raise EncodeError(f"cannot read {p}: no such file")
    text = probe(p)
    vcodec = pix_fmt = acodec = None
    width = height = 0
    fps = 0.0
    rate_hz: int | None = None
    for line in text.splitlines():
        if vcodec is None and (m := re.search(r"Stream #\S+.*?: Video: (.*)", line)):
            fields = _split_top(m.group(1))
            vcodec = fields[0].split()[0]
            pix_fmt = fields[1].split("(")[0].strip() if len(fields) > 1 else None
            for f in fields[1:]:
                if (s := re.match(r"(\d+)x(\d+)", f)) and not width:
                    width, height = int(s.group(1)), int(s.group(2))
                if (r := re.match(r"([\d.]+)(k?) fps", f)):
                    fps = float(r.group(1)) * (1000 if r.group(2) else 1)
        elif acodec is None and (m := re.search(r"Stream #\S+.*?: Audio: (.*)", line)):
            fields = _split_top(m.group(1))
            acodec = fields[0].split()[0]
            for f in fields[1:]:
                if (r := re.match(r"(\d+) Hz", f)):
                    rate_hz = int(r.group(1))
    dm = re.search(r"Duration: (\d+):(\d+):(\d+(?:\.\d+)?)", text)
    duration_s = int(dm.group(1)) * 3600 + int(dm.group(2)) * 60 + float(dm.group(3)) if dm else 0.0
    if vcodec is None and acodec is None:
        raise EncodeError(f"{p} holds no audio or video ({_cause_line(text) or 'unknown format'})")

    frames, video_s = 0, 0.0
    if vcodec is not None:
        frames, video_s = _video_packets(p)
    audio_s = 0.0
    if acodec is not None and rate_hz:
        pcm = _run([exe(), "-v", "error", "-nostdin", "-i", str(p), "-map", "0:a:0", "-ac", "1",
                    "-f", "s16le", "-acodec", "pcm_s16le", "-"], f"cannot decode the audio of {p}").stdout
        audio_s = len(pcm) / 2 / rate_hz
    return MediaInfo(video_codec=vcodec, pix_fmt=pix_fmt, width=width, height=height, fps=fps,
                     duration_s=duration_s, audio_codec=acodec, audio_rate_hz=rate_hz, video_frames=frames,
                     video_duration_s=video_s, audio_duration_s=audio_s,
                     faststart=_moov_first(p))


def _video_packets(p: Path) -> tuple[int, float]:
    """Number of stored video frames and the span of their timestamps (first pts to last pts + duration)."""
    out = _run([exe(), "-v", "error", "-nostdin", "-i", str(p), "-map", "0:v:0", "-c", "copy",
                "-f", "framecrc", "-"], f"cannot read the video of {p}").stdout.decode("ascii", "replace")
    tb = Fraction(1)
    starts: list[int] = []
    ends: list[int] = []
    for line in out.splitlines():
        if (m := re.match(r"#tb \d+: (\d+)/(\d+)", line)):
            tb = Fraction(int(m.group(1)), int(m.group(2)))
        elif line and not line.startswith("#"):
            _, _dts, pts, dur, *_ = (x.strip() for x in line.split(","))
            starts.append(int(pts))
            ends.append(int(pts) + int(dur))
    if not starts:
        return 0, 0.0
    return len(starts), float((max(ends) - min(starts)) * tb)


def _moov_first(p: Path) -> bool:
    if p.suffix.lower() not in (".mp4", ".m4v", ".mov", ".m4a"):
        return False
    boxes = mp4_boxes(p)
    return "moov" in boxes and "mdat" in boxes and boxes.index("moov") < boxes.index("mdat")
