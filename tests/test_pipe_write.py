"""Frames written into a pipe arrive whole and in order, lent to the pipe on Linux or copied."""

from __future__ import annotations

import os
import sys
import threading

import numpy as np
import pytest

from avatar.pipe_write import FrameWriter, page_buffer, pipe_bytes

linux = sys.platform.startswith("linux")


def read_all(fd: int, into: bytearray) -> threading.Thread:
    def run() -> None:
        while chunk := os.read(fd, 1 << 16):
            into.extend(chunk)
        os.close(fd)
    reader = threading.Thread(target=run, daemon=True)
    reader.start()
    return reader


@pytest.mark.parametrize("frame_bytes", [5000, 300_000])
def test_what_is_written_is_what_the_reader_reads(frame_bytes: int) -> None:
    """Frames smaller and bigger than the pipe (64 KiB here), from one buffer rewritten between
    frames as a recorder does once the writer is done with it: the reader gets every frame as it was."""
    read_end, write_end = os.pipe()
    got = bytearray()
    reader = read_all(read_end, got)
    writer = FrameWriter(write_end, frame_bytes)
    assert writer.lent == (linux and frame_bytes > pipe_bytes(write_end) + 4096)
    buffers = [np.empty(frame_bytes, np.uint8) for _ in range(2)]
    rng = np.random.default_rng(1)
    sent = []
    for i in range(12):
        frame = buffers[i % 2]
        frame[:] = rng.integers(0, 256, frame_bytes, np.uint8)
        sent.append(frame.tobytes())
        writer.write(frame)
        if writer.lent and i > 0:
            # The frame before this one is wholly out of the pipe: drawing into its buffer changes nothing sent.
            buffers[(i - 1) % 2][:] = 0
    os.close(write_end)
    reader.join(timeout=30)
    assert bytes(got) == b"".join(sent)


def test_a_pipe_nobody_reads_any_more_is_a_broken_pipe() -> None:
    read_end, write_end = os.pipe()
    os.close(read_end)
    writer = FrameWriter(write_end, 300_000)
    with pytest.raises(BrokenPipeError):
        writer.write(np.zeros(300_000, np.uint8))
    os.close(write_end)


@pytest.mark.skipif(not linux, reason="lending a frame to a pipe is Linux's vmsplice")
def test_on_linux_a_frame_bigger_than_the_pipe_is_lent_and_a_smaller_one_copied() -> None:
    read_end, write_end = os.pipe()
    capacity = pipe_bytes(write_end)
    assert capacity and FrameWriter(write_end, capacity + 8192).lent
    assert not FrameWriter(write_end, capacity).lent
    assert not FrameWriter(write_end, capacity + 8192, allow_lending=False).lent
    os.close(read_end)
    os.close(write_end)


@pytest.mark.skipif(not linux, reason="lending a frame to a pipe is Linux's vmsplice")
def test_a_lent_frame_is_read_from_its_own_memory() -> None:
    """Why a lent buffer must wait: what is changed in it after the write, before the reader gets
    there, is what the reader reads (the pipe holds a reference, not a copy)."""
    read_end, write_end = os.pipe()
    capacity = pipe_bytes(write_end)
    frame = np.full(capacity * 2, 7, np.uint8)
    writer = FrameWriter(write_end, frame.nbytes)
    got = bytearray()
    done = threading.Event()

    def write() -> None:
        writer.write(frame)
        done.set()
    threading.Thread(target=write, daemon=True).start()
    while len(got) < frame.nbytes - capacity // 2:      # what is left fits in the pipe: the write ends
        got.extend(os.read(read_end, min(4096, frame.nbytes - capacity // 2 - len(got))))
    assert done.wait(timeout=30)
    frame[:] = 9                                        # changed after the write returned
    while len(got) < frame.nbytes:
        got.extend(os.read(read_end, 1 << 16))
    assert got[-1] == 9
    os.close(read_end)
    os.close(write_end)


def test_memory_made_for_lending_frames_is_an_ordinary_zeroed_array_and_goes_through_whole() -> None:
    """The recorder keeps its 1080p frames in memory asking for 2 MB pages (one starts on a 2 MB
    boundary on Linux): zeroed, writable, exactly the size asked, and what is written into it is what a
    reader of the pipe gets, lent or copied."""
    import mmap

    size = 1920 * 1080 * 3 // 2
    frame = page_buffer(size)
    assert frame.dtype == np.uint8 and frame.shape == (size,) and not frame.any()
    if linux and hasattr(mmap, "MADV_HUGEPAGE"):
        assert frame.ctypes.data % (2 * 1024 * 1024) == 0
        assert page_buffer(1280 * 720 * 3 // 2).ctypes.data % (2 * 1024 * 1024) == 0    # one page for 720p
    small = page_buffer(5000)
    assert small.shape == (5000,) and not small.any()
    frame[:] = np.arange(size) % 251
    read_end, write_end = os.pipe()
    got = bytearray()
    reader = read_all(read_end, got)
    writer = FrameWriter(write_end, size)
    for _ in range(3):
        writer.write(frame)
    os.close(write_end)
    reader.join(timeout=60)
    assert bytes(got) == frame.tobytes() * 3


def test_the_encoder_gives_a_buffer_back_only_once_the_pipe_no_longer_holds_it(tmp_path, monkeypatch) -> None:
    """A slow reader in ffmpeg's place, 720p frames from two buffers drawn again as soon as the
    encoder gives them back (as the recorder does): every frame arrives as it was submitted."""
    from avatar import ffmpeg

    fake = tmp_path / "slow-ffmpeg"
    fake.write_text(f"#!{sys.executable}\n"
                    "import sys, time\n"
                    "out = open(sys.argv[-1], 'wb')\n"
                    "while chunk := sys.stdin.buffer.read1(65536):\n"
                    "    out.write(chunk)\n"
                    "    time.sleep(0.002)\n")
    fake.chmod(0o755)
    monkeypatch.setattr(ffmpeg, "exe", lambda: str(fake))
    size, frames = (1280, 720), 8
    frame_bytes = ffmpeg.frame_bytes("yuv420p", size)
    encoder = ffmpeg.VideoEncoder(tmp_path / "raw.yuv", size=size, fps=30, frames=frames, audio=None,
                                  pix_fmt_in="yuv420p")
    buffers = {0: np.empty(frame_bytes, np.uint8), 1: np.empty(frame_bytes, np.uint8)}
    free = [1, 0]
    with encoder:
        for i in range(frames):
            k = free.pop() if free else encoder.reclaim()
            buffers[k][:] = 10 + 20 * i
            encoder.submit(buffers[k], k)
        encoder.finish()
    got = np.fromfile(tmp_path / "raw.yuv", np.uint8).reshape(frames, frame_bytes)
    assert [sorted(set(np.unique(f).tolist())) for f in got] == [[10 + 20 * i] for i in range(frames)]
