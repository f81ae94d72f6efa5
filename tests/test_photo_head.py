"""The photo head's reused buffers give, frame after frame, what building each frame from scratch gives."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from avatar.face.photo_head import HeadCompositor
from avatar.face.photo_planar import PlanarHead
from avatar.yuv import rgb_to_i420

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


@pytest.mark.parametrize("hold", [1, 3])
def test_frames_from_reused_buffers_equal_frames_built_from_scratch(hold: int) -> None:
    """Patches that change now and then (a blink, a new mouth pose) over a head that moves every frame,
    or holds still for a few frames (then only what changed under it is composed again): each frame
    equals the one built from nothing, so skipping unchanged parts never leaves stale pixels."""
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
        step = frame // hold
        matrix = cv2.getRotationMatrix2D((47.0, 80.0), 1.5 * np.sin(step / 5), 1.0)
        matrix[0, 2] += 2.5 * np.sin(step / 7)
        head.paste(patches)
        out = head.move(matrix)
        expected = from_scratch(base, mask, motion, moving, patches, matrix)
        assert np.array_equal(out, expected), f"frame {frame} differs"


def smooth(rng: np.random.Generator, h: int, w: int) -> np.ndarray:
    """A photo-like RGB patch: noise blurred to features a few pixels wide."""
    noise = rng.integers(0, 256, (h, w, 3), np.uint8)
    return cv2.GaussianBlur(noise, (0, 0), 2.0)


@pytest.mark.parametrize("hold", [1, 4])
def test_the_head_composed_in_yuv420p_is_the_rgb_head_converted(hold: int) -> None:
    """The recorder's head (pasted, moved and faded on the Y, U and V planes of an even-edged area that
    reaches past the head box) equals the RGB head converted to yuv420p, frame after frame: luma up to
    rounding, chroma up to sampling the blocks before rather than after the move; and the area around
    the head box shows the still photo; a patch shown again gives the same planes as the first time."""
    rng = np.random.default_rng(5)
    photo = cv2.resize(smooth(rng, 60, 62), (124, 120), interpolation=cv2.INTER_CUBIC)   # the framed photo
    hx, hy = 9, 7                                    # the head box's corner in the photo: odd, as it may be
    base = photo[hy:hy + 100, hx:hx + 110]
    motion = (slice(4, 96), slice(6, 100))
    moving = (slice(1, 99), slice(3, 103))
    ys, xs = np.mgrid[0:92, 0:94].astype(np.float32)
    mask = np.clip(1.5 - np.hypot(ys - 46, xs - 47) / 30, 0, 1).astype(np.float32)
    boxes = BOXES + [(85, 61, 99, 95)]              # overlapping ones, and one apart (as the mouth is)
    versions = [[smooth(rng, y1 - y0, x1 - x0) for _ in range(3)] for x0, y0, x1, y1 in boxes]
    rgb_head = HeadCompositor(base, mask, motion, moving, boxes)
    # `moving` on screen starts at the photo's (hx + 3, hy + 1) = (12, 8): even already; it ends at
    # (hx + 103, hy + 99) = (112, 106), also even: widen by one pixel round it to test the reach.
    x0, y0, x1, y1 = hx + 3 - 2, hy + 1 - 2, hx + 103 + 2, hy + 99 + 2
    planar = PlanarHead(photo[y0:y1, x0:x1], (x0 - hx, y0 - hy), mask, motion, boxes)
    for frame in range(30):
        patches = [v[(frame // (3 + i)) % 3] for i, v in enumerate(versions)]
        step = frame // hold                        # the head holds still for `hold` frames
        matrix = cv2.getRotationMatrix2D((47.0, 80.0), 1.5 * np.sin(step / 5), 1.0)
        matrix[0, 2] += 2.5 * np.sin(step / 7)
        rgb_head.paste(patches)
        want = photo.copy()
        want[hy + 1:hy + 99, hx + 3:hx + 103] = rgb_head.move(matrix)
        want = np.ascontiguousarray(want[y0:y1, x0:x1])
        h, w = want.shape[:2]
        wy, wu, wv = np.empty((h, w), np.uint8), np.empty((h // 2, w // 2), np.uint8), np.empty((h // 2, w // 2), np.uint8)
        rgb_to_i420(want[..., 0], want[..., 1], want[..., 2], wy, wu, wv)
        planar.paste(patches)
        got = planar.move(matrix)
        for name, g, e, most in (("Y", got[0], wy, 2), ("U", got[1], wu, 6), ("V", got[2], wv, 6)):
            diff = np.abs(g.astype(int) - e)
            assert diff.max() <= most, f"frame {frame}: {name} differs by {diff.max()}"
            assert diff.mean() < 0.5, f"frame {frame}: {name} differs by {diff.mean():.2f} on average"


@pytest.mark.parametrize("tiles", [(48, 16), (96, 32), (48, 48)])
def test_the_fade_is_the_mask_wherever_the_tiles_fall(tiles) -> None:
    """However the mask is cut into tiles and bands, each pixel of the moved head is the moved and still
    pixels mixed by the mask there, within a level (only weights within 0.0015 of 0 or 1 are rounded
    to one side); and bands that would cross tiles are refused."""
    rng = np.random.default_rng(11)
    h, w = 200, 180
    base = rng.integers(0, 256, (h, w), np.uint8)
    ys, xs = np.mgrid[0:h, 0:w].astype(np.float32)
    mask = (np.clip((184 - ys) / 40, 0, 1) * np.clip((xs - 10) / 30, 0, 1)).astype(np.float32)   # fades from row 144
    whole = (slice(0, h), slice(0, w))
    head = HeadCompositor(base, mask, whole, whole, [], tile_px=tiles[0], band_px=tiles[1])
    matrix = cv2.getRotationMatrix2D((90.0, 180.0), 1.2, 1.0)
    matrix[0, 2] += 1.7
    out = head.move(matrix).astype(np.float32)
    moved = cv2.warpAffine(base, matrix, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    want = moved * mask + base * (1.0 - mask)
    assert np.abs(out - want).max() <= 1.0
    with pytest.raises(ValueError):
        HeadCompositor(base, mask, whole, whole, [], tile_px=48, band_px=32)


def test_a_head_that_holds_still_is_composed_again_only_where_a_patch_changed(monkeypatch) -> None:
    """The same matrix twice with nothing new: nothing is warped. A new patch under a head that holds
    still: only the area around that patch's box is warped, not the head."""
    rng = np.random.default_rng(7)
    base = rng.integers(0, 256, (100, 110, 3), np.uint8)
    motion = (slice(4, 96), slice(6, 100))
    ys, xs = np.mgrid[0:92, 0:94].astype(np.float32)
    mask = np.clip(1.5 - np.hypot(ys - 46, xs - 47) / 30, 0, 1).astype(np.float32)
    head = HeadCompositor(base, mask, motion, (slice(0, 100), slice(2, 104)), BOXES)
    warped: list[int] = []
    real = HeadCompositor._warp_into

    def counting(self, dst, matrix, row, col):
        warped.append(dst.shape[0] * dst.shape[1])
        real(self, dst, matrix, row, col)
    monkeypatch.setattr(HeadCompositor, "_warp_into", counting)
    patches = [rng.integers(0, 256, (y1 - y0, x1 - x0, 3), np.uint8) for x0, y0, x1, y1 in BOXES]
    matrix = cv2.getRotationMatrix2D((47.0, 80.0), 1.0, 1.0)
    head.paste(patches)
    head.move(matrix)
    whole = sum(warped)
    assert whole > 0.8 * mask.size
    warped.clear()
    head.paste(patches)
    head.move(matrix.copy())
    assert warped == []
    x0, y0, x1, y1 = BOXES[3]                        # pasted last: nothing is pasted again over it
    patches[3] = rng.integers(0, 256, (y1 - y0, x1 - x0, 3), np.uint8)
    head.paste(patches)
    out = head.move(matrix.copy())
    assert len(warped) == 1 and warped[0] < whole / 2
    assert np.array_equal(out, from_scratch(base, mask, motion, (slice(0, 100), slice(2, 104)), patches, matrix))
