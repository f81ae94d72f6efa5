"""The recorder's own colour conversion: BT.709 limited range, area by area, as ffmpeg would convert."""

from __future__ import annotations

import subprocess

import numpy as np
import pygame
import pytest

from avatar import ffmpeg
from avatar.yuv import I420Frame, i420_bytes, merge_boxes, surface_pixels

MASKS = (0xFF0000, 0xFF00, 0xFF, 0)


def surface_of(rgb: np.ndarray) -> pygame.Surface:
    """A recorder-layout 32-bit surface showing `rgb` (h, w, 3)."""
    surf = pygame.Surface((rgb.shape[1], rgb.shape[0]), 0, 32, MASKS)
    pygame.surfarray.blit_array(surf, rgb.transpose(1, 0, 2))
    return surf


def converted(rgb: np.ndarray) -> I420Frame:
    frame = I420Frame((rgb.shape[1], rgb.shape[0]))
    frame.update(surface_pixels(surface_of(rgb)))
    return frame


@pytest.mark.parametrize("rgb, yuv", [
    ((0, 0, 0), (16, 128, 128)),          # black and white at the ends of the limited range
    ((255, 255, 255), (235, 128, 128)),
    ((255, 0, 0), (63, 102, 240)),        # BT.709 primaries (BT.601 would give red Y=81)
    ((0, 255, 0), (173, 42, 26)),
    ((0, 0, 255), (32, 240, 118)),
    ((128, 128, 128), (126, 128, 128)),
])
def test_flat_colours_get_their_bt709_limited_range_values(rgb, yuv) -> None:
    frame = converted(np.full((4, 6, 3), rgb, np.uint8))
    got = (int(frame.y[0, 0]), int(frame.u[0, 0]), int(frame.v[0, 0]))
    assert all(abs(g - w) <= 1 for g, w in zip(got, yuv)), (rgb, got)
    assert len(set(frame.y.ravel())) == len(set(frame.u.ravel())) == len(set(frame.v.ravel())) == 1


def test_a_picture_converts_as_ffmpeg_converts_it() -> None:
    """Against ffmpeg's own BT.709 conversion of the same picture: luma within one level, chroma
    within a few (ffmpeg filters chroma; we average each 2x2 block) and on average well under one."""
    h, w = 90, 160
    yy, xx = np.mgrid[0:h, 0:w]
    rgb = np.stack([xx * 255 // w, yy * 255 // h, (xx * 3 + yy * 2) % 256], axis=-1).astype(np.uint8)
    surf = surface_of(rgb)
    ours = converted(rgb).data.astype(int)
    cmd = [ffmpeg.exe(), "-v", "error", "-f", "rawvideo", "-pix_fmt", ffmpeg.native_pix_fmt(), "-s", f"{w}x{h}",
           "-i", "-", "-vf", "scale=out_color_matrix=bt709:out_range=tv,format=yuv420p", "-f", "rawvideo", "-"]
    ref = np.frombuffer(subprocess.run(cmd, input=bytes(surf.get_buffer()), capture_output=True,
                                       check=True).stdout, np.uint8).astype(int)
    assert ref.size == ours.size == i420_bytes((w, h))
    luma, chroma = np.abs(ref - ours)[:w * h], np.abs(ref - ours)[w * h:]
    assert luma.max() <= 1 and chroma.mean() < 0.5 and chroma.max() <= 6, (luma.max(), chroma.mean(), chroma.max())


def test_updating_changed_areas_gives_the_whole_conversion() -> None:
    """Areas with odd edges, overlapping, at the borders: the frame ends up as a fresh conversion."""
    rng = np.random.default_rng(7)
    before = rng.integers(0, 256, (60, 80, 3), dtype=np.uint8)
    after = before.copy()
    areas = [(3, 5, 11, 7), (9, 8, 20, 13), (70, 50, 40, 40), (-5, -3, 8, 6), (41, 0, 1, 1)]
    for x, y, w, h in areas:
        after[max(0, y):y + h, max(0, x):x + w] = rng.integers(0, 256, (1, 1, 3), dtype=np.uint8)
    frame = converted(before)
    frame.update(surface_pixels(surface_of(after)), areas)
    assert np.array_equal(frame.data, converted(after).data)
    untouched = converted(before)
    untouched.update(surface_pixels(surface_of(after)), [])
    assert np.array_equal(untouched.data, converted(before).data)     # no areas: nothing converted


def test_overlapping_boxes_merge_only_when_that_saves_work() -> None:
    assert merge_boxes([(0, 0, 10, 10), (2, 2, 10, 10)]) == [(0, 0, 10, 10)]
    assert merge_boxes([(0, 0, 10, 10), (5, 0, 15, 10)]) == [(0, 0, 15, 10)]
    far = [(0, 0, 4, 4), (100, 100, 104, 104)]
    assert merge_boxes(far) == far


def test_odd_sizes_and_other_surfaces_are_refused() -> None:
    with pytest.raises(ValueError, match="even"):
        I420Frame((5, 4))
    with pytest.raises(ValueError, match="32-bit"):
        surface_pixels(pygame.Surface((4, 4), 0, 24))
    with pytest.raises(ValueError, match="picture is"):
        I420Frame((4, 4)).update(surface_pixels(pygame.Surface((6, 4), 0, 32, MASKS)))


def test_colours_taken_back_from_a_frame_convert_to_the_same_frame() -> None:
    """`paint` puts a frame's colours back into a picture (to draw something over them): the primaries
    and greys come back within two levels, and a photo-like picture taken back converts to the same
    frame within a level (its chroma blocks are flat by then)."""
    for rgb in ((0, 0, 0), (255, 255, 255), (255, 0, 0), (0, 255, 0), (0, 0, 255), (128, 128, 128)):
        surf = surface_of(np.zeros((4, 6, 3), np.uint8))
        converted(np.full((4, 6, 3), rgb, np.uint8)).paint(surface_pixels(surf), (0, 0, 6, 4))
        back = pygame.surfarray.array3d(surf)
        assert np.abs(back.astype(int) - rgb).max() <= 2, (rgb, back[0, 0])
    rng = np.random.default_rng(2)
    photo = np.clip(rng.normal(128, 60, (12, 16, 3)), 0, 255).astype(np.uint8)
    photo = np.repeat(np.repeat(photo, 4, axis=0), 4, axis=1)           # soft blocks, as in a photo
    frame = converted(photo)
    surf = surface_of(np.zeros_like(photo))
    frame.paint(surface_pixels(surf), (8, 4, 56, 44))                   # x0, y0, x1, y1
    again = I420Frame(frame.size)
    again.update(surface_pixels(surf), [(8, 4, 48, 40)])                # x, y, w, h
    for name, (x0, y0, x1, y1) in (("y", (8, 4, 56, 44)), ("u", (4, 2, 28, 22)), ("v", (4, 2, 28, 22))):
        got, want = getattr(again, name)[y0:y1, x0:x1], getattr(frame, name)[y0:y1, x0:x1]
        assert np.abs(got.astype(int) - want).max() <= 1, name


def test_a_frame_can_live_in_memory_it_is_given() -> None:
    """The recorder gives its frames memory made for lending to ffmpeg's pipe; the wrong size is refused."""
    data = np.zeros(i420_bytes((64, 32)), np.uint8)
    frame = I420Frame((64, 32), data)
    frame.y[...] = 200
    assert data[:64 * 32].min() == 200 and frame.data is data
    with pytest.raises(ValueError, match="needs 3072 bytes"):
        I420Frame((64, 32), np.zeros(3000, np.uint8))


def test_an_area_copied_from_the_frame_before_is_not_copied_when_it_is_converted_over(monkeypatch) -> None:
    """A buffer catching up copies the areas that changed a frame ago; one that changes again now (a
    talking mouth) is converted anyway, so copying it first would be wasted: the frame is the same."""
    from avatar.yuv import FrameUpdate, apply_update

    size = (64, 48)
    picture = pygame.Surface(size, 0, 32, (0xFF0000, 0xFF00, 0xFF, 0))
    picture.fill((200, 40, 90))
    frame = I420Frame(size)                                    # the buffer, two frames old
    frame.update(surface_pixels(picture))
    picture.fill((10, 220, 30), pygame.Rect(8, 8, 20, 12))     # a frame ago
    previous = I420Frame(size)
    previous.update(surface_pixels(picture))
    picture.fill((250, 250, 0), pygame.Rect(30, 20, 10, 10))   # now
    want = I420Frame(size)
    want.update(surface_pixels(picture))
    copies = []
    real_copy = I420Frame.copy_from
    monkeypatch.setattr(I420Frame, "copy_from",
                        lambda self, other, areas: (copies.extend(areas), real_copy(self, other, areas))[1])
    update = FrameUpdate(areas=[(28, 18, 20, 14)], copied=[(31, 21, 5, 5), (8, 8, 20, 12)])
    apply_update(frame, picture, update, previous)
    assert copies == [(8, 8, 20, 12)]                          # the first lies inside the converted area
    assert np.array_equal(frame.data, want.data)
