"""Timing the photo presenter: one scene frame at a size (median, p99) and building the rig of a large photo."""

from __future__ import annotations

import time
from pathlib import Path

from avatar.face.look import get_look
from avatar.scene_state import LowerThird


def sample_portrait(folder: Path, megapixels: float = 0.0) -> Path:
    """Grace Hopper's portrait (matplotlib's sample data), optionally enlarged to about `megapixels`."""
    from matplotlib import cbook
    from PIL import Image

    src = Image.open(cbook.get_sample_data("grace_hopper.jpg", asfileobj=False)).convert("RGB")
    path = folder / ("portrait.jpg" if not megapixels else f"portrait-{megapixels:g}mp.jpg")
    if megapixels:
        f = (megapixels * 1e6 / (src.width * src.height)) ** 0.5
        src = src.resize((round(src.width * f), round(src.height * f)), Image.BICUBIC)
    src.save(path, quality=92)
    return path


def bench_photo_draw(photo: Path, size: tuple[int, int] = (1920, 1080), frames: int = 300,
                     fps: float = 30.0) -> dict[str, float]:
    """Draw `frames` frames of the photo presenter talking with captions; every pose seen once before timing."""
    from avatar.bench.draw_frames import bench_draw
    from avatar.face.select import make_face

    return bench_draw(size, frames, fps=fps, face=make_face(photo, get_look("official")),
                      lower_third=LowerThird("Grace Hopper", "Rear Admiral"), see_every_pose_first=True)


def bench_rig_build(photo: Path) -> float:
    """Seconds to read the photo, find the face twice and cut the portrait (no cache)."""
    from avatar.face.photo_rig import build_rig

    start = time.perf_counter()
    build_rig(photo)
    return time.perf_counter() - start
