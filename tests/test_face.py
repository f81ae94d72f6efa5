"""The presenter's face: looks, idle life (pure functions of time) and what the drawing shows."""

from __future__ import annotations

import math

import numpy as np
import pygame
import pytest

from avatar.errors import ConfigError
from avatar.face import LOOKS, FaceState, Look, ProceduralFace, face_state_at, get_look, idle_state
from avatar.face.idle import blink_at, gaze_at
from avatar.face.procedural import eye_line_px, head_unit_px
from avatar.lipsync.track import MouthShape

BG = (60, 140, 60)      # green screen: nothing of the presenter is this colour
SIZE = (540, 540)


@pytest.fixture(scope="module")
def face() -> ProceduralFace:
    return ProceduralFace(get_look("official"))


def render(face: ProceduralFace, state: FaceState, size: tuple[int, int] = SIZE) -> np.ndarray:
    """The face drawn into a plain frame, as an (h, w, 3) array."""
    surf = pygame.Surface(size)
    surf.fill(BG)
    face.draw(surf, surf.get_rect(), state)
    return pygame.surfarray.array3d(surf).transpose(1, 0, 2).astype(int)


def box(size: tuple[int, int], x0: float, y0: float, x1: float, y1: float) -> tuple[slice, slice]:
    """Array slices for a head-unit box (origin between the eyes) in a face drawn over the whole frame."""
    u = head_unit_px(size)
    cx, cy = size[0] / 2, eye_line_px(size)
    return (slice(round(cy + y0 * u), round(cy + y1 * u)), slice(round(cx + x0 * u), round(cx + x1 * u)))


MOUTH = (-0.16, 0.22, 0.16, 0.42)
EYES = (-0.24, -0.06, 0.24, 0.05)


def luminance(a: np.ndarray) -> np.ndarray:
    return 0.299 * a[..., 0] + 0.587 * a[..., 1] + 0.114 * a[..., 2]


# Looks -----------------------------------------------------------------------------------------


def test_presets_are_distinct_and_unknown_names_say_which_exist() -> None:
    assert {"official", "presenter", "host"} <= set(LOOKS)
    assert len({(lk.hair, lk.suit, lk.hair_style) for lk in LOOKS.values()}) == len(LOOKS)
    assert isinstance(get_look("official"), Look)
    with pytest.raises(ConfigError) as err:
        get_look("pirate")
    assert "pirate" in str(err.value) and "official" in str(err.value) and "presenter" in str(err.value)


def test_look_rejects_unknown_hair_style() -> None:
    base = get_look("official")
    with pytest.raises(ConfigError, match="hair_style"):
        Look(**{**base.__dict__, "hair_style": "mohawk"})


# Idle life -------------------------------------------------------------------------------------


def test_idle_is_a_pure_function_of_time_and_seed() -> None:
    assert idle_state(12.345, seed=3) == idle_state(12.345, seed=3)
    # Asking in any order gives the same answers (no hidden state).
    forward = [idle_state(t / 10) for t in range(50)]
    backward = [idle_state(t / 10) for t in reversed(range(50))][::-1]
    assert forward == backward
    assert idle_state(1.0) != idle_state(4.0)
    one = [idle_state(t / 2, seed=1).head_dx for t in range(20)]
    two = [idle_state(t / 2, seed=2).head_dx for t in range(20)]
    assert one != two


def _blink_onsets(seed: int, duration_s: float = 60.0, step_s: float = 0.005) -> list[float]:
    ts = np.arange(0.0, duration_s, step_s)
    closed = np.array([blink_at(t, seed) > 0.5 for t in ts])
    return [float(ts[i]) for i in range(1, len(ts)) if closed[i] and not closed[i - 1]]


@pytest.mark.parametrize("seed", [0, 1, 7])
def test_blinks_come_every_two_to_six_seconds(seed: int) -> None:
    onsets = _blink_onsets(seed)
    # A double blink (two onsets within a second) counts as one blink event.
    events = [t for i, t in enumerate(onsets) if i == 0 or t - onsets[i - 1] > 1.0]
    gaps = np.diff(events)
    assert 10 <= len(events) <= 30
    assert gaps.min() >= 2.0 and gaps.max() <= 6.0
    assert gaps.std() > 0.3                  # irregular, not a metronome


def test_a_blink_takes_about_150_ms_and_double_blinks_happen() -> None:
    ts = np.arange(0.0, 120.0, 0.002)
    closed = np.array([blink_at(t) > 0.05 for t in ts])
    edges = np.flatnonzero(np.diff(closed.astype(int)))
    durations = (edges[1::2] - edges[0::2]) * 0.002
    assert 0.1 <= np.median(durations) <= 0.25
    onsets = _blink_onsets(0, 120.0)
    assert any(b - a < 1.0 for a, b in zip(onsets, onsets[1:]))


def test_breathing_is_slow_and_sway_is_small() -> None:
    ts = np.arange(0.0, 60.0, 0.05)
    states = [idle_state(t) for t in ts]
    breath = np.array([s.breath for s in states])
    cycles = np.sum((breath[1:] >= 0.5) & (breath[:-1] < 0.5))
    assert 11 <= cycles <= 19                # 0.2-0.3 Hz
    tilt = np.array([s.head_tilt_deg for s in states])
    dx = np.array([s.head_dx for s in states])
    assert np.abs(tilt).max() < 2.0 and np.abs(tilt).max() > 0.3
    assert np.abs(dx).max() * 1080 * 0.4 < 6  # a few pixels for a 1080p head
    assert np.abs(np.diff(dx)).max() < 0.002  # smooth


def test_gaze_jumps_and_holds_half_a_second_to_two_seconds() -> None:
    ts = np.arange(0.0, 60.0, 0.01)
    gaze = np.array([gaze_at(t) for t in ts])
    moving = np.linalg.norm(np.diff(gaze, axis=0), axis=1) > 1e-9
    starts = [i for i in range(1, len(moving)) if moving[i] and not moving[i - 1]]
    holds = np.diff(starts) * 0.01
    assert len(starts) > 25
    assert holds.min() >= 0.5 - 0.05 and holds.max() <= 2.0
    assert np.abs(gaze).max() <= 1.0


def test_face_state_combines_idle_mouth_expression_and_emphasis() -> None:
    calm = face_state_at(3.0, MouthShape.D, 0.8, "neutral", 0.0)
    stressed = face_state_at(3.0, MouthShape.D, 0.8, "neutral", 1.0)
    assert calm.mouth_shape is MouthShape.D and calm.mouth_open == 0.8
    assert stressed.brow_raise > calm.brow_raise + 0.5
    assert face_state_at(3.0, expression="surprised").brow_raise > 0.8
    assert face_state_at(3.0, expression="smile").expression == "smile"
    assert face_state_at(3.0, mouth_open=3.0).mouth_open == 1.0
    assert face_state_at(3.0).blink == idle_state(3.0).blink


# Drawing ---------------------------------------------------------------------------------------


def test_mouth_is_closed_at_rest_and_open_for_wide_vowels(face: ProceduralFace) -> None:
    """At rest (X) the lips meet: no dark mouth cavity; for D the mouth is wide open and dark inside."""
    ys, xs = box(SIZE, *MOUTH)
    rest = render(face, FaceState(mouth_shape=MouthShape.X))[ys, xs]
    wide = render(face, FaceState(mouth_shape=MouthShape.D, mouth_open=1.0))[ys, xs]
    dark_rest = int((luminance(rest) < 45).sum())
    dark_wide = int((luminance(wide) < 45).sum())
    assert dark_rest == 0
    assert dark_wide > 0.04 * rest.shape[0] * rest.shape[1]


def test_teeth_show_for_b_and_g_but_not_for_closed_lips(face: ProceduralFace) -> None:
    """B (clenched, slightly open) and G (teeth on lip) show white teeth; A and X show none."""
    ys, xs = box(SIZE, *MOUTH)

    def teeth(shape: MouthShape) -> int:
        px = render(face, FaceState(mouth_shape=shape, mouth_open=0.8))[ys, xs]
        return int(((px.min(axis=-1) > 200) & (luminance(px) > 215)).sum())

    assert teeth(MouthShape.A) == 0 and teeth(MouthShape.X) == 0
    assert teeth(MouthShape.B) > 5 and teeth(MouthShape.G) > 5


def test_every_mouth_shape_looks_different(face: ProceduralFace) -> None:
    """The nine Rhubarb shapes are nine visibly different mouths."""
    ys, xs = box(SIZE, *MOUTH)
    crops = {s: render(face, FaceState(mouth_shape=s, mouth_open=0.8))[ys, xs] for s in MouthShape}
    shapes = list(crops)
    for i, a in enumerate(shapes):
        for b in shapes[i + 1:]:
            changed = (np.abs(crops[a] - crops[b]).max(axis=-1) > 40).sum()
            assert changed > 20, f"{a.value} and {b.value} look the same"


def test_openness_scales_the_mouth(face: ProceduralFace) -> None:
    ys, xs = box(SIZE, *MOUTH)
    small = render(face, FaceState(mouth_shape=MouthShape.C, mouth_open=0.0))[ys, xs]
    big = render(face, FaceState(mouth_shape=MouthShape.C, mouth_open=1.0))[ys, xs]
    assert (luminance(big) < 60).sum() > 1.5 * (luminance(small) < 60).sum()


def chin_row(face: ProceduralFace, state: FaceState, size: tuple[int, int] = SIZE) -> float:
    """Head units below the eye line of the chin's lower edge: the lowest lit skin before the neck's shade."""
    u = head_unit_px(size)
    cy = eye_line_px(size)
    cx = size[0] // 2
    column = luminance(render(face, state, size)[:, cx - 5:cx + 6]).mean(axis=1)
    y0, y1 = round(cy + 0.44 * u), round(cy + 0.64 * u)
    edge = y0 + int(np.argmin(np.diff(column[y0:y1])))     # the sharpest fall from chin to shaded neck
    return (edge - cy) / u


@pytest.mark.parametrize("name", sorted(LOOKS))
def test_jaw_drops_for_open_vowels_and_not_for_closed_lips(name: str) -> None:
    """The chin moves down for a wide-open D (less for C), never for A or X, at any openness."""
    face = ProceduralFace(get_look(name))
    rest = chin_row(face, FaceState(mouth_shape=MouthShape.X))
    assert 0.47 < rest < 0.53                                       # the chin where head.py draws it
    assert chin_row(face, FaceState(mouth_shape=MouthShape.X, mouth_open=1.0)) == rest
    assert chin_row(face, FaceState(mouth_shape=MouthShape.A, mouth_open=1.0)) == rest
    wide = chin_row(face, FaceState(mouth_shape=MouthShape.D, mouth_open=1.0))
    half = chin_row(face, FaceState(mouth_shape=MouthShape.C, mouth_open=1.0))
    assert 0.02 < wide - rest < 0.06                                # a visible drop, not a dislocation
    assert rest < half < wide
    tilted = chin_row(face, FaceState(mouth_shape=MouthShape.D, mouth_open=1.0, head_tilt_deg=1.5))
    assert abs(tilted - wide) < 0.01


def test_lowered_chin_leaves_no_seam(face: ProceduralFace) -> None:
    """Down the middle of the face, from the nose to the neck, a dropped jaw makes no sudden step in brightness."""
    size = (1080, 1080)
    u = head_unit_px(size)
    cy = eye_line_px(size)
    cx = size[0] // 2 - round(0.15 * u)         # through the cheek, beside the mouth
    ys = slice(round(cy + 0.2 * u), round(cy + 0.43 * u))
    for state in (FaceState(mouth_shape=MouthShape.X), FaceState(mouth_shape=MouthShape.D, mouth_open=1.0)):
        column = luminance(render(face, state, size)[ys, cx - 3:cx + 4]).mean(axis=1)
        assert np.abs(np.diff(column)).max() < 3.0


def test_closed_eyes_show_no_white_or_iris(face: ProceduralFace) -> None:
    """Eyes open: whites and dark irises visible; blink=1: lids cover them completely."""
    ys, xs = box(SIZE, *EYES)
    iris = np.array(get_look("official").iris)
    open_ = render(face, FaceState(blink=0.0))[ys, xs]
    shut = render(face, FaceState(blink=1.0))[ys, xs]

    def whites(px: np.ndarray) -> int:
        return int((luminance(px) > 205).sum())

    def irises(px: np.ndarray) -> int:
        return int((np.abs(px - iris).max(axis=-1) < 12).sum())

    assert whites(open_) > 30 and irises(open_) > 20
    assert whites(shut) == 0
    assert irises(shut) <= irises(open_) * 0.05


def test_gaze_moves_the_irises(face: ProceduralFace) -> None:
    ys, xs = box(SIZE, *EYES)

    def pupil_x(gaze_x: float) -> float:
        px = render(face, FaceState(gaze_x=gaze_x))[ys, xs]
        whites = luminance(px) > 205
        dark = (luminance(px) < 40) & (np.arange(px.shape[0])[:, None] > px.shape[0] * 0.35)
        assert whites.any()
        return float(np.nonzero(dark)[1].mean())

    assert pupil_x(1.0) > pupil_x(-1.0) + 3


def test_expressions_move_brows_and_mouth_corners(face: ProceduralFace) -> None:
    """Surprise lifts the brows; a smile lifts the mouth corners; a serious face lowers the brows."""
    ys, xs = box(SIZE, -0.28, -0.2, 0.28, -0.04)

    def brow_top(state: FaceState) -> int:
        px = render(face, state)[ys, xs]
        rows = np.nonzero((luminance(px) < 70).any(axis=1))[0]
        return int(rows.min())

    neutral = brow_top(FaceState())
    assert brow_top(FaceState(expression="surprised", brow_raise=1.0)) < neutral - 3
    assert brow_top(FaceState(expression="serious")) > neutral
    mys, mxs = box(SIZE, -0.1, 0.2, -0.085, 0.4)    # just inside the left mouth corner

    def corner_y(state: FaceState) -> float:
        px = render(face, state)[mys, mxs]
        return float(np.argmin(luminance(px), axis=0).mean())   # the line between the lips

    assert corner_y(FaceState(expression="smile")) < corner_y(FaceState()) - 1


def test_sway_and_tilt_move_the_head_not_the_suit(face: ProceduralFace) -> None:
    still = render(face, FaceState())
    swayed = render(face, FaceState(head_dx=0.02))
    tilted = render(face, FaceState(head_tilt_deg=1.5))
    u = head_unit_px(SIZE)
    cy = eye_line_px(SIZE)
    shoulders = slice(round(cy + 1.1 * u), SIZE[1])
    head = slice(0, round(cy + 0.3 * u))
    for moved in (swayed, tilted):
        assert np.abs(moved[head] - still[head]).max() > 50
        assert np.abs(moved[shoulders] - still[shoulders]).max() == 0


@pytest.mark.parametrize("size", [(1280, 720), (1920, 1080), (1080, 1920), (3840, 2160)])
def test_face_fits_its_rect_at_every_resolution(size: tuple[int, int]) -> None:
    """Head and shoulders fill the rect: hair below the top edge, face centred, suit to the bottom."""
    look = get_look("official")
    face = ProceduralFace(look)
    surf = pygame.Surface(size)
    surf.fill(BG)
    rect = pygame.Rect(0, 0, *size)
    face.draw(surf, rect, face_state_at(2.0, MouthShape.C, 0.6))
    px = pygame.surfarray.array3d(surf).transpose(1, 0, 2).astype(int)
    drawn = np.abs(px - np.array(BG)).max(axis=-1) > 12
    rows = np.nonzero(drawn.any(axis=1))[0]
    assert rows.min() > 0.04 * size[1]             # room above the hair
    assert drawn[-1].any()                         # the suit reaches the bottom edge
    skin = np.abs(px - np.array(look.skin)).max(axis=-1) < 40
    ys, xs = np.nonzero(skin)
    assert abs(xs.mean() - size[0] / 2) < 0.03 * size[0]
    u = head_unit_px(size)
    assert 0.3 * u < xs.max() - xs.min() < 1.0 * u       # the face is a face's width, not the frame's
    assert ys.min() > 0 and ys.max() < size[1] - 1


def test_same_picture_at_any_resolution(face: ProceduralFace) -> None:
    """Drawn at 4x the size and shrunk, the face matches the small drawing: proportions are resolution independent."""
    state = FaceState(mouth_shape=MouthShape.E, mouth_open=0.7)
    small = render(face, state, (360, 360))
    big = ProceduralFace(get_look("official"))
    surf = pygame.Surface((1440, 1440))
    surf.fill(BG)
    big.draw(surf, surf.get_rect(), state)
    shrunk = pygame.surfarray.array3d(pygame.transform.smoothscale(surf, (360, 360))).transpose(1, 0, 2).astype(int)
    assert np.abs(shrunk - small).mean() < 4.0


def test_draw_stays_inside_its_rect_and_survives_odd_rects(face: ProceduralFace) -> None:
    surf = pygame.Surface((400, 300))
    surf.fill(BG)
    face.draw(surf, pygame.Rect(100, 50, 200, 200), FaceState(head_dx=0.05))
    px = pygame.surfarray.array3d(surf).transpose(1, 0, 2).astype(int)
    outside = np.ones(px.shape[:2], bool)
    outside[50:250, 100:300] = False
    assert np.abs(px[outside] - np.array(BG)).max() == 0
    face.draw(surf, pygame.Rect(-150, 200, 300, 300), FaceState())   # partly off screen
    face.draw(surf, pygame.Rect(0, 0, 3, 3), FaceState())            # too small to draw: nothing happens


def test_sclera_is_pale_and_eyes_are_level(face: ProceduralFace) -> None:
    """Both eyes at the same height, symmetric about the face's centre line."""
    px = render(face, FaceState())
    ys, xs = box(SIZE, *EYES)
    whites = luminance(px[ys, xs]) > 205
    cols = np.nonzero(whites)[1]
    rows = np.nonzero(whites)[0]
    mid = whites.shape[1] / 2
    left, right = cols[cols < mid], cols[cols >= mid]
    assert len(left) > 10 and len(right) > 10
    assert abs((mid - left.mean()) - (right.mean() - mid)) < 3
    assert abs(rows[cols < mid].mean() - rows[cols >= mid].mean()) < 2
    assert math.isfinite(float(rows.mean()))


@pytest.mark.parametrize("unit_px", [200.0, 288.0, 432.0])      # 4, 3 and 2 samples a side
def test_feature_boxes_give_back_what_they_do_not_draw_on(unit_px: float) -> None:
    """The eyes and mouth are drawn in a box enlarged from the screen and shrunk back: wherever nothing
    is drawn, the screen comes back exactly (no faint rectangle around the mouth), at every fineness."""
    from avatar.face.features import EYES_BOX, _Box, supersampling

    ss = supersampling(unit_px)
    rng = np.random.default_rng(int(unit_px))
    target = pygame.Surface((400, 300), 0, 32, (0xFF0000, 0xFF00, 0xFF, 0))
    pygame.surfarray.blit_array(target, rng.integers(0, 256, (400, 300, 3), dtype=np.uint8))
    before = pygame.surfarray.array3d(target).copy()
    eyes = _Box(EYES_BOX, unit_px, ss)
    m = eyes.begin(target, 200.3, 150.6, 1.5)
    assert m is not None
    # A dot drawn in the middle changes pixels there and nowhere far from it.
    x, y = m.pt(0.0, 0.0)
    pygame.draw.circle(eyes.surface, (255, 255, 255), (round(x), round(y)), 2 * ss)
    drawn = eyes.finish(target)
    after = pygame.surfarray.array3d(target)
    changed = np.argwhere(np.abs(after.astype(int) - before).max(axis=-1) > 0)
    assert drawn.w > 40 and len(changed) > 0
    assert np.all(np.abs(changed - [200, 150]).max(axis=1) <= 4)
