"""A sprite pack on disk (Rhubarb mouth pictures, an optional base, blink frames, face.toml) checked and loaded.

Every problem is found here, before any drawing: `load_sprite_pack` raises UsageError with one line
that names the file and the fix. See README "Sprite packs" for the format.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pygame

from avatar.errors import UsageError
from avatar.lipsync.track import MouthShape

BASIC_SHAPES = ("A", "B", "C", "D", "E", "F")
EXTENDED_SHAPES = ("G", "H", "X")
# Rhubarb Lip Sync's own stand-ins when a pack leaves out an extended shape (its getBasicShape):
# G (f/v) -> A, H (long l) -> C, X (rest) -> A.
FALLBACKS = {"G": "A", "H": "C", "X": "A"}
IMAGE_EXTENSIONS = (".png", ".webp", ".jpg", ".jpeg", ".bmp", ".tga", ".gif")
BASE_NAMES = ("base", "face", "body", "head", "character")
BLINK_NAMES = ("blink", "eyes-closed")
BLINK_HALF_NAMES = ("blink-half", "eyes-half")
TOML_NAME = "face.toml"
TOML_KEYS = ("base", "mouths", "mouth", "mouth_scale", "blink", "blink_half", "blink_at", "size")
MAX_SIDE_PX = 8192
_MOUTH_STEM = re.compile(r"^(?P<prefix>(?:.*[-_ .])?)(?P<shape>[A-HX])$", re.IGNORECASE)
_FORMATS = "PNG, WebP, JPEG, BMP, TGA or GIF"


@dataclass(frozen=True, eq=False)
class Overlay:
    """One picture of the pack and where it goes on the base.

    `centre` None: the picture is the whole frame (drawn at 0, 0). `replace`: it is the whole picture
    (a pack without a base), not something drawn over the base.
    """

    path: Path
    image: pygame.Surface
    centre: tuple[float, float] | None = None
    scale: float = 1.0
    replace: bool = False


@dataclass(frozen=True, eq=False)
class SpritePack:
    """A checked pack: the picture at rest, all nine mouths (fallbacks filled in) and the blink frames."""

    folder: Path
    base: pygame.Surface                         # the presenter at rest, with alpha
    mouths: dict[MouthShape, Overlay]            # every MouthShape, fallbacks resolved
    mouth_files: dict[MouthShape, Path]          # which file each shape shows (after fallbacks)
    shown: dict[MouthShape, MouthShape]          # the shape whose picture each shape shows (itself or a stand-in)
    blink: Overlay | None = None                 # eyes closed
    blink_half: Overlay | None = None            # eyes half closed (optional in-between)
    size_factor: float = 1.0                     # presenter size relative to the default layout

    @property
    def size(self) -> tuple[int, int]:
        return self.base.get_size()

    def summary(self) -> str:
        """One line on what the pack holds, for a person checking it (e.g. `avatar face FOLDER`)."""
        own = "".join(s.value for s in MouthShape if self.shown[s] == s)
        stand_ins = [f"{s.value}->{self.shown[s].value}" for s in MouthShape if self.shown[s] != s]
        w, h = self.size
        mouths = self.mouths[MouthShape.A]
        placed = "whole pictures (no base)" if mouths.replace else "overlays the size of the base" \
            if mouths.centre is None else \
            f"{mouths.image.get_width()}x{mouths.image.get_height()} at ({mouths.centre[0]:g}, {mouths.centre[1]:g})"
        blink = "blink and half blink" if self.blink_half else "blink" if self.blink else "no blink"
        fallback = f" (Rhubarb stand-ins {', '.join(stand_ins)})" if stand_ins else ""
        return f"{self.folder.name}: {w}x{h} presenter, mouths {own}{fallback} as {placed}, {blink}"

    def picture(self, overlay: Overlay | None) -> pygame.Surface:
        """The whole presenter with `overlay` applied, at the pack's resolution (None: the base)."""
        if overlay is None:
            return self.base
        if overlay.replace:
            return overlay.image
        out = self.base.copy()
        image = overlay.image
        if overlay.scale != 1.0:
            w, h = image.get_size()
            image = pygame.transform.smoothscale(
                image, (max(1, round(w * overlay.scale)), max(1, round(h * overlay.scale))))
        if overlay.centre is None:
            out.blit(image, (0, 0))
        else:
            cx, cy = overlay.centre
            out.blit(image, (round(cx - image.get_width() / 2), round(cy - image.get_height() / 2)))
        return out


def _fail(message: str) -> UsageError:
    return UsageError(message)


def _show(path: Path) -> str:
    return str(path)


def load_image(path: Path) -> pygame.Surface:
    """`path` as a 32-bit surface with alpha; UsageError for anything that is not a usable picture."""
    if path.suffix.lower() not in IMAGE_EXTENSIONS:
        raise _fail(f"{_show(path)}: {path.suffix or 'no extension'} is not a picture format this reads; "
                    f"use {_FORMATS}")
    if not path.is_file():
        raise _fail(f"{_show(path)}: no such picture; check the name in the sprite pack")
    try:
        raw = pygame.image.load(str(path))
    except (pygame.error, OSError, ValueError) as exc:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else "unreadable"
        raise _fail(f"{_show(path)}: not a readable picture ({reason}); save it again as PNG") from None
    w, h = raw.get_size()
    if w < 1 or h < 1:
        raise _fail(f"{_show(path)}: the picture is empty (0 pixels); save it again as PNG")
    if max(w, h) > MAX_SIDE_PX:
        raise _fail(f"{_show(path)}: {w}x{h} is too large; scale the pack down to at most "
                    f"{MAX_SIDE_PX} pixels a side (about 1000 is plenty)")
    surf = pygame.Surface((w, h), pygame.SRCALPHA)
    surf.fill((0, 0, 0, 0))
    surf.blit(raw, (0, 0))
    if _max_alpha(surf) == 0:
        raise _fail(f"{_show(path)}: the picture is fully transparent; draw something in it")
    return surf


def _max_alpha(surf: pygame.Surface) -> int:
    alpha = pygame.surfarray.pixels_alpha(surf)
    try:
        return int(alpha.max())
    finally:
        del alpha


def _pictures(folder: Path) -> dict[str, Path]:
    """Picture files in `folder` by lower-case stem; two files for one stem is an error."""
    found: dict[str, Path] = {}
    for path in sorted(folder.iterdir()):
        if not path.is_file() or path.suffix.lower() not in IMAGE_EXTENSIONS:
            continue
        stem = path.stem.lower()
        if stem in found:
            raise _fail(f"{_show(folder)}: two pictures named {path.stem!r} ({found[stem].name}, {path.name}); "
                        "keep one")
        found[stem] = path
    return found


def _read_toml(folder: Path) -> dict[str, Any]:
    path = folder / TOML_NAME
    if not path.exists():
        return {}
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise _fail(f"{_show(path)}: cannot be read ({exc.__class__.__name__}); save it as UTF-8 text") from None
    except tomllib.TOMLDecodeError as exc:
        raise _fail(f"{_show(path)}: not valid TOML ({exc}); fix that line") from None
    unknown = sorted(set(data) - set(TOML_KEYS))
    if unknown:
        raise _fail(f"{_show(path)}: unknown key {unknown[0]!r}; known keys: {', '.join(TOML_KEYS)}")
    return data


def _toml_str(data: dict[str, Any], key: str, path: Path) -> str | None:
    value = data.get(key)
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise _fail(f"{_show(path)}: {key} must be a file name in quotes, e.g. {key} = \"{key}.png\"")
    return value


def _toml_point(data: dict[str, Any], key: str, path: Path) -> tuple[float, float] | None:
    value = data.get(key)
    if value is None:
        return None
    if (not isinstance(value, list) or len(value) != 2
            or not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in value)):
        raise _fail(f"{_show(path)}: {key} must be [x, y] in base pixels, e.g. {key} = [320, 410]")
    return (float(value[0]), float(value[1]))


def _toml_factor(data: dict[str, Any], key: str, path: Path, low: float, high: float) -> float:
    value = data.get(key, 1.0)
    if not isinstance(value, (int, float)) or isinstance(value, bool) or not low <= value <= high:
        raise _fail(f"{_show(path)}: {key} must be a number from {low:g} to {high:g}, got {value!r}")
    return float(value)


def _inside(folder: Path, name: str, toml_path: Path, key: str) -> Path:
    path = (folder / name)
    try:
        path.resolve().relative_to(folder.resolve())
    except ValueError:
        raise _fail(f"{_show(toml_path)}: {key} = {name!r} points outside the sprite pack folder; "
                    "keep the pictures in the folder") from None
    return path


def _mouth_paths(folder: Path, pictures: dict[str, Path], pattern: str | None,
                 toml_path: Path) -> dict[str, Path]:
    """Mouth picture per shape letter, from face.toml's pattern or from the file names."""
    if pattern is not None:
        if "{shape}" not in pattern:
            raise _fail(f"{_show(toml_path)}: mouths must contain {{shape}}, e.g. mouths = \"mouth-{{shape}}.png\"")
        out: dict[str, Path] = {}
        for letter in BASIC_SHAPES + EXTENDED_SHAPES:
            for variant in (letter, letter.lower()):
                path = _inside(folder, pattern.replace("{shape}", variant), toml_path, "mouths")
                if path.is_file():
                    out[letter] = path
                    break
        missing = [s for s in BASIC_SHAPES if s not in out]
        if missing:
            names = ", ".join(pattern.replace("{shape}", s) for s in missing)
            raise _fail(f"{_show(folder)}: missing mouth picture{'s' if len(missing) > 1 else ''} {names} "
                        f"(mouths = {pattern!r} in {TOML_NAME}); Rhubarb's shapes A-F are all needed")
        return out
    groups: dict[str, dict[str, Path]] = {}
    for path in pictures.values():
        m = _MOUTH_STEM.match(path.stem)
        if m:
            groups.setdefault(m["prefix"].lower(), {})[m["shape"].upper()] = path
    complete = {p: g for p, g in groups.items() if all(s in g for s in BASIC_SHAPES)}
    if len(complete) > 1:
        if "" in complete:
            return complete[""]
        names = ", ".join(f"{p}*" for p in sorted(complete))
        raise _fail(f"{_show(folder)}: several sets of mouth pictures ({names}); keep one, or name one in "
                    f"{TOML_NAME} with mouths = \"{sorted(complete)[0]}{{shape}}.png\"")
    if complete:
        return next(iter(complete.values()))
    if not pictures:
        raise _fail(f"{_show(folder)}: no pictures in this folder; a sprite pack needs Rhubarb mouth pictures "
                    f"A.png ... F.png (README: Sprite packs)")
    best = max(groups.values(), key=len) if groups else {}
    if not best:
        listed = ", ".join(p.name for p in list(pictures.values())[:4])
        raise _fail(f"{_show(folder)}: no mouth pictures (found {listed}); name them A.png ... F.png after "
                    f"Rhubarb's mouth shapes, or set mouths = \"...{{shape}}.png\" in {TOML_NAME}")
    missing = [s for s in BASIC_SHAPES if s not in best]
    prefix = next(iter(best.values())).stem[:-1]
    ext = next(iter(best.values())).suffix
    for other in sorted(folder.iterdir()):
        if other.is_file() and other.stem.lower() == f"{prefix}{missing[0]}".lower():
            raise _fail(f"{_show(other)}: {other.suffix or 'no extension'} is not a picture format this reads; "
                        f"save it as {prefix}{missing[0]}.png ({_FORMATS} work)")
    names = ", ".join(f"{prefix}{s}{ext}" for s in missing)
    raise _fail(f"{_show(folder)}: missing mouth picture{'s' if len(missing) > 1 else ''} {names}; "
                f"Rhubarb's shapes A-F are all needed (G, H, X are optional)")


def _pick(pictures: dict[str, Path], names: tuple[str, ...], what: str, folder: Path) -> Path | None:
    hits = [pictures[n] for n in names if n in pictures]
    if len(hits) > 1:
        raise _fail(f"{_show(folder)}: both {hits[0].name} and {hits[1].name} could be the {what}; keep one, "
                    f"or name it in {TOML_NAME}")
    return hits[0] if hits else None


def _placed(path: Path, image: pygame.Surface, base_size: tuple[int, int], centre: tuple[float, float] | None,
            scale: float, key: str, toml_path: Path, base_name: str) -> Overlay:
    """An overlay drawn on the base: whole-frame if it is the base's size, else placed at `centre`."""
    size = image.get_size()
    if size == base_size:
        return Overlay(path, image)
    bw, bh = base_size
    if size[0] > bw or size[1] > bh:
        raise _fail(f"{_show(path)}: {size[0]}x{size[1]} is larger than {base_name} ({bw}x{bh}); "
                    "make it the base's size or smaller")
    if centre is None:
        raise _fail(f"{_show(path)}: {size[0]}x{size[1]} is smaller than {base_name} ({bw}x{bh}); say where it "
                    f"goes with {key} = [x, y] (its centre, in base pixels) in {_show(toml_path)}")
    w, h = size[0] * scale, size[1] * scale
    x0, y0 = centre[0] - w / 2, centre[1] - h / 2
    if x0 < -0.5 or y0 < -0.5 or x0 + w > bw + 0.5 or y0 + h > bh + 0.5:
        raise _fail(f"{_show(path)}: placed at {key} = [{centre[0]:g}, {centre[1]:g}] it reaches outside "
                    f"{base_name} ({bw}x{bh}); move {key} or make the picture smaller")
    return Overlay(path, image, centre, scale)


def load_sprite_pack(folder: Path) -> SpritePack:
    """Check and load the sprite pack in `folder`; UsageError (one line) for anything wrong."""
    folder = Path(folder)
    if not folder.exists():
        raise _fail(f"{_show(folder)}: no such folder; give a sprite pack folder (README: Sprite packs)")
    if not folder.is_dir():
        raise _fail(f"{_show(folder)}: not a folder; a sprite pack is a folder of mouth pictures A.png ... F.png")
    try:
        pictures = _pictures(folder)
        data = _read_toml(folder)
    except PermissionError:
        raise _fail(f"{_show(folder)}: cannot be read (permission denied)") from None
    toml_path = folder / TOML_NAME
    mouth_paths = _mouth_paths(folder, pictures, _toml_str(data, "mouths", toml_path), toml_path)
    base_name = _toml_str(data, "base", toml_path)
    base_path = _inside(folder, base_name, toml_path, "base") if base_name \
        else _pick(pictures, BASE_NAMES, "base picture", folder)
    blink_name = _toml_str(data, "blink", toml_path)
    blink_path = _inside(folder, blink_name, toml_path, "blink") if blink_name \
        else _pick(pictures, BLINK_NAMES, "blink picture", folder)
    half_name = _toml_str(data, "blink_half", toml_path)
    half_path = _inside(folder, half_name, toml_path, "blink_half") if half_name \
        else _pick(pictures, BLINK_HALF_NAMES, "half-blink picture", folder)
    mouth_at = _toml_point(data, "mouth", toml_path)
    blink_at = _toml_point(data, "blink_at", toml_path)
    mouth_scale = _toml_factor(data, "mouth_scale", toml_path, 0.1, 10.0)
    size_factor = _toml_factor(data, "size", toml_path, 0.2, 3.0)

    images = {s: load_image(p) for s, p in mouth_paths.items()}
    first = mouth_paths["A"]
    for s, img in images.items():
        if img.get_size() != images["A"].get_size():
            a, b = images["A"].get_size(), img.get_size()
            raise _fail(f"{_show(folder)}: mouth pictures differ in size ({first.name} is {a[0]}x{a[1]}, "
                        f"{mouth_paths[s].name} is {b[0]}x{b[1]}); make all mouth pictures the same size")
    basic_bytes = {bytes(pygame.image.tobytes(images[s], "RGBA")) for s in BASIC_SHAPES}
    if len(basic_bytes) == 1:
        raise _fail(f"{_show(folder)}: the mouth pictures A-F are all the same; draw each shape's own mouth")

    mouths: dict[str, Overlay] = {}
    if base_path is None:
        # No base: each mouth picture is the whole presenter; the rest shape is the picture at rest.
        rest = "X" if "X" in images else FALLBACKS["X"]
        base = images[rest]
        for s, img in images.items():
            mouths[s] = Overlay(mouth_paths[s], img, replace=True)
        base_label = mouth_paths[rest].name
    else:
        base = load_image(base_path)
        base_label = base_path.name
        for s, img in images.items():
            mouths[s] = _placed(mouth_paths[s], img, base.get_size(), mouth_at, mouth_scale, "mouth", toml_path,
                                base_label)
    blink = _placed(blink_path, load_image(blink_path), base.get_size(), blink_at, 1.0, "blink_at", toml_path,
                    base_label) if blink_path else None
    half = _placed(half_path, load_image(half_path), base.get_size(), blink_at, 1.0, "blink_at", toml_path,
                   base_label) if half_path else None
    if half is not None and blink is None:
        raise _fail(f"{_show(half_path)}: a half-blink picture needs the closed one too; add blink.png")

    resolved: dict[MouthShape, Overlay] = {}
    files: dict[MouthShape, Path] = {}
    shown: dict[MouthShape, MouthShape] = {}
    for shape in MouthShape:
        letter = shape.value if shape.value in mouths else FALLBACKS[shape.value]
        resolved[shape] = mouths[letter]
        files[shape] = mouth_paths[letter]
        shown[shape] = MouthShape(letter)
    return SpritePack(folder, base, resolved, files, shown, blink, half, size_factor)
