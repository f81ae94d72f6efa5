"""`avatar face PHOTO`: check a portrait photo, say what was found, and write a preview sheet of its poses."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from avatar.errors import UsageError
from avatar.face.select import require_photo_extra
from avatar.output import write_atomic

SHEET_POSES = (
    ("rest", "X", 0.0, {}), ("A  p b m", "A", 0.0, {}), ("B  teeth", "B", 0.4, {}), ("C  open", "C", 0.6, {}),
    ("D  wide", "D", 1.0, {}), ("E  round", "E", 0.5, {}), ("F  pucker", "F", 0.4, {}),
    ("G  f v", "G", 0.3, {}), ("H  L", "H", 0.5, {}), ("blink", "X", 0.0, {"blink": 1.0}),
    ("smile", "X", 0.0, {"expression": "smile"}), ("brows up", "C", 0.5, {"brow_raise": 1.0}),
)


def default_preview_path(photo: Path) -> Path:
    return photo.with_suffix(".preview.png")


def run(args: argparse.Namespace) -> int:
    """Check `args.photo`, print a report, write the sheet; exit 2 with one line for a bad photo."""
    from avatar.output import check_output_path

    photo = Path(args.photo)
    if not photo.is_file():
        raise UsageError(f"photo not found: {photo}")
    out = Path(args.output) if args.output else default_preview_path(photo)
    overwrite = bool(args.overwrite) or not args.output   # the default sheet is the photo's own, remade
    check_output_path(out, overwrite=overwrite, suffixes=(".png",))
    require_photo_extra()
    from avatar.face.photo_detect import MIN_FACE_PX
    from avatar.face.photo_rig import load_rig

    rig = load_rig(photo)
    w, h = rig.photo_size
    print(f"{photo.name}: {w}x{h} photo, face {rig.face_height_px:.0f} px tall (forehead to chin; "
          f"minimum {MIN_FACE_PX}): usable")
    for note in rig.notes:
        print(f"  note: {note}")
    write_sheet(photo, rig, out, overwrite=overwrite)
    print(f"wrote {out}")
    sys.stdout.flush()
    return 0


def write_sheet(photo: Path, rig, out: Path, tile_h: int = 360, *, overwrite: bool = True) -> None:
    """One PNG: the head in each pose of SHEET_POSES, labelled, four to a row (written atomically)."""
    import pygame

    from avatar.face.look import get_look
    from avatar.face.photo import PhotoFace, panel_rect
    from avatar.face.state import FaceState
    from avatar.fonts import FontBook
    from avatar.lipsync.track import MouthShape

    if not pygame.font.get_init():
        pygame.font.init()
    face = PhotoFace(photo, get_look("official"), rig=rig)
    size = (1280, 1080)
    rect = pygame.Rect(0, 0, *size)
    panel = panel_rect(rect)
    frame = pygame.Surface(size)
    layout = None
    tiles = []
    for label, shape, openness, extra in SHEET_POSES:
        frame.fill((30, 34, 42))
        face.draw(frame, rect, FaceState(mouth_shape=MouthShape(shape), mouth_open=openness, **extra))
        layout = face._layout(panel.size)
        x0, y0, x1, y1 = layout.head_box
        ox, oy = panel.x - layout.pad + layout.inner[0], panel.y - layout.pad + layout.inner[1]
        top = max(y0, layout.brows.box[1] - (layout.mouth.box[3] - layout.brows.box[1]) // 6)
        crop = pygame.Rect(ox + x0, oy + top, x1 - x0, layout.mouth.box[3] - top)
        tiles.append((label, frame.subsurface(crop.clip(frame.get_rect())).copy()))
    cols = 4
    tw = round(tiles[0][1].get_width() * tile_h / tiles[0][1].get_height())
    label_h = 34
    sheet = pygame.Surface((cols * tw, ((len(tiles) + cols - 1) // cols) * (tile_h + label_h)))
    sheet.fill((24, 26, 32))
    font = FontBook().font(22)
    for i, (label, tile) in enumerate(tiles):
        x, y = (i % cols) * tw, (i // cols) * (tile_h + label_h)
        sheet.blit(pygame.transform.smoothscale(tile, (tw, tile_h)), (x, y))
        sheet.blit(font.render(label, True, (230, 232, 238)), (x + 8, y + tile_h + 5))
    def save(part: Path) -> None:
        try:
            pygame.image.save(sheet, str(part), "png")
        except pygame.error as exc:
            raise OSError(str(exc)) from exc

    write_atomic(out, save, overwrite=overwrite)
