"""The photo presenter's mouth shapes as a viewer reads them: measured on rendered frames of two real portraits
(Grace Hopper, unsmiling; the astronaut, smiling with her teeth showing)."""

from __future__ import annotations

import numpy as np
import pygame
import pytest
from test_photo_face import _mouth_view, photos  # noqa: F401 - the fixture is used by name

from avatar.face.look import get_look
from avatar.face.state import FaceState
from avatar.lipsync.track import MouthShape

pytest.importorskip("mediapipe")

S = MouthShape
# Each shape at the openness the preview sheet shows it with.
OPENNESS = {S.X: 0.0, S.A: 0.0, S.B: 0.4, S.C: 0.6, S.D: 1.0, S.E: 0.5, S.F: 0.4, S.G: 0.3, S.H: 0.5}


def _luma(rgb: np.ndarray) -> np.ndarray:
    return rgb[..., 0] * 0.299 + rgb[..., 1] * 0.587 + rgb[..., 2] * 0.114


def _dark_hole(mouth: np.ndarray) -> tuple[int, int]:
    """Width and height (px) of the largest patch of mouth-dark pixels (the cavity between the lips)."""
    import cv2

    lum = _luma(mouth.astype(float))
    dark = (lum < 0.3 * float(np.median(lum))).astype(np.uint8)
    n, labels, stats, _ = cv2.connectedComponentsWithStats(dark, connectivity=8)
    if n < 2:
        return 0, 0
    k = 1 + int(np.argmax(stats[1:, cv2.CC_STAT_AREA]))
    return int(stats[k, cv2.CC_STAT_WIDTH]), int((labels == k).sum(axis=0).max())


@pytest.fixture(scope="module")
def shapes(photos):  # noqa: F811 - the imported fixture
    """Per portrait: the mouth box of each shape's frame, and of the still photo."""
    from avatar.face.photo import PhotoFace, panel_rect

    out = {}
    for name in ("grace", "astronaut"):
        face = PhotoFace(photos[name], get_look("official"))
        draw, box = _mouth_view(face, size=(1920, 1080))
        frames = {s: draw(FaceState(mouth_shape=s, mouth_open=o))[box] for s, o in OPENNESS.items()}
        surface = pygame.Surface((1920, 1080))
        panel = panel_rect(pygame.Rect((1920 - 1188) // 2, 0, 1188, 1080))
        layout = face._layout(panel.size)
        face._blit_still(surface, layout, panel)
        still = pygame.surfarray.array3d(surface).transpose(1, 0, 2).astype(int)[box]
        sizes = {s: layout.mouth.opening_size(s, o) for s, o in OPENNESS.items()}
        out[name] = (frames, still, sizes, 2 * layout.mouth.hw, layout.mouth.p)
    return out


@pytest.mark.parametrize("name", ["grace", "astronaut"])
def test_each_mouth_shape_reads_as_its_own_shape(shapes, name) -> None:
    """A viewer sees: A shut; X the photo's own mouth; C and D wide open, D the tallest; E a narrower, rounder
    opening; F a small round hole with the corners drawn in (not a slit, not a smile); no two of A-F alike."""
    frames, still, sizes, rest_w, _ = shapes[name]
    w, h = {s: v[0] for s, v in sizes.items()}, {s: v[1] for s, v in sizes.items()}
    assert h[S.A] == 0 and _dark_hole(frames[S.A])[1] <= _dark_hole(still)[1] + 2, "A (p, b, m) is shut"
    change = {s: float(np.abs(frames[s] - still).mean()) for s in frames}
    assert change[S.X] < min(change[s] for s in "BCDEFH"), f"X is the photo at rest: {change}"
    p = shapes[name][4]
    assert abs(h[S.X] - float(np.max(p[[14, 87, 317], 1] - p[[13, 82, 312], 1]))) < 2, "X: the photo's own lips"
    assert h[S.D] > 1.5 * h[S.C] > 1.5 * 8 and min(w[S.C], w[S.D]) > 0.95 * rest_w, sizes
    for rounded in (S.E, S.F):
        for wide in (S.C, S.D):
            assert w[rounded] < 0.75 * w[wide], f"{rounded} narrower than {wide}: {sizes}"
    assert w[S.F] < 0.6 * w[S.E] and w[S.F] < 0.4 * rest_w, f"F is a small hole: {sizes}"
    assert h[S.F] / w[S.F] > 0.4 > 2 * h[S.C] / w[S.C], f"F's hole is round, C's opening long: {sizes}"
    assert h[S.E] / w[S.E] > 1.8 * h[S.C] / w[S.C], f"E is rounder than C: {sizes}"
    # ...and on the pixels: F shows a round dark hole, C and D a dark opening from corner to corner.
    hole_w, hole_h = _dark_hole(frames[S.F])
    assert 0.2 * rest_w < hole_w < 0.4 * rest_w and hole_h > 0.35 * hole_w, (hole_w, hole_h)
    assert _dark_hole(frames[S.D])[0] > 0.9 * rest_w
    for i, a in enumerate("ABCDEF"):
        for b in "ABCDEF"[i + 1:]:
            moved = abs(w[S(a)] - w[S(b)]) + abs(h[S(a)] - h[S(b)])
            changed = np.abs(frames[S(a)] - frames[S(b)]).mean()
            assert moved >= 4 and changed > 8.0, f"{a} and {b} look alike: {sizes[S(a)]} {sizes[S(b)]} {changed:.1f}"


@pytest.mark.parametrize("name", ["grace", "astronaut"])
def test_the_drawn_inside_of_the_mouth_has_soft_edges(shapes, name) -> None:
    """Zoomed in, the lip meets the drawn opening over a few pixels, as in a photo, never in one hard step."""
    frames = shapes[name][0]
    lum = _luma(frames[S.F].astype(float))
    y, x = np.unravel_index(np.argmin(lum), lum.shape)          # inside the pucker's hole
    for way, line in (("up", lum[:y + 1, x][::-1]), ("down", lum[y:, x]),
                      ("left", lum[y, :x + 1][::-1]), ("right", lum[y, x:])):
        top = int(np.argmax(line > line[0] + 0.9 * (line.max() - line[0])))
        ramp = line[:top + 2]                                   # from the dark middle out onto the lip
        drop = float(ramp.max() - ramp.min())
        assert drop > 40, f"{way}: the hole is dark against the lip"
        assert np.abs(np.diff(ramp)).max() < 0.4 * drop, f"{way}: a one-pixel jump at the lip {ramp.round()}"
        fading = np.flatnonzero((ramp > ramp.min() + 0.1 * drop) & (ramp < ramp.min() + 0.9 * drop))
        assert fading.size >= 3, f"{way}: the edge fades over a few pixels {ramp.round()}"


@pytest.mark.parametrize("name", ["grace", "astronaut"])
def test_a_pucker_draws_the_lips_in_and_leaves_the_face_outline_where_it_is(photos, name) -> None:  # noqa: F811
    """Rounded lips (E, F) pull the mouth in, not the cheeks' outline: beside the mouth, where the face
    meets the hair and background, a pucker's frame is the still face's; and the corners do move in."""
    from avatar.face.photo import PhotoFace

    face = PhotoFace(photos[name], get_look("official"))
    size = (1920, 1080)
    draw, box = _mouth_view(face, size=size)
    from avatar.face.photo import panel_rect

    rect = pygame.Rect((size[0] - round(size[1] * 1.1)) // 2, 0, round(size[1] * 1.1), size[1])
    layout = face._layout(panel_rect(rect).size)
    mouth = layout.mouth
    ox = panel_rect(rect).x - layout.pad + layout.inner[0]
    rest = draw(FaceState())
    for shape in (S.E, S.F):
        pucker = draw(FaceState(mouth_shape=shape, mouth_open=OPENNESS[shape]))
        rows = box[0]
        for edge, inward in ((mouth.jaw_left, 1), (mouth.jaw_right, -1)):
            reach = abs(mouth.cx - edge)
            a, b = sorted((round(edge + ox - inward * 0.1 * reach), round(edge + ox + inward * 0.15 * reach)))
            moved = np.abs(pucker[rows, a:b] - rest[rows, a:b]).mean()
            assert moved < 4, f"{name} {shape.name}: the face's outline beside the mouth moved ({moved:.1f} levels)"
        width, _ = mouth.opening_size(shape, OPENNESS[shape])
        assert 0 < width < 1.6 * mouth.hw, f"{name} {shape.name}: the lips were not drawn in"
