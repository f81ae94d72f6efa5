"""Sprite-pack presenters: each Rhubarb shape shows its own picture at the mouth, blinks, fallbacks, errors."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pygame
import pytest

from avatar.assets import sample_sprite_pack
from avatar.errors import UsageError
from avatar.face import FaceState, get_look
from avatar.face.sprite_pack import load_sprite_pack
from avatar.face.sprite_sample import write_sample_pack
from avatar.face.sprites import SpriteFace
from avatar.lipsync.track import MouthShape
from avatar.scene import Scene
from avatar.scene_state import Caption, LowerThird, SceneState

LOOK = get_look("presenter")
BG = (20, 200, 40)                   # green screen: no test picture uses it
SKIN = (180, 140, 110)
EYES_SHUT = (10, 10, 10)
EYES_HALF = (90, 60, 50)
PACK = (200, 215)                    # drawn 1:1 into a 300x250 rect: head unit 100 px, eye line 90 px
RECT = (300, 250)
ORIGIN = (50, 35)                    # where the pack's top-left lands in that rect
MOUTH_AT = (100, 120)                # centre of the mouth pictures in the pack
MOUTH = (40, 20)
COLOURS = {"A": (200, 30, 30), "B": (30, 30, 200), "C": (200, 200, 30), "D": (30, 200, 200), "E": (200, 30, 200),
           "F": (120, 60, 10), "G": (250, 250, 250), "H": (240, 120, 160), "X": (60, 60, 60)}


def _save(path: Path, size: tuple[int, int], colour: tuple[int, int, int] | None,
          rects: tuple[tuple[tuple[int, int, int, int], tuple[int, int, int]], ...] = ()) -> None:
    surf = pygame.Surface(size, pygame.SRCALPHA)
    surf.fill((*colour, 255) if colour else (0, 0, 0, 0))
    for rect, c in rects:
        surf.fill((*c, 255), rect)
    pygame.image.save(surf, str(path))


def make_pack(folder: Path, shapes: str = "ABCDEFGHX", blink: bool = True, half: bool = False,
              toml: str | None = None) -> Path:
    """A base the colour of skin with small solid mouth pictures placed by face.toml."""
    folder.mkdir(parents=True, exist_ok=True)
    _save(folder / "base.png", PACK, SKIN)
    for s in shapes:
        _save(folder / f"{s}.png", MOUTH, COLOURS[s])
    if blink:
        _save(folder / "blink.png", PACK, None, (((40, 60, 120, 10), EYES_SHUT),))
    if half:
        _save(folder / "blink-half.png", PACK, None, (((40, 60, 120, 5), EYES_HALF),))
    (folder / "face.toml").write_text(toml if toml is not None else f"mouth = [{MOUTH_AT[0]}, {MOUTH_AT[1]}]\n")
    return folder


def render(face: SpriteFace, state: FaceState, size: tuple[int, int] = RECT) -> np.ndarray:
    """The face drawn over a green frame, as an (h, w, 3) int array."""
    surf = pygame.Surface(size)
    surf.fill(BG)
    face.draw(surf, surf.get_rect(), state)
    return pygame.surfarray.array3d(surf).transpose(1, 0, 2).astype(int)


def mouth_box(extra_h: int = 0) -> tuple[slice, slice]:
    x0 = ORIGIN[0] + MOUTH_AT[0] - MOUTH[0] // 2
    y0 = ORIGIN[1] + MOUTH_AT[1] - MOUTH[1] // 2
    return slice(y0, y0 + MOUTH[1] + extra_h), slice(x0, x0 + MOUTH[0])


def still(shape: MouthShape = MouthShape.X, **kw: float) -> FaceState:
    """A pose with no sway, lean or breath, so pictures land on exact pixels."""
    return FaceState(mouth_shape=shape, mouth_open=kw.pop("mouth_open", 0.5), **kw)


# What each shape shows -----------------------------------------------------------------------------


def test_every_shape_draws_its_own_picture_at_the_mouth_anchor(tmp_path: Path) -> None:
    """A person sees, for each Rhubarb shape, exactly that shape's mouth picture where face.toml says."""
    face = SpriteFace(make_pack(tmp_path / "pack"), LOOK)
    assert face.placement(RECT)[:2] == (1.0, ORIGIN)
    rows, cols = mouth_box()
    for shape in MouthShape:
        frame = render(face, still(shape))
        assert (frame[rows, cols] == COLOURS[shape.value]).all(), shape
        # Around the mouth is the base, untouched.
        assert (frame[rows.start - 3, cols] == SKIN).all()
        assert (frame[rows.stop + 2, cols] == SKIN).all()
        assert (frame[rows, cols.start - 2] == SKIN).all()
        # Outside the picture, the background.
        assert (frame[:ORIGIN[1], :] == BG).all()
        assert (frame[:, :ORIGIN[0]] == BG).all()


def test_missing_extended_shapes_fall_back_as_rhubarb_does(tmp_path: Path) -> None:
    """Without G, H and X: f/v shows A (lips together), long l shows C (open), rest shows A."""
    face = SpriteFace(make_pack(tmp_path / "pack", shapes="ABCDEF"), LOOK)
    rows, cols = mouth_box()
    expected = {MouthShape.G: "A", MouthShape.H: "C", MouthShape.X: "A"}
    for shape, stand_in in expected.items():
        assert (render(face, still(shape))[rows, cols] == COLOURS[stand_in]).all(), shape
        assert face.pack.mouth_files[shape].name == f"{stand_in}.png"


def test_openness_picks_wide_open_and_stretches_the_jaw(tmp_path: Path) -> None:
    """C at full openness shows D; a wide open mouth is drawn taller (the jaw drops), a quiet D shows C."""
    face = SpriteFace(make_pack(tmp_path / "pack"), LOOK)
    rows, cols = mouth_box()
    assert (render(face, still(MouthShape.C, mouth_open=1.0))[rows, cols][:MOUTH[1] // 2]
            == COLOURS["D"]).all()
    assert (render(face, still(MouthShape.D, mouth_open=0.1))[rows, cols] == COLOURS["C"]).all()
    loud = render(face, still(MouthShape.D, mouth_open=1.0))
    below = loud[rows.stop:rows.stop + 2, cols]
    assert (np.abs(below - COLOURS["D"]).sum(axis=2) < 40).all()      # the mouth reaches further down
    quiet = render(face, still(MouthShape.D, mouth_open=0.5))
    assert (quiet[rows.stop:rows.stop + 2, cols] == SKIN).all()


def test_blink_closes_the_eyes_and_the_half_frame_shows_between(tmp_path: Path) -> None:
    face = SpriteFace(make_pack(tmp_path / "pack", half=True), LOOK)
    eyes = (slice(ORIGIN[1] + 61, ORIGIN[1] + 64), slice(ORIGIN[0] + 45, ORIGIN[0] + 155))
    assert (render(face, still(blink=0.0))[eyes] == SKIN).all()
    assert (render(face, still(blink=0.5))[eyes] == EYES_HALF).all()
    assert (render(face, still(blink=1.0))[eyes] == EYES_SHUT).all()
    only_closed = SpriteFace(make_pack(tmp_path / "closed"), LOOK)
    assert (render(only_closed, still(blink=0.2))[eyes] == SKIN).all()
    assert (render(only_closed, still(blink=0.8))[eyes] == EYES_SHUT).all()


def test_a_pack_without_a_base_uses_whole_pictures(tmp_path: Path) -> None:
    """Rhubarb-style whole drawings (one per shape, no base): the rest pose is A when X is missing."""
    folder = tmp_path / "lisa"
    folder.mkdir()
    head = ((50, 20, 100, 120), SKIN)
    for s in "ABCDEF":
        _save(folder / f"lisa-{s}.png", (200, 215), None, (head, ((80, 100, 40, 16), COLOURS[s])))
    face = SpriteFace(folder, LOOK)
    mouth = (slice(ORIGIN[1] + 100, ORIGIN[1] + 116), slice(ORIGIN[0] + 80, ORIGIN[0] + 120))
    for shape, letter in ((MouthShape.X, "A"), (MouthShape.D, "D"), (MouthShape.F, "F"), (MouthShape.G, "A")):
        frame = render(face, still(shape))
        assert (frame[mouth] == COLOURS[letter]).all(), shape
        assert (frame[ORIGIN[1] + 30, ORIGIN[0] + 60:ORIGIN[0] + 140] == SKIN).all()
        assert (frame[ORIGIN[1] + 5] == BG).all()           # transparent parts show what is behind


def test_a_dropped_jaw_never_shows_the_rest_mouth_underneath(tmp_path: Path) -> None:
    """The rest pose's lip line is wider than the open mouth; stretching the open mouth must not uncover it."""
    folder = tmp_path / "whole"
    folder.mkdir()
    head = ((50, 20, 100, 120), SKIN)
    line = (96, 40, 120)
    _save(folder / "X.png", PACK, None, (head, ((70, 108, 60, 3), line)))
    for s in "ABCDEF":
        _save(folder / f"{s}.png", PACK, None, (head, ((80, 100, 40, 16), COLOURS[s])))
    face = SpriteFace(folder, LOOK)
    assert ((render(face, still(MouthShape.X)) == line).all(axis=2)).sum() >= 150
    for openness in (0.5, 0.7, 0.85, 1.0):
        frame = render(face, still(MouthShape.D, mouth_open=openness))
        near = np.abs(frame - np.array(line)).sum(axis=2) < 60
        assert not near.any(), openness


# Life: sway, lean, breath -----------------------------------------------------------------------------


def test_sway_and_lean_move_the_head_and_breath_moves_the_body(tmp_path: Path) -> None:
    folder = make_pack(tmp_path / "pack")
    _save(folder / "base.png", PACK, SKIN, (((0, 0, 200, 30), (90, 50, 30)), ((95, 0, 10, 215), (40, 40, 80)),
                                            ((0, 180, 200, 5), (30, 30, 30))))
    face = SpriteFace(folder, LOOK)
    rest = render(face, still())
    neck = ORIGIN[1] + 150
    for pose in (still(head_dx=0.05), still(head_tilt_deg=1.5), still(head_tilt_deg=-1.5)):
        moved = render(face, pose)
        assert (moved[ORIGIN[1]:ORIGIN[1] + 40] != rest[ORIGIN[1]:ORIGIN[1] + 40]).any(), pose
        assert (moved[neck:] == rest[neck:]).all(), pose             # the body stays
    # The lean turns the top of the head away from the roll's direction: a left roll moves it left.
    left = render(face, still(head_tilt_deg=1.5))
    stripe = lambda f: np.flatnonzero((f[ORIGIN[1] + 35] == (40, 40, 80)).all(axis=1)).mean()  # noqa: E731
    assert stripe(left) < stripe(rest) - 1
    breathing = render(face, still(breath=1.0))
    assert (breathing[neck:] != rest[neck:]).any()


def test_draws_nothing_outside_its_rect(tmp_path: Path) -> None:
    face = SpriteFace(make_pack(tmp_path / "pack"), LOOK)
    surf = pygame.Surface((500, 400))
    surf.fill(BG)
    rect = pygame.Rect(100, 60, *RECT)
    face.draw(surf, rect, still(MouthShape.D, mouth_open=1.0, head_tilt_deg=2, head_dx=0.02, breath=1.0))
    frame = pygame.surfarray.array3d(surf).transpose(1, 0, 2)
    inside = np.zeros(frame.shape[:2], bool)
    inside[rect.top:rect.bottom, rect.left:rect.right] = True
    assert (frame[~inside] == BG).all()
    assert (frame[inside] != BG).any()


# The sample pack ---------------------------------------------------------------------------------


def test_sample_pack_has_nine_distinct_mouths_and_blinks() -> None:
    """The shipped cartoon presenter: nine own mouth pictures (no fallbacks), all visibly different."""
    face = SpriteFace(sample_sprite_pack(), LOOK)
    assert len(set(face.pack.mouth_files.values())) == 9
    assert face.pack.blink is not None and face.pack.blink_half is not None
    size = (594, 540)
    frames = {s: render(face, FaceState(mouth_shape=s, mouth_open=0.5), size) for s in MouthShape}
    for a in MouthShape:
        for b in MouthShape:
            if a.value < b.value:
                changed = np.abs(frames[a] - frames[b]).sum(axis=2) > 60
                assert changed.sum() > 40, (a, b)           # a clearly different mouth, not a few pixels
    open_eyes = render(face, FaceState(), size)
    shut = render(face, FaceState(blink=1.0), size)
    assert (np.abs(open_eyes - shut).sum(axis=2) > 60).sum() > 200


def test_sample_pack_matches_its_generator(tmp_path: Path) -> None:
    """The committed pictures are what `python -m avatar.face.sprite_sample` draws (so they can be remade)."""
    written = write_sample_pack(tmp_path / "made")
    shipped = sample_sprite_pack()
    for path in written:
        theirs = shipped / path.name
        assert theirs.is_file(), path.name
        if path.suffix == ".png":
            a = pygame.surfarray.array3d(pygame.image.load(str(path))).astype(int)
            b = pygame.surfarray.array3d(pygame.image.load(str(theirs))).astype(int)
            assert a.shape == b.shape and np.abs(a - b).mean() < 1.0, path.name
        else:
            assert path.read_text() == theirs.read_text()


class NoFace:
    """Draws nothing: the scene without a presenter, to see where the presenter is."""

    def prepare(self, size: tuple[int, int]) -> None:
        pass

    def draw(self, surface: pygame.Surface, rect: pygame.Rect, state: FaceState) -> None:
        pass


@pytest.mark.parametrize("size", [(1920, 1080), (1080, 1920)])
def test_scene_layouts_place_the_sprite_presenter_beside_the_slide(size: tuple[int, int], tmp_path: Path) -> None:
    """In 16:9 and 9:16, with and without a slide, the presenter is on screen, whole-width, clear of the slide."""
    scene = Scene(size, LOOK)
    scene.face = SpriteFace(sample_sprite_pack(), LOOK)
    scene.prepare()
    empty = Scene(size, LOOK)
    empty.face = NoFace()
    w, h = size
    for slide in (None, str(tmp_path / "missing-slide.png")):
        state = SceneState(1.0, face=FaceState(mouth_shape=MouthShape.D, mouth_open=0.8), slide_path=slide,
                           caption=Caption("Welcome."), lower_third=LowerThird("Ada", "Presenter"))
        surf = pygame.Surface(size)
        scene.draw(surf, state)
        pygame.image.save(surf, str(tmp_path / f"frame-{w}x{h}-{bool(slide)}.png"))
        bare = pygame.Surface(size)
        empty.draw(bare, SceneState(1.0, slide_path=slide))
        differs = (pygame.surfarray.array3d(surf) != pygame.surfarray.array3d(bare)).any(axis=2)
        # Ignore the captions and lower third (bottom band); the rest that differs is the presenter.
        differs[:, round(h * 0.6):] = False
        xs, ys = np.flatnonzero(differs.any(axis=1)), np.flatnonzero(differs.any(axis=0))
        assert len(xs) and len(ys)
        left, right, top = xs[0], xs[-1], ys[0]
        assert 0 < left and right < w - 1 and top > 0.04 * h        # on screen with a margin
        assert right - left > 0.3 * min(w, h)                       # a presenter, not a stamp
        if slide:
            area = scene.slide_rect()
            if w > h:
                assert left >= area.right - 0.01 * w
            else:
                assert top >= area.bottom


# Bad packs: one clear line each, before any drawing -------------------------------------------------------


def _text(path: Path, text: str = "not a picture") -> None:
    path.write_text(text)


BAD_PACKS = {
    "no_folder": (lambda d: d / "nowhere", "no such folder"),
    "a_file": (lambda d: (_text(d / "file.png"), d / "file.png")[1], "not a folder"),
    "empty": (lambda d: d, "no pictures"),
    "no_mouths": (lambda d: (_save(d / "base.png", PACK, SKIN), d)[1], "no mouth pictures"),
    "missing_f": (lambda d: ((d / "F.png").unlink(), d)[1], "missing mouth picture F.png"),
    "text_as_png": (lambda d: (_text(d / "C.png"), d)[1], "not a readable picture"),
    "sizes_differ": (lambda d: (_save(d / "D.png", (41, 20), COLOURS["D"]), d)[1], "differ in size"),
    "no_anchor": (lambda d: ((d / "face.toml").unlink(), d)[1], "mouth = [x, y]"),
    "mouth_too_big": (lambda d: (_save(d / "base.png", (30, 30), SKIN), d)[1], "larger than base.png"),
    "mouth_outside": (lambda d: ((d / "face.toml").write_text("mouth = [5, 5]\n"), d)[1], "reaches outside"),
    "bad_toml": (lambda d: ((d / "face.toml").write_text("mouth = [1, \n"), d)[1], "not valid TOML"),
    "unknown_key": (lambda d: ((d / "face.toml").write_text("mouht = [1, 2]\n"), d)[1], "unknown key 'mouht'"),
    "bad_point": (lambda d: ((d / "face.toml").write_text("mouth = \"middle\"\n"), d)[1], "mouth must be [x, y]"),
    "bad_size": (lambda d: ((d / "face.toml").write_text("mouth = [100, 120]\nsize = 9\n"), d)[1],
                 "size must be a number"),
    "transparent": (lambda d: (_save(d / "E.png", MOUTH, None), d)[1], "fully transparent"),
    "all_same": (lambda d: ([_save(d / f"{s}.png", MOUTH, SKIN) for s in "ABCDEF"], d)[1], "all the same"),
    "two_sets": (lambda d: ([_save(d / f"m-{s}.png", MOUTH, COLOURS[s]) for s in "ABCDEF"],
                            [(d / f"{s}.png").unlink() for s in "ABCDEFGHX"],
                            [_save(d / f"n_{s}.png", MOUTH, COLOURS[s]) for s in "ABCDEF"], d)[-1],
                 "several sets of mouth pictures"),
    "duplicate": (lambda d: (_save(d / "A.bmp", MOUTH, COLOURS["A"]), d)[1], "two pictures named 'A'"),
    "svg_base": (lambda d: ((d / "face.toml").write_text("base = \"face.svg\"\nmouth = [100, 120]\n"), d)[1],
                 "not a picture format"),
    "outside_folder": (lambda d: ((d / "face.toml").write_text("base = \"../base.png\"\n"), d)[1],
                       "outside the sprite pack folder"),
    "half_only": (lambda d: ((d / "blink.png").unlink(), _save(d / "blink-half.png", PACK, None,
                                                                (((0, 0, 5, 5), EYES_HALF),)), d)[-1],
                  "needs the closed one"),
    "psd_mouth": (lambda d: ((d / "B.png").rename(d / "B.psd"), d)[1], "B.psd: .psd is not a picture format"),
    "pattern_missing": (lambda d: ((d / "face.toml").write_text("mouths = \"lips-{shape}.png\"\n"), d)[1],
                        "missing mouth pictures lips-A.png"),
}


@pytest.mark.parametrize("case", sorted(BAD_PACKS))
def test_bad_packs_fail_with_one_clear_line(case: str, tmp_path: Path) -> None:
    build, words = BAD_PACKS[case]
    folder = tmp_path / "pack"
    if case not in ("empty", "no_mouths", "no_folder", "a_file"):
        make_pack(folder)
    else:
        folder.mkdir()
    target = build(folder)
    with pytest.raises(UsageError) as err:
        SpriteFace(target, LOOK)
    message = str(err.value)
    assert words in message, message
    assert "\n" not in message and err.value.exit_code == 2
    assert str(target) in message or str(folder) in message


def test_loading_alone_checks_everything(tmp_path: Path) -> None:
    """The check runs before any drawing: a pack that loads draws in every layout without raising."""
    pack = load_sprite_pack(make_pack(tmp_path / "pack", shapes="ABCDEFX", half=True))
    assert pack.size == PACK
    assert {s.value for s in pack.mouths} == {s.value for s in MouthShape}
    face = SpriteFace(tmp_path / "pack", LOOK)
    for size in ((8, 8), (64, 64), (1188, 1080), (1080, 1805)):
        face.prepare(size)
        surf = pygame.Surface(size)
        face.draw(surf, surf.get_rect(), FaceState(mouth_shape=MouthShape.H, mouth_open=1.0, blink=1.0))


def test_summary_says_what_the_pack_holds(tmp_path: Path) -> None:
    """One line for a person checking a pack: its size, own mouths, Rhubarb stand-ins, placement, blinks."""
    line = load_sprite_pack(make_pack(tmp_path / "pack", shapes="ABCDEFG", half=True)).summary()
    assert line == ("pack: 200x215 presenter, mouths ABCDEFG (Rhubarb stand-ins H->C, X->A) as 40x20 at "
                    "(100, 120), blink and half blink")
    assert "ABCDEFGHX as 160x110" in load_sprite_pack(sample_sprite_pack()).summary()


def test_palette_and_jpeg_pictures_work(tmp_path: Path) -> None:
    """Pictures in other formats load: a JPEG base (no alpha), JPEG mouths and a palette (8-bit) PNG mouth."""
    folder = make_pack(tmp_path / "pack", blink=False)
    grey = pygame.Surface(PACK)
    grey.fill((150, 150, 150))
    (folder / "base.png").unlink()
    pygame.image.save(grey, str(folder / "base.jpg"))
    for s in "AB":
        (folder / f"{s}.png").unlink()
        pygame.image.save(_opaque(COLOURS[s]), str(folder / f"{s}.jpg"))
    palette = pygame.Surface(MOUTH, depth=8)
    palette.set_palette_at(1, COLOURS["C"])
    palette.fill(1)
    (folder / "C.png").unlink()
    pygame.image.save(palette, str(folder / "C.png"))
    face = SpriteFace(folder, LOOK)
    rows, cols = mouth_box()
    assert (render(face, still(MouthShape.C))[rows, cols] == COLOURS["C"]).all()
    jpeg_a = render(face, still(MouthShape.A))[rows, cols]
    assert (np.abs(jpeg_a - COLOURS["A"]).max(axis=2) < 24).all()
    assert (np.abs(render(face, still())[rows.start - 4, cols] - 150) < 8).all()


def _opaque(colour: tuple[int, int, int]) -> pygame.Surface:
    surf = pygame.Surface(MOUTH)
    surf.fill(colour)
    return surf
