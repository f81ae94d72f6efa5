"""The photo presenter on real portraits (Grace Hopper from matplotlib, the astronaut from scikit-image) with
the real MediaPipe landmarker: what a user sees when a photo talks, and the one-line errors for bad photos."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pygame
import pytest

from avatar.errors import UsageError
from avatar.face.look import get_look
from avatar.face.state import FaceState
from avatar.lipsync.track import MouthShape
from test_cli import assert_usage_error, run

pytest.importorskip("mediapipe")
Image = pytest.importorskip("PIL.Image")


@pytest.fixture(scope="module")
def photos(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    from matplotlib import cbook
    from skimage import data

    folder = tmp_path_factory.mktemp("photos")
    grace = folder / "grace.jpg"
    shutil.copy(cbook.get_sample_data("grace_hopper.jpg", asfileobj=False), grace)
    astronaut = folder / "astronaut.png"
    Image.fromarray(data.astronaut()).save(astronaut)
    return {"grace": grace, "astronaut": astronaut, "folder": folder}


def _mouth_view(face, size=(1280, 720)):
    """Draw function and the mouth box (frame pixels) of a photo face in a 16:9 frame."""
    from avatar.face.photo import panel_rect

    surface = pygame.Surface(size)
    rect = pygame.Rect((size[0] - round(size[1] * 1.1)) // 2, 0, round(size[1] * 1.1), size[1])
    panel = panel_rect(rect)
    layout = face._layout(panel.size)
    ox, oy = panel.x - layout.pad + layout.inner[0], panel.y - layout.pad + layout.inner[1]
    p = layout.mouth.p
    x0, x1 = int(p[61, 0] + ox - 4), int(p[291, 0] + ox + 4)
    y0, y1 = int(p[0, 1] + oy - 4), int(p[17, 1] + oy + 0.06 * layout.mouth.fh)

    def draw(state: FaceState) -> np.ndarray:
        surface.fill((20, 30, 50))
        face.draw(surface, rect, state)
        return pygame.surfarray.array3d(surface).transpose(1, 0, 2).astype(int)

    return draw, (slice(y0, y1), slice(x0, x1))


def test_the_real_landmarker_finds_both_faces_and_caches_the_rig(photos, tmp_path) -> None:
    from avatar.face.photo_rig import load_rig

    rig = load_rig(photos["grace"], cache_dir=tmp_path)
    assert 180 < rig.face_height_px < 230 and rig.faces_found == 1
    assert len(list(tmp_path.glob("*.npz"))) == 1, "the rig is cached by the photo's content"
    again = load_rig(photos["grace"], cache_dir=tmp_path)
    assert np.array_equal(again.points, rig.points)
    astro = load_rig(photos["astronaut"], cache_dir=tmp_path)
    assert 90 < astro.face_height_px < 130
    # the lips are where the face's lower third is: corners left and right of the nose, below it
    p = astro.points
    assert p[61, 0] < p[1, 0] < p[291, 0] and p[13, 1] > p[1, 1]


def test_every_mouth_shape_is_distinct_and_a_closes_a_smiling_mouth(photos) -> None:
    """The astronaut smiles with teeth: A (p/b/m) must press her lips shut; D opens widest; X is her rest."""
    from avatar.face.photo import PhotoFace

    face = PhotoFace(photos["astronaut"], get_look("official"))
    draw, box = _mouth_view(face)
    frames = {s: draw(FaceState(mouth_shape=s, mouth_open=0.8)) for s in MouthShape}
    dark = {s: int((frames[s][box].sum(axis=2) < 150).sum()) for s in MouthShape}
    assert dark[MouthShape.A] < 0.3 * dark[MouthShape.X], "lips pressed shut: no dark opening"
    assert dark[MouthShape.D] > dark[MouthShape.C] > dark[MouthShape.A]
    shapes = list(MouthShape)
    for i, a in enumerate(shapes):
        for b in shapes[i + 1:]:
            assert np.abs(frames[a][box] - frames[b][box]).mean() > 1.0, f"{a} and {b} look the same"
    # the mouth's surroundings stay the photo: the hair at the top of the panel does not change
    assert np.abs(frames[MouthShape.D][60:120] - frames[MouthShape.X][60:120]).mean() < 0.5


def test_blink_closes_the_eyes_and_leaves_the_glasses(photos) -> None:
    from avatar.face.photo import PhotoFace, panel_rect

    face = PhotoFace(photos["grace"], get_look("official"))
    draw, _ = _mouth_view(face)
    open_, shut = draw(FaceState()), draw(FaceState(blink=1.0))
    size = (1280, 720)
    rect = pygame.Rect((size[0] - 792) // 2, 0, 792, 720)
    panel = panel_rect(rect)
    layout = face._layout(panel.size)
    ox, oy = panel.x - layout.pad + layout.inner[0], panel.y - layout.pad + layout.inner[1]
    eye = layout.eyes[0]
    iy, ix = int(face_point(layout, 468)[1] + oy), int(face_point(layout, 468)[0] + ox)
    # the iris (dark) is covered by the lid (skin, lighter)
    assert shut[iy - 2:iy + 3, ix - 2:ix + 3].mean() > open_[iy - 2:iy + 3, ix - 2:ix + 3].mean() + 15
    # the frame of the glasses under the eye is untouched
    below = int(eye.lower_pts[:, 1].max() + 0.4 * eye.open_px + oy + 3)
    rows = slice(below, below + 6)
    cols = slice(int(eye.left + ox), int(eye.right + ox))
    assert np.abs(shut[rows, cols] - open_[rows, cols]).mean() < 1.0


def face_point(layout, index: int) -> np.ndarray:
    return layout.mouth.p[index]


def test_make_face_dispatches_by_what_the_spec_names(photos, tmp_path, monkeypatch) -> None:
    import types

    from avatar.face.photo import PhotoFace
    from avatar.face.procedural import ProceduralFace
    from avatar.face.select import make_face

    look = get_look("official")
    assert isinstance(make_face(None, look), ProceduralFace)
    assert isinstance(make_face(photos["grace"].name, look, photos["folder"]), PhotoFace)
    sprites = types.ModuleType("avatar.face.sprites")

    class SpriteFace:
        def __init__(self, folder: Path, look) -> None:
            self.folder = folder

    sprites.SpriteFace = SpriteFace
    monkeypatch.setitem(sys.modules, "avatar.face.sprites", sprites)
    assert make_face(str(tmp_path), look).folder == tmp_path
    with pytest.raises(UsageError, match="not found"):
        make_face("missing.jpg", look, tmp_path)


def test_without_the_extra_the_photo_face_says_how_to_install_it(photos, monkeypatch) -> None:
    from avatar.face.select import make_face

    monkeypatch.setitem(sys.modules, "mediapipe", None)
    with pytest.raises(UsageError, match=r"pip install 'avatar\[photo\]'"):
        make_face(str(photos["grace"]), get_look("official"))


def test_the_drawn_presenter_is_unchanged_without_a_face() -> None:
    from avatar.face.procedural import ProceduralFace
    from avatar.scene import Scene

    scene = Scene((320, 180), get_look("official"))
    assert isinstance(scene.face, ProceduralFace)


def test_avatar_face_reports_and_writes_a_preview_sheet(photos, tmp_path) -> None:
    photo = tmp_path / "portrait.jpg"
    shutil.copy(photos["grace"], photo)
    out = run("face", str(photo))
    assert out.returncode == 0, out.stderr
    assert "usable" in out.stdout and "px tall" in out.stdout
    sheet = pygame.image.load(str(tmp_path / "portrait.preview.png"))
    assert sheet.get_width() > 800 and sheet.get_height() > 600
    assert out.stderr.strip() == ""


@pytest.mark.parametrize("make, needle", [
    (lambda d: _text(d / "notes.jpg"), "not an image"),
    (lambda d: _save(np.tile(np.linspace(0, 255, 400, dtype=np.uint8)[:, None, None], (1, 300, 3)), d / "wall.png"),
     "no face found"),
    (lambda d: _resized(d, (150, 176)), "at least 96 px"),
    (lambda d: _converted(d, "GIF", "grace.gif"), "use JPEG, PNG"),
    (lambda d: _turned(d), "turned to the side"),
])
def test_bad_photos_fail_with_one_line_and_write_nothing(photos, tmp_path, make, needle) -> None:
    global _SOURCE
    _SOURCE = photos["grace"]
    path = make(tmp_path)
    before = sorted(p.name for p in tmp_path.iterdir())
    assert_usage_error(run("face", str(path)), needle)
    assert sorted(p.name for p in tmp_path.iterdir()) == before


_SOURCE: Path | None = None


def _text(path: Path) -> Path:
    path.write_text("not a photo")
    return path


def _save(arr: np.ndarray, path: Path) -> Path:
    Image.fromarray(arr).save(path)
    return path


def _resized(d: Path, size: tuple[int, int]) -> Path:
    Image.open(_SOURCE).resize(size).save(d / "small.jpg")
    return d / "small.jpg"


def _turned(d: Path) -> Path:
    """Grace Hopper's face squeezed right of the nose and stretched left of it, as a head turned away."""
    img = np.asarray(Image.open(_SOURCE).convert("RGB"))
    h, w = img.shape[:2]
    nose, left_w = 266, 266 * 1.48
    xs = np.arange(w, dtype=np.float64)
    src = np.where(xs < left_w, xs / left_w * nose, nose + (xs - left_w) / (w - left_w) * (w - nose))
    cols = np.clip(np.round(src).astype(int), 0, w - 1)
    Image.fromarray(np.ascontiguousarray(img[:, cols])).save(d / "turned.jpg")
    return d / "turned.jpg"


def _converted(d: Path, fmt: str, name: str) -> Path:
    Image.open(_SOURCE).save(d / name, fmt)
    return d / name


def test_rotated_greyscale_cmyk_and_transparent_photos_work(photos, tmp_path) -> None:
    from avatar.face.photo_rig import build_rig

    src = Image.open(photos["grace"])
    rotated = src.rotate(90, expand=True)          # stored sideways, EXIF says "turn 90 clockwise"
    exif = Image.Exif()
    exif[0x0112] = 6
    rotated.save(tmp_path / "exif.jpg", exif=exif)
    src.convert("L").save(tmp_path / "grey.jpg")
    src.convert("CMYK").save(tmp_path / "cmyk.jpg")
    rgba = src.convert("RGBA")
    alpha = np.full(rgba.size[::-1], 255, np.uint8)
    alpha[:, :40] = 0
    rgba.putalpha(Image.fromarray(alpha))
    rgba.save(tmp_path / "alpha.png")
    for name in ("exif.jpg", "grey.jpg", "cmyk.jpg", "alpha.png"):
        rig = build_rig(tmp_path / name)
        assert 180 < rig.face_height_px < 230, name
        assert rig.points[152, 1] > rig.points[10, 1], f"{name}: upright (chin below forehead)"


def test_two_faces_use_the_larger_and_say_so(photos, tmp_path) -> None:
    src = Image.open(photos["grace"])
    group = Image.new("RGB", (src.width + src.width // 2, src.height), (90, 100, 120))
    group.paste(src, (0, 0))
    group.paste(src.resize((src.width // 2, src.height // 2)), (src.width, src.height // 4))
    group.save(tmp_path / "two.jpg")
    out = run("face", str(tmp_path / "two.jpg"))
    assert out.returncode == 0, out.stderr
    assert "2 faces found; using the largest" in out.stdout


@pytest.fixture(scope="module")
def recorded(photos, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("photo-rec")
    shutil.copy(photos["grace"], folder / "grace.jpg")
    (folder / "talk.md").write_text('+++\nface = "grace.jpg"\n+++\nBob, bring papa\'s map! [pause 1.2s]\n'
                                    "Wow, all are here at last.\n", "utf-8")
    out = run("record", str(folder / "talk.md"), "-o", str(folder / "talk.mp4"), "--size", "640x360",
              "--fps", "25", "--cues", str(folder / "talk.json"), "--quiet", timeout=400)
    assert out.returncode == 0, out.stderr
    return folder


def _frames(path: Path, size: tuple[int, int]) -> np.ndarray:
    from avatar import ffmpeg

    proc = subprocess.run([ffmpeg.exe(), "-v", "error", "-i", str(path), "-f", "rawvideo", "-pix_fmt", "rgb24",
                           "-"], capture_output=True, check=True)
    return np.frombuffer(proc.stdout, np.uint8).reshape(-1, size[1], size[0], 3)


def test_in_a_recording_the_mouth_moves_with_the_voice_rests_in_pauses_and_closes_on_b_p_m(recorded) -> None:
    from avatar.face.photo import PhotoFace, panel_rect
    from avatar.scene import Scene

    size = (640, 360)
    frames = _frames(recorded / "talk.mp4", size).astype(int)
    cues = json.loads((recorded / "talk.json").read_text())["mouthCues"]
    scene = Scene(size, replace(get_look("official"), face=str(recorded / "grace.jpg")))
    assert isinstance(scene.face, PhotoFace)
    rect = scene.avatar_rect(False)
    panel = panel_rect(rect)
    layout = scene.face._layout(panel.size)
    ox, oy = panel.x - layout.pad + layout.inner[0], panel.y - layout.pad + layout.inner[1]
    p = layout.mouth.p
    box = (slice(int(p[0, 1] + oy - 2), int(p[17, 1] + oy + 3)), slice(int(p[61, 0] + ox), int(p[291, 0] + ox)))

    def at(t: float) -> np.ndarray:
        return frames[min(len(frames) - 1, int(round(t * 25)))][box]

    def dark(t: float) -> int:
        return int((at(t).sum(axis=2) < 120).sum())

    speech = [c for c in cues if c["end"] - c["start"] >= 0.08]
    rest = next(c for c in speech if c["value"] == "X" and c["end"] - c["start"] > 0.8 and c["start"] > 1.0)
    opened = [c for c in speech if c["value"] in "CD"]
    closed = [c for c in speech if c["value"] == "A"]
    assert opened and closed, cues
    rest_dark = dark((rest["start"] + rest["end"]) / 2)
    open_dark = max(dark((c["start"] + c["end"]) / 2) for c in opened)
    assert open_dark > rest_dark + 8, "open vowels show the inside of the mouth"
    for c in closed:
        shut = dark((c["start"] + c["end"]) / 2)
        assert shut <= rest_dark + 0.25 * (open_dark - rest_dark), f"lips shut on p/b/m at {c['start']:.2f}s"
    # in the pause the mouth holds still
    t0, t1 = rest["start"] + 0.2, rest["end"] - 0.2
    assert np.abs(at(t0) - at(t1)).mean() < 4.0
    # over the whole talk, the mouth region's change follows speech: more during words than in the pause
    diffs = np.abs(np.diff(frames[:, box[0], box[1]], axis=0)).mean(axis=(1, 2, 3))
    in_pause = diffs[int(t0 * 25):int(t1 * 25)].mean()
    talking = [diffs[int(c["start"] * 25):int(c["end"] * 25) + 1].mean() for c in opened]
    assert max(talking) > 2 * in_pause + 0.5


def test_a_bad_face_stops_a_recording_before_any_work(photos, tmp_path) -> None:
    (tmp_path / "talk.md").write_text("Hello there.\n", "utf-8")
    (tmp_path / "notes.jpg").write_text("not a photo")
    proc = run("record", str(tmp_path / "talk.md"), "--face", str(tmp_path / "notes.jpg"),
               "-o", str(tmp_path / "talk.mp4"), "--quiet")
    assert_usage_error(proc, "not an image")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.jpg", "talk.md"]
    (tmp_path / "talk.md").write_text('+++\nface = "missing.jpg"\n+++\nHello there.\n', "utf-8")
    proc = run("record", str(tmp_path / "talk.md"), "-o", str(tmp_path / "talk.mp4"), "--quiet")
    assert_usage_error(proc, "face 'missing.jpg' not found")


def test_the_config_face_is_relative_to_the_config_file(photos, tmp_path) -> None:
    from avatar.config import load_config

    (tmp_path / "avatar.toml").write_text('[look]\nface = "grace.jpg"\n', "utf-8")
    config = load_config(tmp_path / "avatar.toml")
    for command in ("play", "record", "say", "kiosk"):
        assert Path(config.defaults_for(command)["face"]) == tmp_path / "grace.jpg"


def test_the_kiosk_takes_a_face(photos) -> None:
    import argparse

    from avatar.kiosk.command import add_arguments, window_options

    parser = argparse.ArgumentParser()
    add_arguments(parser)
    args = parser.parse_args(["--face", str(photos["grace"]), "--windowed"])
    assert window_options(args).face == str(photos["grace"].resolve())


def test_a_huge_photo_is_read_scaled_down(photos, tmp_path) -> None:
    from avatar.face.photo_image import MAX_SIDE_PX, load_photo

    big = Image.open(photos["grace"]).resize((4096, 4800))
    big.save(tmp_path / "big.jpg", quality=80)
    photo = load_photo(tmp_path / "big.jpg")
    assert max(photo.rgb.shape[:2]) <= MAX_SIDE_PX and photo.original_size == (4096, 4800)


def _border_diff(patch: np.ndarray, src: np.ndarray) -> int:
    p, s = patch.astype(int), src.astype(int)
    return int(max(np.abs(p[0] - s[0]).max(), np.abs(p[-1] - s[-1]).max(),
                   np.abs(p[:, 0] - s[:, 0]).max(), np.abs(p[:, -1] - s[:, -1]).max()))


def test_every_pose_meets_the_photo_without_a_seam(photos) -> None:
    """Each pasted patch (lower face, eyes, brows) equals the photo along its border for every pose."""
    from avatar.face.photo import PhotoFace

    for name in ("grace", "astronaut"):
        layout = PhotoFace(photos[name], get_look("official"))._layout((490, 612))
        for shape in MouthShape:
            for smile in (0.0, 1.0, -0.5):
                assert _border_diff(layout.mouth.render(shape, 1.0, smile), layout.mouth.src) <= 4, (name, shape)
        for eye in layout.eyes:
            for blink in (0.0, 0.5, 1.0):
                assert _border_diff(eye.render(blink, 0.5), eye.src) <= 4, (name, blink)
        for raise_ in (-0.5, 1.0):
            assert _border_diff(layout.brows.render(raise_), layout.brows.src) <= 4, (name, raise_)


def test_look_on_the_command_line_keeps_the_drawn_presenter(photos, tmp_path) -> None:
    """A script with `face = ...` gives the photo; `--look host` picks the drawn presenter instead."""
    import argparse

    from avatar.config import Config
    from avatar.face.select import look_chosen, with_face

    look = get_look("host")
    assert with_face(look, None, photos["grace"].name, photos["folder"]).face == str(photos["grace"].resolve())
    assert with_face(look, None, photos["grace"].name, photos["folder"], drawn=True).face is None
    cfg = Config(values={"look": {"name": "host"}})
    assert not look_chosen(argparse.Namespace(look="host", app_config=cfg)), "the config's look is a default"
    assert look_chosen(argparse.Namespace(look="presenter", app_config=cfg))


@pytest.mark.parametrize("size", [(1920, 1080), (1080, 1920)])
def test_the_portrait_moves_aside_for_a_slide_in_both_layouts(photos, size, tmp_path) -> None:
    """16:9 and 9:16, with a slide: the framed portrait is whole on screen, clear of the slide, and the
    same size as without the slide (the rig is built for one panel size)."""
    from avatar.face.photo import panel_rect
    from avatar.scene import Scene
    from avatar.scene_state import SceneState

    slide = tmp_path / "slide.png"
    chart = pygame.Surface((800, 450))
    chart.fill((240, 240, 240))
    pygame.image.save(chart, str(slide))
    scene = Scene(size, replace(get_look("official"), face=str(photos["grace"])))
    screen = pygame.Surface(size)
    sizes = []
    for with_slide in (False, True):
        panel = panel_rect(scene.avatar_rect(with_slide))
        assert screen.get_rect().contains(panel)
        if with_slide:
            assert not panel.colliderect(scene.slide_rect()), (panel, scene.slide_rect())
        sizes.append(panel.size)
        scene.draw(screen, SceneState(1.0, face=FaceState(mouth_shape=MouthShape.C, mouth_open=0.8),
                                      slide_path=str(slide) if with_slide else None))
        inside = pygame.surfarray.array3d(screen.subsurface(panel.inflate(-8, -8))).astype(np.float32)
        assert inside.std() > 20, "the portrait, not a flat panel, is drawn there"
    assert sizes[0] == sizes[1]


def test_the_head_moves_in_half_pixel_steps(photos) -> None:
    """The portrait's head follows the idle sway and roll to within half a pixel everywhere on it,
    and states closer than that give the very same move (a frame that repeats it costs next to nothing)."""
    import cv2

    from avatar.face.photo import STEP_PX, PhotoFace

    assert STEP_PX == 0.5
    face = PhotoFace(photos["grace"], get_look("official"))
    layout = face._layout((600, 750))
    h, w = layout.mask.shape
    corners = np.array([[0, 0, 1], [w, 0, 1], [0, h, 1], [w, h, 1]], float).T
    for dx, dy, tilt in [(0.0, 0.0, 0.0), (0.0031, -0.0017, 0.43), (-0.0123, 0.004, -1.37), (0.0071, 0.0, 1.9)]:
        state = FaceState(head_dx=dx, head_dy=dy, head_tilt_deg=tilt)
        got = PhotoFace._matrix(layout, state)
        exact = cv2.getRotationMatrix2D(layout.pivot, tilt, 1.0)
        exact[:, 2] += (dx * layout.unit_px, dy * layout.unit_px)
        assert np.abs(got @ corners - exact @ corners).max() <= STEP_PX
        # A sway over five steps, in fiftieths: five or six different moves, not fifty.
        sway = {PhotoFace._matrix(layout, replace(state, head_dx=dx + k * 0.1 * STEP_PX / layout.unit_px)).tobytes()
                for k in range(50)}
        assert 5 <= len(sway) <= 6
