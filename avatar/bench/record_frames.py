"""The recorder's own work per frame, beside ffmpeg's: repainting what moved and converting it to yuv420p.

    python -m avatar.bench.record_frames SCRIPT --size 1280x720 --frames 1800

Draws the speech's first `--frames` frames as `avatar record` does (two alternating 32-bit buffers,
`Repainter.draw_i420`, then `apply_update`: the areas copied from the other buffer's frame and those the
repaint reports converted, then a face composed in yuv420p, counted as drawing), without encoding, and prints
the mean milliseconds per frame of each step and the median number of pixels converted, as
`draw_ms=... convert_ms=... converted_px=...`. Means, not medians: their sum is the CPU a recording
spends per frame before ffmpeg.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import time
from typing import Sequence


def recorder_frame_costs(script: str, size: tuple[int, int], frames: int, fps: float = 30.0,
                         face: str | None = None) -> dict[str, float]:
    import numpy as np
    import pygame

    from avatar.load import ShowRequest, load_show
    from avatar.repaint import Repainter
    from avatar.scene import Scene
    from avatar.yuv import I420Frame, apply_update, boxes_to_convert

    pygame.font.init()
    loaded = load_show(ShowRequest(script=script, captions=True, face=face), live=False)
    scene = Scene(size, loaded.look, show_captions=True)
    painter = Repainter(scene)
    buffers = [pygame.Surface(size, 0, 32, (0xFF0000, 0xFF00, 0xFF, 0)) for _ in range(2)]
    converted = [I420Frame(size) for _ in buffers]
    count = min(frames, int(loaded.timeline.duration_s * fps))
    draw_s, convert_s, pixels = [], [], []
    for i in range(count):
        k = i % 2
        t0 = time.perf_counter()
        update = painter.draw_i420(buffers[k], loaded.show.state_at(i / fps))
        t1 = time.perf_counter()
        whole = i < len(buffers)
        # Copied and converted as the recorder does; a face composed in yuv420p is counted as drawing.
        apply_update(converted[k], buffers[k], dataclasses.replace(update, direct=None),
                     converted[1 - k] if i else None, whole=whole)
        t2 = time.perf_counter()
        if update.direct is not None:
            update.direct(converted[k])
        draw_s.append(t1 - t0 + time.perf_counter() - t2)
        convert_s.append(t2 - t1)
        areas = None if whole else update.areas
        pixels.append(sum((x1 - x0) * (y1 - y0) for x0, y0, x1, y1 in boxes_to_convert(areas, size)))
    return {"draw_ms": 1000.0 * float(np.mean(draw_s)), "convert_ms": 1000.0 * float(np.mean(convert_s)),
            "converted_px": float(np.median(pixels)), "frames": float(count)}


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m avatar.bench.record_frames", description=__doc__.split("\n")[0])
    p.add_argument("script")
    p.add_argument("--size", default="1280x720")
    p.add_argument("--frames", type=int, default=1800)
    p.add_argument("--face", default=None, help="a portrait photo or sprite folder instead of the drawn presenter")
    args = p.parse_args(argv)
    from avatar.recorder import parse_size

    got = recorder_frame_costs(args.script, parse_size(args.size), args.frames, face=args.face)
    print(" ".join(f"{k}={v:.4f}" for k, v in got.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
