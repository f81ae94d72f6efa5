"""A photo's "rig": the portrait crop and its face landmarks, built once and cached by the photo's content."""

from __future__ import annotations

import json
import logging
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

log = logging.getLogger("avatar")

RIG_VERSION = 1
ASPECT = 0.8                 # portrait panel width / height
CROP_FACES = 2.35            # crop height in face heights (head and shoulders)
MIN_CROP_FACES = 1.55        # tighter than this, the photo is extended at its edges
EYE_AT = 0.42                # the face's middle sits this far down the crop
MAX_CROP_H = 1440            # crop pixels kept (a 1080p frame never needs more)


@dataclass(frozen=True)
class Rig:
    """The portrait crop (rows, cols, 3) and its landmarks (478, 2) in crop pixels."""

    image: np.ndarray
    points: np.ndarray
    face_height_px: float        # in the original photo
    faces_found: int
    photo_size: tuple[int, int]
    notes: tuple[str, ...]

    @property
    def face_height_crop(self) -> float:
        return float(np.hypot(*(self.points[152] - self.points[10])))


def rig_cache_dir() -> Path:
    """$AVATAR_CACHE_DIR/faces, else `faces` beside the speech cache in the user cache folder."""
    from avatar.tts.cache import cache_folder

    return cache_folder("faces")


def load_rig(path: Path, cache_dir: Path | None = None) -> Rig:
    """The rig for the photo at `path`, from the cache when its content was seen before."""
    from avatar.face.photo_image import content_hash

    path = Path(path)
    if not path.is_file():
        from avatar.errors import UsageError

        raise UsageError(f"photo not found: {path}")
    folder = cache_dir or rig_cache_dir()
    key = f"{content_hash(path)[:32]}-v{RIG_VERSION}"
    cached = _read(folder / f"{key}.npz")
    if cached is not None:
        return cached
    rig = build_rig(path)
    _write(folder / f"{key}.npz", rig)
    return rig


def build_rig(path: Path) -> Rig:
    """Read the photo, find the face, cut the portrait (no cache)."""
    from avatar.face.photo_detect import detect_face
    from avatar.face.photo_image import load_photo

    photo = load_photo(path)
    fit = detect_face(photo.rgb, Path(path).name)
    image, points = portrait_crop(photo.rgb, fit.points)
    return Rig(image, points, fit.face_height_px / photo.scale, fit.faces_found, photo.original_size,
               photo.notes + fit.notes)


def portrait_crop(rgb: np.ndarray, points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Head and shoulders at ASPECT, the face a little above the middle; edges extended if the photo is tight."""
    import cv2

    ih, iw = rgb.shape[:2]
    fh = float(np.hypot(*(points[152] - points[10])))
    cx = float(points[[234, 454], 0].mean())
    cy = float(points[[10, 152], 1].mean())
    h = CROP_FACES * fh
    h = min(h, ih, iw / ASPECT)
    h = max(h, MIN_CROP_FACES * fh)
    w = ASPECT * h
    top = min(max(cy - EYE_AT * h, 0.0), max(0.0, ih - h))
    left = min(max(cx - w / 2, 0.0), max(0.0, iw - w))
    if h > ih:
        top = cy - EYE_AT * h
    if w > iw:
        left = cx - w / 2
    out_h = int(min(MAX_CROP_H, round(h)))
    s = out_h / h
    out_w = int(round(w * s))
    m = np.array([[s, 0, -left * s], [0, s, -top * s]], np.float64)
    crop = cv2.warpAffine(rgb, m, (out_w, out_h), flags=cv2.INTER_AREA if s < 1 else cv2.INTER_CUBIC,
                          borderMode=cv2.BORDER_REPLICATE)
    if top < 0 or left < 0 or top + h > ih or left + w > iw:
        crop = _soften_outside(crop, m, iw, ih)
    return crop, points * s + np.array([-left * s, -top * s])


def _soften_outside(crop: np.ndarray, m: np.ndarray, iw: int, ih: int) -> np.ndarray:
    """Blur the replicated border where the crop reaches past the photo, so the streaks read as background."""
    import cv2

    inside = np.zeros(crop.shape[:2], np.uint8)
    corners = np.array([[0, 0], [iw, 0], [iw, ih], [0, ih]], np.float64) @ m[:, :2].T + m[:, 2]
    cv2.fillConvexPoly(inside, np.round(corners).astype(np.int32), 255)
    mask = cv2.GaussianBlur(inside, (0, 0), 6).astype(np.float32)[..., None] / 255.0
    blurred = cv2.GaussianBlur(crop, (0, 0), max(4.0, crop.shape[0] / 60))
    return (crop * mask + blurred * (1.0 - mask)).astype(np.uint8)


def _read(path: Path) -> Rig | None:
    try:
        with np.load(path, allow_pickle=False) as data:
            meta = json.loads(str(data["meta"]))
            return Rig(np.ascontiguousarray(data["image"]), data["points"].astype(np.float64),
                       float(meta["face_height_px"]), int(meta["faces_found"]), tuple(meta["photo_size"]),
                       tuple(meta["notes"]))
    except FileNotFoundError:
        return None
    except Exception as exc:  # noqa: BLE001 - a damaged cache entry is a miss
        log.debug("face rig cache entry %s unreadable (%s); rebuilding", path, exc)
        return None


def _write(path: Path, rig: Rig) -> None:
    meta = json.dumps({"face_height_px": rig.face_height_px, "faces_found": rig.faces_found,
                       "photo_size": list(rig.photo_size), "notes": list(rig.notes)})
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".part.npz")
        with os.fdopen(fd, "wb") as fh:
            np.savez(fh, image=rig.image, points=rig.points, meta=np.array(meta))
        os.replace(tmp, path)
    except OSError as exc:   # a read-only cache only costs the rebuild next time
        log.debug("could not cache the face rig in %s (%s)", path.parent, exc)
