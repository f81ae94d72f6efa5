"""Recording to MP4 with the real ffmpeg: what a viewer gets, and that failures leave nothing behind."""

from __future__ import annotations

import functools
import os
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from avatar import ffmpeg
from avatar.audio import Audio, save_wav
from avatar.errors import AudioInputError, EncodeError, OutputPathError, UsageError
from avatar.recorder import Recorder, parse_size, record_video
from avatar.ffmpeg import VideoEncoder

W, H, FPS = 320, 180, 30
linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="uses /proc and prlimit")


def tone(path: Path, duration_s: float, rate_hz: int = 22050) -> Path:
    t = np.arange(int(round(duration_s * rate_hz))) / rate_hz
    save_wav(Audio((0.3 * np.sin(2 * np.pi * 440 * t)).astype(np.float32), rate_hz), path)
    return path


@pytest.fixture
def wav(tmp_path: Path) -> Path:
    (tmp_path / "in").mkdir()
    return tone(tmp_path / "in" / "tone.wav", 2.0)


@pytest.fixture
def out_dir(tmp_path: Path) -> Path:
    d = tmp_path / "out"
    d.mkdir()
    return d


def grey_by_frame(t: float, surface) -> None:
    """Frame i is a flat grey of level 4*i, so each decoded frame tells which t it was drawn for."""
    level = min(255, int(round(t * FPS)) * 4)
    surface.fill((level, level, level))


def red_then_blue(t: float, surface) -> None:
    surface.fill((255, 0, 0) if t < 1.0 else (0, 0, 255))


def decoded_frames(path: Path, size: tuple[int, int] = (W, H)) -> np.ndarray:
    """Every frame of the file as RGB (frames, h, w, 3), decoded by ffmpeg."""
    cmd = [ffmpeg.exe(), "-v", "error", "-i", str(path), "-f", "rawvideo", "-pix_fmt", "rgb24", "-"]
    raw = subprocess.run(cmd, capture_output=True, check=True).stdout
    return np.frombuffer(raw, np.uint8).reshape(-1, size[1], size[0], 3)


def ffmpeg_children() -> list[int]:
    """Process ids of ffmpeg processes whose parent is this test process."""
    pids = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        name = stat[stat.index("(") + 1:stat.rindex(")")]
        ppid = int(stat[stat.rindex(")") + 2:].split()[1])
        if ppid == os.getpid() and "ffmpeg" in name and stat[stat.rindex(")") + 2] != "Z":
            pids.append(int(entry))
    return pids


def test_recording_is_a_playable_h264_aac_mp4_whose_streams_last_as_long_as_the_audio(wav: Path, out_dir: Path):
    """A viewer gets H.264/yuv420p + AAC at 320x180, 30 fps, 60 frames, both streams 2 s, index up front."""
    seen: list[float] = []

    def render(t: float, surface) -> None:
        seen.append(t)
        assert surface.get_size() == (W, H)
        grey_by_frame(t, surface)

    target = out_dir / "talk.mp4"
    result = record_video(render, 2.0, wav, target, size=(W, H), fps=FPS, progress=False)
    info = ffmpeg.media_info(target)
    assert (info.video_codec, info.pix_fmt, info.audio_codec) == ("h264", "yuv420p", "aac")
    assert (info.width, info.height, info.fps) == (W, H, FPS)
    assert info.video_frames == round(2.0 * FPS) == result.frames == 60
    assert seen == [i / FPS for i in range(60)]
    assert abs(info.video_duration_s - 2.0) < 1 / FPS
    assert abs(info.video_duration_s - info.audio_duration_s) < 1 / FPS
    assert info.faststart
    assert "yuv420p(tv, bt709" in ffmpeg.probe(target)  # tagged so players pick the right colours
    boxes = ffmpeg.mp4_boxes(target)
    assert boxes.index("moov") < boxes.index("mdat")
    assert result.output == target.absolute() and result.duration_s == pytest.approx(2.0) and result.speed_x > 0
    assert sorted(os.listdir(out_dir)) == ["talk.mp4"]  # no part file left


def test_every_frame_shows_what_render_drew_for_its_time(wav: Path, out_dir: Path):
    """Decoded frame i is grey 4*i: nothing dropped, doubled or swapped by the two alternating surfaces."""
    target = out_dir / "greys.mp4"
    record_video(grey_by_frame, 2.0, wav, target, size=(W, H), fps=FPS, progress=False)
    frames = decoded_frames(target)
    assert len(frames) == 60
    means = frames.reshape(60, -1).mean(axis=1)
    assert np.all(np.abs(means - 4 * np.arange(60)) < 3), means


def test_frames_bigger_than_the_pipe_are_whole_when_their_buffers_are_drawn_again(wav: Path, out_dir: Path):
    """At 720p a frame is bigger than the pipe to ffmpeg, so on Linux the pipe borrows each frame's
    memory instead of copying it: a buffer drawn again for frame i + 2 must not change frame i while
    ffmpeg still reads it. Every decoded frame is its own grey from top to bottom."""
    size = (1280, 720)
    target = out_dir / "greys720.mp4"
    record_video(grey_by_frame, 1.0, wav, target, size=size, fps=FPS, preset="ultrafast", progress=False)
    frames = decoded_frames(target, size)
    assert len(frames) == 30
    for part in (frames[:, :90], frames[:, -90:]):           # the top rows and the bottom rows
        means = part.reshape(30, -1).mean(axis=1)
        assert np.all(np.abs(means - 4 * np.arange(30)) < 3), means


def test_red_is_red_and_blue_is_blue(wav: Path, out_dir: Path):
    """The pygame surface's byte order reaches ffmpeg right: a red picture plays red, not blue."""
    target = out_dir / "colours.mp4"
    record_video(red_then_blue, 2.0, wav, target, size=(W, H), fps=FPS, progress=False)
    frames = decoded_frames(target)
    red, blue = frames[5].reshape(-1, 3).mean(axis=0), frames[45].reshape(-1, 3).mean(axis=0)
    assert red[0] > 240 and red[1] < 15 and red[2] < 15, red
    assert blue[2] > 240 and blue[0] < 15 and blue[1] < 15, blue


def test_a_render_that_says_what_it_changed_is_encoded_from_those_areas(wav: Path, out_dir: Path):
    """A white square moving over grey, repainted by the render itself (it returns the two areas it
    touched on that buffer): every decoded frame shows the square where it was drawn, and nothing
    is left behind where it was two frames before."""
    import pygame

    side = 24
    drawn: dict[int, pygame.Rect] = {}

    def moving_square(t: float, surface) -> list[pygame.Rect] | None:
        i = int(round(t * FPS))
        square = pygame.Rect(4 * i, 60, side, side)
        last = drawn.get(id(surface))
        if last is None:
            surface.fill((90, 90, 90))
        else:
            surface.fill((90, 90, 90), last)
        surface.fill((255, 255, 255), square)
        drawn[id(surface)] = square
        return None if last is None else [last, square]

    target = out_dir / "square.mp4"
    record_video(moving_square, 2.0, wav, target, size=(W, H), fps=FPS, progress=False)
    frames = decoded_frames(target)
    for i in (2, 17, 40):
        lum = frames[i].mean(axis=2)
        x = 4 * i
        assert lum[60 + side // 2, min(W - 1, x + side // 2)] > 230, i        # the square is where it is now
        if x >= 8:
            assert abs(lum[60 + side // 2, x - 8 + 2] - 90) < 12, i            # and gone from two frames back
        assert abs(lum[150, 10] - 90) < 12                                     # the rest stays grey


def test_pixels_a_render_writes_straight_into_the_frame_lie_over_those_converted(wav: Path, out_dir: Path):
    """A render may write part of its picture straight into the encoder's yuv420p frame (as the photo
    presenter's head is): that part shows over what it drew in RGB, also on frames it says changed
    everywhere, and the RGB it left there stale never shows."""
    import pygame

    from avatar.yuv import FrameUpdate

    box = (100, 40, 60, 60)       # x, y, w, h: written in yuv420p only

    def direct(t: float, surface) -> FrameUpdate:
        i = int(round(t * FPS))
        surface.fill((200, 30, 30) if i % 20 < 10 else (30, 30, 200))    # red, then blue, every 10 frames
        surface.fill((0, 255, 0), box)                                  # never shown: the frame gets grey

        def write(frame) -> None:
            x, y, w, h = box
            frame.y[y:y + h, x:x + w] = 180
            frame.u[y // 2:(y + h) // 2, x // 2:(x + w) // 2] = 128
            frame.v[y // 2:(y + h) // 2, x // 2:(x + w) // 2] = 128

        return FrameUpdate([pygame.Rect(0, 0, W, H)] if i % 3 else None, write)

    target = out_dir / "direct.mp4"
    record_video(direct, 1.0, wav, target, size=(W, H), fps=FPS, progress=False)
    frames = decoded_frames(target)
    for i in (0, 3, 5, 12, 25):
        inside = frames[i][70, 130].astype(int)
        assert np.abs(inside - 190).max() < 15, (i, inside)          # grey (Y 180 in limited range)
        outside = frames[i][150, 30].astype(int)
        assert (outside[0] > 150) == (i % 20 < 10) and (outside[2] > 150) == (i % 20 >= 10), (i, outside)


def test_a_render_writing_straight_into_the_frame_may_draw_on_its_surface_again(wav: Path, out_dir: Path):
    """The photo presenter's head goes straight into the frame; a lower third over its chin is then drawn
    on the surface over the head's pixels and converted again, inside that write: the surface is free to
    draw on there (not held by the conversion before it)."""
    import pygame

    from avatar.yuv import FrameUpdate, surface_pixels

    band = pygame.Rect(0, 100, W, 40)
    lower_third = pygame.Surface(band.size)
    lower_third.fill((230, 230, 230))

    def overlay_inside_the_write(t: float, surface) -> FrameUpdate:
        surface.fill((90, 90, 90))

        def write(frame) -> None:
            surface.blit(lower_third, band)              # drawn now, as a lower third over the head
            frame.update(surface_pixels(surface), [band])

        return FrameUpdate(None, write)

    target = out_dir / "write.mp4"
    record_video(overlay_inside_the_write, 0.5, wav, target, size=(W, H), fps=FPS, progress=False)
    frames = decoded_frames(target)
    assert frames[5][120, W // 2].min() > 200 and frames[5][60, W // 2].max() < 120


def test_areas_a_render_copied_from_the_frame_before_show_that_frame_there(wav: Path, out_dir: Path):
    """A render may copy part of its picture from the surface it drew just before (the other buffer,
    still untouched while it is encoded) and say so: those areas then show what that frame showed, not
    what the buffer held two frames back, and are not converted again."""
    import pygame

    from avatar.yuv import FrameUpdate

    band = pygame.Rect(0, 100, W, 40)
    last: list = [None]

    def colour(i: int) -> tuple[int, int, int]:
        return (220, 30, 30) if i % 4 == 0 else (30, 30, 220)

    def copying(t: float, surface) -> FrameUpdate:
        i = int(round(t * FPS))
        surface.fill((90, 90, 90), (0, 0, W, band.top))
        if i % 2 and last[0] is not None:              # odd frames take the band from the frame before
            surface.blit(last[0], band.topleft, band)
            update = FrameUpdate([pygame.Rect(0, 0, W, band.top)], copied=[band])
        else:
            surface.fill(colour(i), band)
            update = FrameUpdate([pygame.Rect(0, 0, W, band.bottom)])
        last[0] = surface
        return update

    target = out_dir / "copied.mp4"
    record_video(copying, 1.0, wav, target, size=(W, H), fps=FPS, progress=False)
    frames = decoded_frames(target)
    for i in (3, 5, 9, 15, 21):
        red, blue = frames[i][120, W // 2, 0], frames[i][120, W // 2, 2]
        want_red = colour(i - 1)[0] > 128              # the frame before's colour (two back had the other)
        assert (red > 150) == want_red and (blue > 150) != want_red, (i, frames[i][120, W // 2])


@pytest.mark.parametrize("audio_s", [1.0, 3.0])
def test_audio_is_padded_or_cut_to_the_video_length(tmp_path: Path, out_dir: Path, audio_s: float):
    """Audio shorter than the video gets silence at the end; longer audio is cut; both end together."""
    short = tone(tmp_path / "tone.wav", audio_s)
    target = out_dir / "pad.mp4"
    record_video(red_then_blue, 2.0, short, target, size=(W, H), fps=FPS, progress=False)
    info = ffmpeg.media_info(target)
    assert info.video_frames == 60
    assert abs(info.audio_duration_s - 2.0) < 1 / FPS


def test_no_audio_gives_a_silent_track(out_dir: Path):
    target = out_dir / "silent.mp4"
    record_video(red_then_blue, 1.0, None, target, size=(W, H), fps=FPS, progress=False)
    info = ffmpeg.media_info(target)
    assert info.audio_codec == "aac" and abs(info.audio_duration_s - 1.0) < 1 / FPS


def test_a_wav_the_caller_just_wrote_is_not_probed_again(wav: Path, out_dir: Path, monkeypatch):
    """`avatar record` writes the speech's WAV itself: probing it with another ffmpeg run only delays
    the start; audio from elsewhere is still checked first."""
    probed = []
    real_probe = ffmpeg.probe
    monkeypatch.setattr(ffmpeg, "probe", lambda path: probed.append(path) or real_probe(path))
    recorder = Recorder(out_dir / "own.mp4", size=(W, H), fps=FPS, progress=False)
    recorder.record(red_then_blue, 1.0, wav, check_audio=False)
    assert probed == []
    record_video(red_then_blue, 1.0, wav, out_dir / "given.mp4", size=(W, H), fps=FPS, progress=False)
    assert probed == [wav]
    info = ffmpeg.media_info(out_dir / "own.mp4")
    assert info.audio_codec == "aac" and abs(info.audio_duration_s - 1.0) < 1 / FPS


def test_the_ffmpeg_lookup_started_early_runs_once_and_leaves_failures_to_the_caller(monkeypatch, capfd):
    import threading

    calls, started, release = [], threading.Event(), threading.Event()

    def slow_lookup() -> str:
        calls.append(threading.current_thread().name)
        started.set()
        release.wait(60)
        return "/opt/ffmpeg"

    monkeypatch.setattr(ffmpeg, "_find_exe", functools.cache(slow_lookup))
    ffmpeg.find_exe_in_background()
    assert started.wait(60)                  # the early lookup is under way (however busy the machine)
    got = []
    waiter = threading.Thread(target=lambda: got.append(ffmpeg.exe()))
    waiter.start()
    release.set()
    waiter.join(60)
    assert got == ["/opt/ffmpeg"] and calls == ["find-ffmpeg"]

    def missing() -> str:
        raise EncodeError("imageio-ffmpeg is not installed; run: pip install imageio-ffmpeg")

    monkeypatch.setattr(ffmpeg, "_find_exe", missing)
    ffmpeg.find_exe_in_background()
    with pytest.raises(EncodeError, match="pip install imageio-ffmpeg"):
        ffmpeg.exe()
    for thread in threading.enumerate():
        if thread.name == "find-ffmpeg":
            thread.join(60)
    assert capfd.readouterr().err == ""      # nothing printed by the thread


def test_an_error_inside_render_leaves_no_file_and_no_part_file(wav: Path, out_dir: Path):
    def render(t: float, surface) -> None:
        if round(t * FPS) == 10:
            raise RuntimeError("the scene broke")
        surface.fill((0, 128, 0))

    with pytest.raises(RuntimeError, match="the scene broke"):
        record_video(render, 2.0, wav, out_dir / "talk.mp4", size=(W, H), fps=FPS, progress=False)
    assert os.listdir(out_dir) == []


def test_ctrl_c_leaves_no_file_and_stops_ffmpeg(wav: Path, out_dir: Path):
    def render(t: float, surface) -> None:
        if round(t * FPS) == 10:
            raise KeyboardInterrupt
        surface.fill((0, 128, 0))

    with pytest.raises(KeyboardInterrupt):
        record_video(render, 2.0, wav, out_dir / "talk.mp4", size=(W, H), fps=FPS, progress=False)
    assert os.listdir(out_dir) == []
    if sys.platform.startswith("linux"):
        assert ffmpeg_children() == []


@linux_only
def test_ffmpeg_killed_midway_is_an_encode_error_and_leaves_nothing(wav: Path, out_dir: Path):
    def render(t: float, surface) -> None:
        if round(t * FPS) == 10:
            for pid in ffmpeg_children():
                os.kill(pid, signal.SIGKILL)
        surface.fill((0, 128, 0))

    with pytest.raises(EncodeError, match="killed"):
        record_video(render, 2.0, wav, out_dir / "talk.mp4", size=(W, H), fps=FPS, progress=False)
    assert os.listdir(out_dir) == []


@linux_only
def test_a_write_failure_like_a_full_disk_is_an_encode_error_and_leaves_nothing(wav: Path, out_dir: Path):
    """ffmpeg may not grow its file past 1 kB (as on a full disk): the recording fails cleanly."""
    import resource  # POSIX only

    def render(t: float, surface) -> None:
        if round(t * FPS) == 1:
            for pid in ffmpeg_children():
                resource.prlimit(pid, resource.RLIMIT_FSIZE, (1024, 1024))
        surface.fill(((int(t * 977) % 256), 40, 90))

    with pytest.raises(EncodeError):
        record_video(render, 2.0, wav, out_dir / "talk.mp4", size=(W, H), fps=FPS, progress=False)
    assert os.listdir(out_dir) == []


def test_an_ffmpeg_error_names_its_cause(out_dir: Path):
    """When ffmpeg refuses a setting, the EncodeError carries ffmpeg's own reason, not its sign-off."""
    encoder = VideoEncoder(out_dir / "x.mp4", size=(64, 64), fps=30, frames=10, audio=None, preset="warp")
    with pytest.raises(EncodeError, match="invalid preset 'warp'"):
        with encoder:
            for i in range(10):
                encoder.submit(bytes(64 * 64 * 4), i)
                encoder.reclaim()
            encoder.finish()


def test_an_existing_file_is_kept_unless_overwrite(wav: Path, out_dir: Path):
    target = out_dir / "talk.mp4"
    target.write_bytes(b"precious")
    with pytest.raises(OutputPathError, match="--overwrite"):
        record_video(red_then_blue, 1.0, wav, target, size=(W, H), fps=FPS, progress=False)
    assert target.read_bytes() == b"precious"
    record_video(red_then_blue, 1.0, wav, target, size=(W, H), fps=FPS, overwrite=True, progress=False)
    assert ffmpeg.media_info(target).video_frames == 30
    assert os.listdir(out_dir) == ["talk.mp4"]


def test_output_folder_problems_are_found_before_recording(wav: Path, tmp_path: Path):
    called = []

    def render(t: float, surface) -> None:
        called.append(t)

    with pytest.raises(OutputPathError, match="does not exist"):
        record_video(render, 1.0, wav, tmp_path / "missing" / "talk.mp4", size=(W, H), progress=False)
    a_file = tmp_path / "notes.txt"
    a_file.write_text("x")
    with pytest.raises(OutputPathError, match="not a folder"):
        record_video(render, 1.0, wav, a_file / "talk.mp4", size=(W, H), progress=False)
    with pytest.raises(OutputPathError, match=r"\.mp4"):
        record_video(render, 1.0, wav, tmp_path / "talk.avi", size=(W, H), progress=False)
    if sys.platform.startswith("linux"):  # /proc refuses new files even for root
        with pytest.raises(OutputPathError):
            record_video(render, 1.0, wav, "/proc/talk.mp4", size=(W, H), progress=False)
    assert called == []


def test_bad_settings_are_usage_errors_before_anything_starts(wav: Path, out_dir: Path):
    target = out_dir / "talk.mp4"
    for kwargs in ({"size": (321, 180)}, {"size": (8, 8)}, {"fps": 0}, {"fps": -30}, {"fps": 1000},
                   {"crf": 99}, {"preset": "warp"}, {"tune": "louder"}):
        with pytest.raises(UsageError):
            record_video(red_then_blue, 1.0, wav, target, progress=False, **{"size": (W, H), **kwargs})
    with pytest.raises(UsageError):
        record_video(red_then_blue, 0.0, wav, target, size=(W, H), progress=False)
    with pytest.raises(AudioInputError):
        record_video(red_then_blue, 1.0, out_dir / "nope.wav", target, size=(W, H), progress=False)
    assert os.listdir(out_dir) == []


def test_recorder_checks_the_output_when_made(tmp_path: Path):
    """A command line can make the Recorder first and fail before spending minutes on speech."""
    with pytest.raises(OutputPathError):
        Recorder(tmp_path / "missing" / "talk.mp4")
    rec = Recorder(tmp_path / "talk.mp4", size=(W, H), fps=25)
    assert rec.frame_count(2.0) == 50 and rec.frame_count(1.01) == 25
    # "auto" trades file size for speed only where the encoder is the bottleneck
    assert Recorder(tmp_path / "a.mp4", size=(1280, 720)).preset == "veryfast"
    assert Recorder(tmp_path / "a.mp4", size=(1920, 1080)).preset == "ultrafast"
    assert Recorder(tmp_path / "a.mp4", size=(1920, 1080), preset="slow").preset == "slow"


def test_parse_size():
    assert parse_size("1280x720") == (1280, 720)
    assert parse_size(" 640 X 360 ") == (640, 360)
    assert parse_size("720p") == (1280, 720)
    assert parse_size("1080P") == (1920, 1080)
    assert parse_size("4k") == (3840, 2160)
    assert parse_size("vertical") == (1080, 1920)
    with pytest.raises(UsageError, match="odd"):
        parse_size("1281x720")
    with pytest.raises(UsageError, match="odd.*1282x720"):
        parse_size("1281x720")
    for junk in ("big", "1280", "1280x", "x720", "-2x4", "0x0", "8x8", "1280x720x3", "99999x2"):
        with pytest.raises(UsageError):
            parse_size(junk)


def test_progress_bar_shows_frames_and_speed_when_asked(wav: Path, out_dir: Path, capsys):
    record_video(red_then_blue, 1.0, wav, out_dir / "a.mp4", size=(W, H), fps=FPS, progress=True)
    err = capsys.readouterr().err
    assert "30/30 frames" in err and "x real time" in err
    record_video(red_then_blue, 1.0, wav, out_dir / "b.mp4", size=(W, H), fps=FPS)  # stderr is no terminal
    assert capsys.readouterr().err == ""
