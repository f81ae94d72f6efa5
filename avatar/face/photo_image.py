"""Reading a portrait photo: any common format, EXIF orientation honoured, alpha flattened, huge ones shrunk."""

from __future__ import annotations

import hashlib
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from avatar.errors import UsageError

MAX_SIDE_PX = 2400                 # longer side kept for the rig; more only costs time
MAX_PIXELS = 400_000_000           # refuse decoding bombs beyond this (a 20000x20000 photo)
FORMATS = {"JPEG": "JPEG", "PNG": "PNG", "WEBP": "WebP", "BMP": "BMP", "TIFF": "TIFF", "MPO": "JPEG"}
WORKING = "JPEG, PNG, WebP, BMP or TIFF"


@dataclass(frozen=True)
class Photo:
    """A photo as 8-bit RGB pixels (rows, columns, 3), with what was done to it on the way in."""

    rgb: np.ndarray
    original_size: tuple[int, int]      # width, height as stored (after EXIF rotation)
    scale: float                        # rgb pixels per original pixel (1.0 or less)
    sha256: str
    notes: tuple[str, ...] = ()


def content_hash(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def load_photo(path: Path) -> Photo:
    """The photo at `path`; UsageError (one line) for a file that is not a usable image."""
    from PIL import Image, ImageOps, UnidentifiedImageError

    path = Path(path)
    if not path.is_file():
        raise UsageError(f"photo not found: {path}")
    digest = content_hash(path)
    Image.MAX_IMAGE_PIXELS = MAX_PIXELS
    notes: list[str] = []
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            img = Image.open(path)
            fmt = img.format or "?"
            if fmt not in FORMATS:
                raise UsageError(f"{path.name} is a {fmt} image, which the photo presenter does not read; "
                                 f"use {WORKING}")
            img.draft("RGB", (MAX_SIDE_PX, MAX_SIDE_PX))   # JPEG: decode huge photos at a reduced size
            img = ImageOps.exif_transpose(img)
            img.load()
    except UsageError:
        raise
    except Image.DecompressionBombError:
        raise UsageError(f"{path.name} is too large to open safely (over {MAX_PIXELS // 1_000_000} "
                         "megapixels); scale it down first") from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise UsageError(f"{path.name} is not an image the photo presenter can read ({_short(exc)}); "
                         f"use a {WORKING} photo") from None
    original = _stored_size(path, img)
    img = _to_rgb(img, notes)
    w, h = img.size
    if max(w, h) > MAX_SIDE_PX:
        f = MAX_SIDE_PX / max(w, h)
        img = img.resize((max(1, round(w * f)), max(1, round(h * f))), Image.LANCZOS)
        notes.append(f"downscaled from {original[0]}x{original[1]} to {img.size[0]}x{img.size[1]}")
    rgb = np.ascontiguousarray(np.asarray(img, dtype=np.uint8))
    return Photo(rgb, original, img.size[0] / original[0], digest, tuple(notes))


def _short(exc: Exception) -> str:
    return (str(exc).splitlines() or [type(exc).__name__])[0][:80]


def _stored_size(path: Path, img) -> tuple[int, int]:
    """The full-resolution size after rotation (`draft` may have decoded a smaller JPEG)."""
    from PIL import Image

    try:
        with Image.open(path) as raw:
            w, h = raw.size
            orientation = raw.getexif().get(0x0112, 1)
    except Exception:   # noqa: BLE001 - only for the report; fall back to what was decoded
        return img.size
    return (h, w) if orientation in (5, 6, 7, 8) else (w, h)


def _to_rgb(img, notes: list[str]):
    """Greyscale, palette, CMYK, 16-bit and alpha images as plain RGB (alpha over a neutral grey)."""
    from PIL import Image

    mode = img.mode
    if mode in ("I;16", "I;16B", "I;16L", "I"):
        arr = np.asarray(img, dtype=np.float64)
        top = max(1.0, float(arr.max()))
        img = Image.fromarray(np.clip(arr * (255.0 / top), 0, 255).astype(np.uint8), "L")
        mode = "L"
    if mode == "P":
        img = img.convert("RGBA")
        mode = "RGBA"
    if mode in ("RGBA", "LA", "PA", "RGBa", "La"):
        rgba = np.asarray(img.convert("RGBA"), dtype=np.float32)
        alpha = rgba[..., 3:4] / 255.0
        if float(alpha.min()) < 0.999:
            notes.append("transparent background filled with grey")
        grey = np.array([128.0, 132.0, 138.0], np.float32)
        rgb = rgba[..., :3] * alpha + grey * (1.0 - alpha)
        return Image.fromarray(np.clip(rgb + 0.5, 0, 255).astype(np.uint8), "RGB")
    if mode != "RGB":
        if mode in ("L", "1"):
            notes.append("greyscale photo")
        img = img.convert("RGB")
    return img
