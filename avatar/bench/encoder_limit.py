"""The machine's own limit for `avatar record`: the H.264 encoder alone, fed frames already in memory.

    python -m avatar.bench.encoder_limit SCRIPT --size 1280x720 --seconds 60 [--face PHOTO]

Draws a few seconds of the speech's own frames once (same scene, captions burnt in) and converts
them to yuv420p as the recorder does, then pipes them to the recorder's ffmpeg command (same size,
preset, crf, pixel format and audio path, the speech's own voice as the audio) back and forth for
`--seconds` of video, and prints the encoder's speed in multiples of real time as `encoder_x=...`.
Nothing is drawn while it encodes: what `avatar record` reaches as a fraction of this is how much its
drawing, converting and piping cost. `--pixels rgb` sends 32-bit frames for ffmpeg to convert instead
(the recorder's path before it made yuv420p itself), as a reference.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path
from typing import Sequence

WINDOW_FRAMES = 60      # frames drawn once and replayed forwards and backwards (no jump at the seam)


def encoder_only_x(script: str, size: tuple[int, int], seconds: float, fps: float = 30.0,
                   pixels: str = "yuv", face: str | None = None) -> float:
    """x real time of the recorder's ffmpeg command fed `seconds` of frames from memory: as yuv420p
    (`pixels="yuv"`, the recorder's path) or as 32-bit RGB that ffmpeg converts (`"rgb"`, the path
    before the recorder made yuv420p itself; kept as a reference). `face`: a portrait photo or sprite
    folder presents instead of the drawn presenter (its own frames, as its recording encodes them)."""
    import pygame

    from avatar import ffmpeg
    from avatar.load import ShowRequest, load_show
    from avatar.recorder import Recorder
    from avatar.scene import Scene
    from avatar.pipe_write import page_buffer
    from avatar.yuv import I420Frame, i420_bytes, surface_pixels

    pygame.font.init()
    loaded = load_show(ShowRequest(script=script, captions=True, face=face), live=False)
    scene = Scene(size, loaded.look, show_captions=True)
    surface = pygame.Surface(size, 0, 32, (0xFF0000, 0xFF00, 0xFF, 0))   # the recorder's layout
    start_s = min(20.0, loaded.timeline.duration_s / 2)
    frames = []
    for i in range(WINDOW_FRAMES):
        scene.draw(surface, loaded.show.state_at(start_s + i / fps))
        if pixels == "rgb":
            frames.append(bytes(surface.get_buffer()))
            continue
        # The recorder's pixel path: ffmpeg gets yuv420p, from memory made for lending to its pipe.
        frame = I420Frame(size, page_buffer(i420_bytes(size)))
        frame.update(surface_pixels(surface))
        frames.append(frame.data)
    total = int(seconds * fps)
    preset = Recorder(Path(tempfile.gettempdir()) / "limit.mp4", size=size, fps=fps).preset  # its auto rule
    with tempfile.TemporaryDirectory(prefix="avatar-limit-") as tmp:
        wav = Path(tmp) / "voice.wav"
        # The speech's own voice: encoding it to AAC is part of the job (silence would cost the encoder
        # a fraction of that and make a limit no recorder could reach).
        loaded.timeline.write_wav(wav, duration_s=seconds)
        encoder = ffmpeg.VideoEncoder(Path(tmp) / "limit.mp4", size=size, fps=fps, frames=total, audio=wav,
                                      preset=preset, queue_frames=2,
                                      pix_fmt_in="yuv420p" if pixels == "yuv" else ffmpeg.native_pix_fmt())
        t0 = time.perf_counter()
        with encoder:
            for i in range(total):
                k = i % (2 * WINDOW_FRAMES)
                encoder.submit(frames[k if k < WINDOW_FRAMES else 2 * WINDOW_FRAMES - 1 - k])
            encoder.finish()
        elapsed_s = time.perf_counter() - t0
    return total / fps / elapsed_s


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m avatar.bench.encoder_limit", description=__doc__.split("\n")[0])
    p.add_argument("script")
    p.add_argument("--size", default="1280x720")
    p.add_argument("--seconds", type=float, default=60.0)
    p.add_argument("--pixels", choices=("yuv", "rgb"), default="yuv",
                   help="yuv: yuv420p frames, as the recorder sends them; rgb: 32-bit frames ffmpeg converts")
    p.add_argument("--face", default=None, help="a portrait photo or sprite folder instead of the drawn presenter")
    args = p.parse_args(argv)
    from avatar.recorder import parse_size

    speed = encoder_only_x(args.script, parse_size(args.size), args.seconds, pixels=args.pixels, face=args.face)
    print(f"encoder_x={speed:.4f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
