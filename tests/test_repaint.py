"""Repainting only what changed gives exactly the frames a full draw gives, whatever the frame shows."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pygame
import pytest

from avatar.face import get_look
from avatar.face.base import union_of
from avatar.face.idle import face_state_at
from avatar.face.sprite_sample import write_sample_pack
from avatar.face.sprites import SpriteFace
from avatar.lipsync.track import MouthShape
from avatar.repaint import Repainter, _overlay
from avatar.scene import Scene
from avatar.scene_state import Caption, LowerThird, SceneState, TitleCard
from avatar.yuv import I420Frame, apply_update, surface_pixels
from helpers import word_spans as words

TEXT = "Good morning everyone and thank you for joining us today to talk about the year ahead"
SHAPES = (MouthShape.B, MouthShape.C, MouthShape.X, MouthShape.D, MouthShape.E, MouthShape.F, MouthShape.A)
FPS = 30.0


@pytest.fixture(scope="module", autouse=True)
def _fonts() -> None:
    pygame.font.init()


def talk(slide: str) -> list[SceneState]:
    """Nine seconds of a show: a title fading out, the lower third fading in and out, captions
    paging with the spoken word, a slide coming and going, the kiosk's box and hint at the end."""
    spans = words(TEXT)
    states = []
    for i in range(int(9 * FPS)):
        t = i / FPS
        face = face_state_at(t, SHAPES[(i // 3) % len(SHAPES)], 0.5 + 0.5 * np.sin(i * 0.9),
                             "smile" if i % 90 > 45 else "neutral", emphasis=float(i % 40 < 6))
        title = TitleCard("Annual Address", "Li Wei", max(0.0, 1.0 - t)) if t < 1.2 else None
        lower = LowerThird("Li Wei", "Director", min(1.0, max(0.0, t - 1.0), max(0.0, 6.0 - t)))
        caption = Caption(TEXT, spans, int(t / 0.25) % len(spans)) if 1.5 < t < 7.5 else None
        states.append(SceneState(t_s=t, face=face, caption=caption, lower_third=lower, title=title,
                                 slide_path=slide if 3.0 < t < 5.0 else None,
                                 hint="Press Enter to ask" if t > 7.0 else "",
                                 input_text="What is" if t > 8.0 else None, cursor_on=i % 20 < 10))
    return states


def assert_repaints_like_full_draws(scene: Scene, states: list[SceneState]) -> None:
    """Each repainted frame equals a full draw, and so does the encoder's frame (yuv420p) kept up to
    date from only the areas the painter says it changed."""
    full = pygame.Surface(scene.size, 0, 32, (0xFF0000, 0xFF00, 0xFF, 0))
    buffers = [pygame.Surface(scene.size, 0, 32, (0xFF0000, 0xFF00, 0xFF, 0)) for _ in range(2)]
    frames = [I420Frame(scene.size) for _ in buffers]
    painter = Repainter(scene)
    partial = 0
    for i, state in enumerate(states):
        scene.draw(full, state)
        target = buffers[i % 2]     # as the recorder hands them out: the other one is being encoded
        changed = painter.draw(target, state)
        a = pygame.surfarray.pixels3d(full)
        b = pygame.surfarray.pixels3d(target)
        assert np.array_equal(a, b), f"frame {i} (t={state.t_s:.2f} s) differs from the full draw"
        del a, b
        frames[i % 2].update(surface_pixels(target), changed if i >= 2 else None)
        whole = I420Frame(scene.size)
        whole.update(surface_pixels(full))
        assert np.array_equal(frames[i % 2].data, whole.data), \
            f"frame {i} (t={state.t_s:.2f} s): the areas said to have changed miss a change"
        partial += changed is not None
    assert partial > len(states) / 2      # most frames convert only some areas


@pytest.fixture(scope="module")
def slide(tmp_path_factory: pytest.TempPathFactory) -> str:
    surf = pygame.Surface((320, 180))
    surf.fill((220, 20, 20))
    path = tmp_path_factory.mktemp("slide") / "slide.png"
    pygame.image.save(surf, str(path))
    return str(path)


@pytest.mark.parametrize("size", [(640, 360), (360, 640)])
def test_drawn_presenter_repaints_to_the_same_pixels(size: tuple[int, int], slide: str) -> None:
    """Every frame of a busy show, drawn the cheap way into two alternating buffers, is the frame."""
    assert_repaints_like_full_draws(Scene(size, get_look("official")), talk(slide))


def test_a_breath_copies_the_still_layer_in_yuv420p_instead_of_converting_it(slide: str) -> None:
    """For a recording, a frame where only the body moved with the breath gets the still layer's
    yuv420p where it changed from the last time that body position was drawn, and converts only what
    is drawn over it: every frame is exactly the full draw's yuv420p, and the breath's area is converted
    from RGB once per body position, not on every breath."""
    scene = Scene((640, 360), get_look("official"))
    full = pygame.Surface(scene.size, 0, 32, (0xFF0000, 0xFF00, 0xFF, 0))
    buffers = [pygame.Surface(scene.size, 0, 32, (0xFF0000, 0xFF00, 0xFF, 0)) for _ in range(2)]
    frames = [I420Frame(scene.size) for _ in buffers]
    whole = I420Frame(scene.size)
    painter = Repainter(scene)
    converted_whole = []                         # the still layer's breath area, converted from RGB
    keep = painter._stills.put                   # called when a body position is converted
    painter._stills.put = lambda key, kept: (converted_whole.append(key), keep(key, kept))[1]  # type: ignore
    partial = []                                 # breaths that drew only the body's area and changed parts
    breath_parts = painter._breath_parts
    painter._breath_parts = lambda *args: (partial.append(1), breath_parts(*args))[1]  # type: ignore
    breaths = 0
    quiet = 0                                    # breaths over the caption and lower third their buffer held
    states = talk(slide) * 2                     # the same body positions come round again
    for i, state in enumerate(states):
        k = i % 2
        seen = len(converted_whole)
        update = painter.draw_i420(buffers[k], state)
        apply_update(frames[k], buffers[k], update, frames[1 - k] if i else None, whole=i < 2)
        if update.direct is not None:            # the drawn presenter: only a breath writes straight in
            breaths += 1
            if len(converted_whole) == seen and i >= 2 and _overlay(state) == _overlay(states[i - 2]):
                quiet += 1
        scene.draw(full, state)
        whole.update(surface_pixels(full))
        assert np.array_equal(frames[k].data, whole.data), f"frame {i} (t={state.t_s:.2f} s) differs"
    assert len(converted_whole) == len(set(converted_whole)), "a body position was converted twice"
    assert breaths > 2 * len(converted_whole)
    assert quiet > 0 and len(partial) == quiet, "a breath over an unchanged caption redraws the whole face"


def test_a_recording_buffer_starts_from_the_frame_drawn_just_before(slide: str) -> None:
    """A recorder's buffer holds the frame from two frames back: what changed one frame ago (the head
    moved a pixel, a caption turned its page, the highlight moved on) is copied from the other buffer,
    pixels and yuv420p, rather than drawn and converted a second time. Every frame, in RGB and in
    yuv420p, is still exactly the full draw's, and fewer pixels are converted than without the copy."""
    scene = Scene((640, 360), get_look("official"))
    full = pygame.Surface(scene.size, 0, 32, (0xFF0000, 0xFF00, 0xFF, 0))
    whole = I420Frame(scene.size)
    states = talk(slide)

    def record(painter: Repainter) -> tuple[int, int, int]:
        buffers = [pygame.Surface(scene.size, 0, 32, (0xFF0000, 0xFF00, 0xFF, 0)) for _ in range(2)]
        frames = [I420Frame(scene.size) for _ in buffers]
        converted = copied = copies = 0
        for i, state in enumerate(states):
            k = i % 2
            update = painter.draw_i420(buffers[k], state)
            apply_update(frames[k], buffers[k], update, frames[1 - k] if i else None, whole=i < 2)
            scene.draw(full, state)
            whole.update(surface_pixels(full))
            a, b = pygame.surfarray.pixels3d(full), pygame.surfarray.pixels3d(buffers[k])
            assert np.array_equal(a, b), f"frame {i} (t={state.t_s:.2f} s) differs from the full draw"
            del a, b
            assert np.array_equal(frames[k].data, whole.data), f"frame {i} (t={state.t_s:.2f} s): yuv420p differs"
            if i >= 2:
                converted += sum(w * h for _, _, w, h in (update.areas or [(0, 0, *scene.size)]))
                copied += sum(w * h for _, _, w, h in update.copied)
                copies += bool(update.copied)
        return converted, copied, copies

    converted, copied, copies = record(Repainter(scene))
    alone = Repainter(scene)
    alone._catch_up = lambda surface: []          # type: ignore[method-assign]  # each buffer on its own
    converted_alone, nothing, _ = record(alone)
    assert nothing == 0 and copies > len(states) / 3 and copied > 0
    assert converted < 0.95 * converted_alone, (converted, converted_alone)


def test_a_face_without_layers_repaints_its_whole_rect(tmp_path: Path, slide: str) -> None:
    """A sprite-pack presenter (no still layer of its own) comes out the same as a full draw too."""
    folder = tmp_path / "pack"
    write_sample_pack(folder)
    scene = Scene((640, 360), get_look("official"), face=SpriteFace(folder, get_look("official")))
    assert_repaints_like_full_draws(scene, talk(slide)[::3])


def test_the_photo_presenter_repaints_to_the_same_pixels(slide: str) -> None:
    """A portrait presenter (its framed photo the still layer, the moving head drawn over it) comes out
    the same as a full draw, frame by frame, as its head sways, blinks and talks."""
    pytest.importorskip("mediapipe")
    from matplotlib import cbook

    from avatar.face.base import LayeredFace
    from avatar.face.photo import PhotoFace

    face = PhotoFace(cbook.get_sample_data("grace_hopper.jpg", asfileobj=False), get_look("official"))
    assert isinstance(face, LayeredFace)
    scene = Scene((640, 360), get_look("official"), face=face)
    assert_repaints_like_full_draws(scene, talk(slide)[::2])


def test_the_photo_presenter_records_its_head_straight_in_yuv420p(slide: str) -> None:
    """For a recording, the portrait's head is composed in yuv420p and written into the encoder's frame
    (nothing of it drawn in RGB or converted), also under the lower third that lies over the portrait's
    chin (the overlay is drawn over the head's pixels taken back from the frame): every frame still
    equals the full draw's, up to rounding in luma and the chroma blocks' sampling, as the show's
    title card, lower third, captions and slide come and go."""
    pytest.importorskip("mediapipe")
    from matplotlib import cbook

    from avatar.face.photo import PhotoFace

    face = PhotoFace(cbook.get_sample_data("grace_hopper.jpg", asfileobj=False), get_look("official"))
    scene = Scene((640, 360), get_look("official"), face=face)
    full = pygame.Surface(scene.size, 0, 32, (0xFF0000, 0xFF00, 0xFF, 0))
    buffers = [pygame.Surface(scene.size, 0, 32, (0xFF0000, 0xFF00, 0xFF, 0)) for _ in range(2)]
    frames = [I420Frame(scene.size) for _ in buffers]
    whole = I420Frame(scene.size)
    painter = Repainter(scene)
    # A long lower third, so that it reaches under the portrait's chin.
    states = [dataclasses.replace(state, lower_third=LowerThird(
        "Beijing Digital Economy Presenter", "Beijing Municipal Bureau of Economy and Information Technology",
        state.lower_third.opacity)) for state in talk(slide)[::2]]
    direct = drawn = converted_too = under_lower_third = 0
    for i, state in enumerate(states):
        k = i % 2
        update = painter.draw_i420(buffers[k], state)
        frames[k].update(surface_pixels(buffers[k]), update.areas if i >= 2 else None)
        if update.direct is not None:
            head = scene.face_i420(buffers[k], state)[0]
            converted_too += sum(r.clip(head).w * r.clip(head).h for r in update.areas) / (head.w * head.h)
            update.direct(frames[k])
            direct += 1
            under_lower_third += state.lower_third.opacity > 0.5
        else:
            drawn += 1
        scene.draw(full, state)
        whole.update(surface_pixels(full))
        for name in ("y", "u", "v"):
            got, want = getattr(frames[k], name).astype(int), getattr(whole, name).astype(int)
            diff = np.abs(got - want)
            # (3 in luma where the lower third is drawn over colours taken back from yuv420p)
            assert diff.max() <= (3 if name == "y" else 10), f"frame {i}: {name} differs by {diff.max()}"
            assert diff.mean() < 0.1, f"frame {i}: {name} differs by {diff.mean():.3f} on average"
    assert direct > drawn > 0      # mostly straight in yuv420p; drawn in RGB under the title card
    assert under_lower_third > 40
    assert converted_too == 0, "pixels of the head's area were converted from RGB as well"
    lower_third_and_caption = scene.draw_overlay(full, states[75])
    head = scene.face_i420(full, states[75])[0]
    assert any(r.colliderect(head) for r in lower_third_and_caption), "the lower third lies over the head"


def test_repainting_is_cheaper_than_drawing_everything() -> None:
    """The still layer is not drawn again for every frame: the background is blitted only when the
    body moves with the breath, not once per frame."""
    scene = Scene((640, 360), get_look("official"))
    painter = Repainter(scene)
    buffers = [pygame.Surface(scene.size, 0, 32, (0xFF0000, 0xFF00, 0xFF, 0)) for _ in range(2)]
    stills = 0
    draw_still = scene.draw_still

    def counting(surface: pygame.Surface, state: SceneState) -> None:
        nonlocal stills
        if surface.get_clip() == surface.get_rect():
            stills += 1
        draw_still(surface, state)

    scene.draw_still = counting  # type: ignore[method-assign]
    frames = 120
    for i in range(frames):
        state = SceneState(t_s=i / FPS, face=face_state_at(i / FPS, MouthShape.C, 0.4))
        painter.draw(buffers[i % 2], state)
    assert stills < frames / 4


def changed_pixels(scene: Scene, a: SceneState, b: SceneState) -> np.ndarray:
    """Where two states' full draws differ, as a (w, h) mask."""
    one, two = (pygame.Surface(scene.size, 0, 32, (0xFF0000, 0xFF00, 0xFF, 0)) for _ in range(2))
    scene.draw(one, a)
    scene.draw(two, b)
    return np.any(pygame.surfarray.array3d(one) != pygame.surfarray.array3d(two), axis=2)


def reported(scene: Scene, states: list[SceneState]) -> list[list[pygame.Rect] | None]:
    """What the painter says changed, frame by frame, drawing into two alternating buffers."""
    buffers = [pygame.Surface(scene.size, 0, 32, (0xFF0000, 0xFF00, 0xFF, 0)) for _ in range(2)]
    painter = Repainter(scene)
    return [painter.draw(buffers[i % 2], state) for i, state in enumerate(states)]


def covers(mask: np.ndarray, rects: list[pygame.Rect]) -> np.ndarray:
    out = np.zeros_like(mask)
    for r in rects:
        out[r.left:r.right, r.top:r.bottom] = True
    return out


def test_a_talking_head_repaints_its_mouth_and_not_its_eyes() -> None:
    """With the head and eyes still and a caption held, each frame reports only where the mouth and
    jaw were and are: never a pixel that a blink would change; a frame like the one its buffer holds
    reports nothing; and every frame still equals a full draw."""
    scene = Scene((640, 360), get_look("official"))
    caption = Caption(TEXT, words(TEXT), 3)
    lower = LowerThird("Li Wei", "Director")
    still = face_state_at(2.0)

    def frame(mouth: MouthShape, mouth_open: float, blink: float = 0.0) -> SceneState:
        face = still.__class__(**{**still.__dict__, "mouth_shape": mouth, "mouth_open": mouth_open, "blink": blink})
        return SceneState(t_s=2.0, face=face, caption=caption, lower_third=lower)

    talking = [frame(SHAPES[i % len(SHAPES)], 0.3 + 0.1 * (i % 5)) for i in range(24)]
    talking += talking[-2:] * 2      # each buffer already holds the frame it gets
    assert_repaints_like_full_draws(scene, talking)
    eyes = changed_pixels(scene, frame(MouthShape.X, 0.0), frame(MouthShape.X, 0.0, blink=1.0))
    assert eyes.sum() > 100
    face = changed_pixels(scene, frame(MouthShape.X, 0.0), frame(MouthShape.D, 1.0))
    said = reported(scene, talking)
    for i, areas in enumerate(said[2:-4], start=2):
        assert areas, f"frame {i}: the mouth moved but nothing was reported"
        mask = covers(eyes, areas)
        assert not (mask & eyes).any(), f"frame {i}: the eyes were repainted though only the mouth moved"
        assert mask.sum() < 3 * face.sum(), f"frame {i}: far more than the mouth and jaw was repainted"
    assert said[-4:] == [[], [], [], []]

    blinking = [frame(MouthShape.X, 0.0, blink=b) for b in (0.0, 0.0, 0.3, 0.6, 1.0, 0.6, 0.3, 0.0)]
    assert_repaints_like_full_draws(scene, blinking)
    for i, areas in enumerate(reported(scene, blinking)[2:], start=2):
        assert not (covers(face, areas) & face).any(), f"frame {i}: the mouth was repainted for a blink"


def test_the_spoken_word_moving_on_repaints_only_its_highlights() -> None:
    """With the face still and the caption page held, each frame repaints only where the spoken word's
    highlight was on that buffer and where it is now, not the caption; and every frame still equals a
    full draw, also when the page turns."""
    scene = Scene((640, 360), get_look("official"))
    spans = words(TEXT)
    still = face_state_at(2.0)
    lower = LowerThird("Li Wei", "Director")
    states = [SceneState(t_s=2.0, face=still, caption=Caption(TEXT, spans, min(i // 2, len(spans) - 1)),
                         lower_third=lower) for i in range(2 * len(spans) + 4)]
    assert_repaints_like_full_draws(scene, states)
    marks = [scene.caption_mark(state) for state in states]
    moved = 0
    for i, areas in enumerate(reported(scene, states)[2:], start=2):
        before, now = marks[i - 2], marks[i]
        if before[0] != now[0]:
            continue                               # a new page: the caption is drawn again
        allowed = union_of([r for r in (before[1], now[1]) if r is not None])
        assert all(allowed.contains(r) for r in areas), f"frame {i}: {areas} reach beyond the highlights"
        moved += bool(areas)
    assert moved > len(spans)


def test_a_title_card_held_on_screen_is_drawn_once_per_buffer() -> None:
    """While a title card covers the frame unchanged (its hold before the fade), a buffer that shows it
    already reports nothing, whatever runs underneath; another card, the fade and the talk after it come
    out as full draws."""
    scene = Scene((640, 360), get_look("official"))
    spans = words(TEXT)
    states = []
    for i in range(20):
        t = i / FPS
        opacity = 1.0 if i < 8 else max(0.0, 1.0 - (i - 7) / 6)
        name = "Annual Address" if i < 4 else "Year Ahead"       # a second card straight after the first
        states.append(SceneState(t_s=t, face=face_state_at(t, SHAPES[i % len(SHAPES)], 0.5),
                                 title=TitleCard(name, "Li Wei", opacity) if opacity > 0 else None,
                                 caption=Caption(TEXT, spans, i // 4)))
    assert_repaints_like_full_draws(scene, states)
    said = reported(scene, states)
    assert said[2:4] == said[6:8] == [[], []]
    assert said[4:6] == [None, None]
    whole = pygame.Rect((0, 0), scene.size)
    assert all(areas is None or whole in areas for areas in said[8:13])     # the fade changes every pixel
