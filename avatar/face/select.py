"""Which face draws the presenter: the drawn one, a portrait photo, or a folder of mouth sprites."""

from __future__ import annotations

import importlib.util
import logging
from pathlib import Path

from avatar.errors import UsageError
from avatar.face.base import Face
from avatar.face.look import Look

PHOTO_SUFFIXES = (".jpg", ".jpeg", ".png", ".webp", ".bmp", ".tif", ".tiff")
log = logging.getLogger("avatar")
INSTALL_HINT = "the photo presenter needs its extra: pip install 'avatar[photo]'"


def resolve_face_path(spec: str | None, base_dir: Path | str | None = None) -> Path | None:
    """`spec` as a path (relative ones against `base_dir`), or None for the drawn presenter.

    UsageError when the path does not exist."""
    if spec is None or not str(spec).strip():
        return None
    path = Path(str(spec).strip()).expanduser()
    if not path.is_absolute() and base_dir is not None:
        path = Path(base_dir) / path
    if not path.exists():
        raise UsageError(f"face '{spec}' not found; give a portrait photo (JPEG/PNG) or a folder of "
                         "mouth images (paths in a script are relative to the script)")
    return path


def make_face(spec: str | Path | None, look: Look, base_dir: Path | None = None) -> Face:
    """The face for `spec`: None -> the drawn presenter, an image file -> a photo, a folder -> sprites."""
    path = resolve_face_path(None if spec is None else str(spec), base_dir)
    if path is None:
        from avatar.face.procedural import ProceduralFace

        return ProceduralFace(look)
    if path.is_dir():
        from avatar.face.sprites import SpriteFace

        return SpriteFace(path, look)
    return load_photo_face(path, look)


def load_photo_face(path: Path, look: Look) -> Face:
    """A PhotoFace for the portrait at `path` (its rig built or read from the cache)."""
    require_photo_extra()
    from avatar.face.photo import PhotoFace

    return PhotoFace(path, look)


def require_photo_extra() -> None:
    """UsageError with the install hint when the photo presenter's packages are missing.

    MediaPipe is looked for, not imported (importing it takes most of a second, matplotlib included):
    a portrait whose rig is cached never needs it."""
    try:
        import cv2  # noqa: F401
        import PIL  # noqa: F401
    except ImportError:
        raise UsageError(INSTALL_HINT) from None
    if importlib.util.find_spec("mediapipe") is None:
        raise UsageError(INSTALL_HINT)
    from avatar.face.photo_detect import model_path

    model_path()   # the model ships in a package of the extra; a missing one says how to install it


def check_face(spec: str | None, base_dir: Path | str | None = None) -> str | None:
    """Check a face spec before any slow work (a bad photo fails now); returns the absolute path or None."""
    path = resolve_face_path(spec, base_dir)
    if path is None:
        return None
    if path.is_dir():
        from avatar.face.look import get_look
        from avatar.face.sprites import SpriteFace

        SpriteFace(path, get_look("official"))   # a folder with nothing usable fails now
    else:
        require_photo_extra()
        from avatar.face.photo_rig import load_rig

        rig = load_rig(path)   # builds and caches the rig; raises a one-line UsageError for a bad photo
        for note in rig.notes:
            if "faces found" in note:
                log.warning("%s: %s", path.name, note)
    return str(path.resolve())


def look_chosen(args) -> bool:
    """True when --look was given on the command line (not only as the config file's default)."""
    look = getattr(args, "look", None)
    config = getattr(args, "app_config", None)
    default = config.get("look", "name") if config is not None else None
    return bool(look) and look != default


def with_face(look: Look, cli_face: str | Path | None, script_face: str = "",
              script_dir: Path | str | None = None, *, drawn: bool = False) -> Look:
    """The look with its face: --face (or the config's face) wins over the script's `face` (relative to
    the script); `drawn` (--look given) keeps the drawn presenter instead of the script's face.
    A bad photo fails here, before any speech is synthesised."""
    from dataclasses import replace

    if cli_face:
        return replace(look, face=check_face(str(cli_face)))
    if script_face and not drawn:
        return replace(look, face=check_face(script_face, script_dir))
    return look
