"""The photo head's reused buffers give, frame after frame, what building each frame from scratch gives."""

from __future__ import annotations

import cv2
import numpy as np

from avatar.face.photo_head import HeadCompositor

BOXES = [(10, 8, 70, 30), (20, 26, 45, 44), (50, 26, 75, 44), (15, 40, 80, 90)]   # overlapping, like brows and eyes


def from_scratch(base, mask, motion, moving, patches, matrix) -> np.ndarray:
    """One frame the plain way: paste every patch into a copy of the photo, warp, blend by the mask."""
    pose = base.copy()
    for patch, (x0, y0, x1, y1) in zip(patches, BOXES):
        pose[y0:y1, x0:x1] = patch
    part = np.ascontiguousarray(pose[motion])
    moved = cv2.warpAffine(part, matrix, (part.shape[1], part.shape[0]), flags=cv2.INTER_LINEAR,
                           borderMode=cv2.BORDER_REPLICATE)
    blend = cv2.blendLinear(moved, part, mask, np.ascontiguousarray(1.0 - mask))
    for y in range(0, mask.shape[0], 48):            # per 48-pixel tile: 1 throughout moves, 0 stays, else blends
        for x in range(0, mask.shape[1], 48):
            tile = (slice(y, y + 48), slice(x, x + 48))
            m = mask[tile]
            part[tile] = moved[tile] if m.min() > 0.998 else part[tile] if m.max() < 0.002 else blend[tile]
    pose[motion] = part
    return pose[moving]


def test_frames_from_reused_buffers_equal_frames_built_from_scratch() -> None:
    """Patches that change now and then (a blink, a new mouth pose) over a head that moves every frame:
    each frame equals the one built from nothing, so skipping unchanged patches never leaves stale pixels."""
    rng = np.random.default_rng(3)
    base = rng.integers(0, 256, (100, 110, 3), np.uint8)
    motion = (slice(4, 96), slice(6, 100))
    moving = (slice(0, 100), slice(2, 104))
    ys, xs = np.mgrid[0:92, 0:94].astype(np.float32)
    mask = np.clip(1.5 - np.hypot(ys - 46, xs - 47) / 30, 0, 1).astype(np.float32)   # 1 inside, a wide rim
    versions = [[rng.integers(0, 256, (y1 - y0, x1 - x0, 3), np.uint8) for _ in range(3)]
                for x0, y0, x1, y1 in BOXES]
    head = HeadCompositor(base, mask, motion, moving, BOXES)
    for frame in range(40):
        patches = [v[(frame // (3 + i)) % 3] for i, v in enumerate(versions)]
        matrix = cv2.getRotationMatrix2D((47.0, 80.0), 1.5 * np.sin(frame / 5), 1.0)
        matrix[0, 2] += 2.5 * np.sin(frame / 7)
        head.paste(patches)
        out = head.move(matrix)
        expected = from_scratch(base, mask, motion, moving, patches, matrix)
        assert np.array_equal(out, expected), f"frame {frame} differs"
