"""Frames for the encoder: a 32-bit picture to BT.709 limited-range I420 (yuv420p), one changed area at a time.

ffmpeg spends about as long turning full RGB frames into yuv420p as x264 spends encoding them at
1080p, and the RGB frames are 2.7 times the bytes through the pipe. Most of a presenter's frame
does not change from one frame to the next, so the recorder keeps one I420 frame per buffer and
converts only the areas drawn since (`I420Frame.update`).

Integer arithmetic, so a pixel converts to the same bytes whichever area it is converted with:
luma per pixel, chroma per 2x2 block from the block's sum (areas are widened to even edges).
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import Callable, Iterable, Sequence

import numpy as np

# BT.709: Y' = Kr R' + Kg G' + Kb B'; limited ("tv") range puts Y' in 16..235 and Cb, Cr in 16..240.
_KR, _KB = 0.2126, 0.0722
_KG = 1.0 - _KR - _KB
_Y_SCALE, _C_SCALE = 219 / 255, 224 / 255
# Luma weights in 1/256 (47, 157, 16: uint16 arithmetic, 255 * 220 + 128 < 65536; white is 235).
_Y_R, _Y_G, _Y_B = (round(k * _Y_SCALE * 256) for k in (_KR, _KG, _KB))
# Chroma weights in 1/1024 of a 2x2 block's sum (= 1/256 of its mean).
_CB = tuple(round(c * _C_SCALE * 256) for c in (-0.5 * _KR / (1 - _KB), -0.5 * _KG / (1 - _KB), 0.5))
_CR = tuple(round(c * _C_SCALE * 256) for c in (0.5, -0.5 * _KG / (1 - _KR), -0.5 * _KB / (1 - _KR)))
_C_ROUND = 128 * 1024 + 512

# Byte positions of R, G, B in a 32-bit pixel with masks R=0xFF0000, G=0xFF00, B=0xFF (the recorder's
# surfaces, what ffmpeg calls bgr0 on little-endian machines and 0rgb on big-endian ones).
_R, _G, _B = (2, 1, 0) if sys.byteorder == "little" else (1, 2, 3)

Rect = tuple[int, int, int, int]      # x, y, w, h in pixels (a pygame.Rect works too)


@dataclass(frozen=True)
class FrameUpdate:
    """What drawing a recorder's frame changed: first `copied`, areas where the picture now holds what
    the frame drawn just before it holds (their yuv420p is copied from that frame), then `areas` to
    convert (None: all of it), then `direct`, which writes pixels straight into the frame over them (a
    face composed in yuv420p)."""

    areas: Sequence[Rect] | None
    direct: "Callable[[I420Frame], None] | None" = None
    copied: Sequence[Rect] = ()


def apply_update(frame: I420Frame, surface: "pygame.Surface", update: FrameUpdate,  # noqa: F821 - duck-typed
                 previous: I420Frame | None, *, whole: bool = False) -> None:
    """Bring `frame` in step with `surface` (32-bit, the layout above) after a draw that reported
    `update`: copy its `copied` areas from `previous` (the frame drawn just before; None: convert them
    instead), convert its `areas` (or the whole picture when `whole`: a buffer's first frame), then let
    `direct` write (with the surface unlocked again: it may draw on it)."""
    pixels = surface_pixels(surface)
    if whole or update.areas is None:
        frame.update(pixels)
    elif previous is None:
        frame.update(pixels, [*update.copied, *update.areas])
    else:
        # Areas copied only to be converted over again are not copied (on the 1080p sample, 46% of the
        # pixels a catch-up copies: a talking mouth changes in both frames; a fade redraws all of it).
        converted = boxes_to_convert(update.areas, frame.size)
        frame.copy_from(previous, [a for a in update.copied if not _within(a, converted, frame.size)])
        frame.convert_boxes(pixels, converted)
    del pixels                      # the view locks the surface
    if update.direct is not None:
        update.direct(frame)


def _within(area: Rect, boxes: Sequence[tuple[int, int, int, int]], size: tuple[int, int]) -> bool:
    """Whether `area`, widened to even edges, lies inside one of `boxes` (x0, y0, x1, y1)."""
    x, y, w, h = (int(v) for v in area)
    x0, y0, x1, y1 = even_box(x, y, x + w, y + h, size)
    return any(b[0] <= x0 and b[1] <= y0 and x1 <= b[2] and y1 <= b[3] for b in boxes)


def i420_bytes(size: tuple[int, int]) -> int:
    """Bytes of one yuv420p frame of `size` (even sides)."""
    w, h = size
    return w * h + 2 * (w // 2) * (h // 2)


class I420Frame:
    """One yuv420p frame (Y plane, then U, then V) kept in step with a picture, area by area."""

    def __init__(self, size: tuple[int, int], data: np.ndarray | None = None) -> None:
        """`data`: the uint8 array of `i420_bytes(size)` to keep the frame in (e.g. memory made for
        lending to a pipe, avatar.pipe_write.page_buffer); a new zeroed one if None."""
        w, h = size
        if w % 2 or h % 2:
            raise ValueError(f"I420 needs even sides, got {w}x{h}")
        self.size = (w, h)
        if data is None:
            data = np.zeros(i420_bytes(size), np.uint8)
        elif data.dtype != np.uint8 or data.shape != (i420_bytes(size),):
            raise ValueError(f"a {w}x{h} frame needs {i420_bytes(size)} bytes, got {data.dtype} {data.shape}")
        self.data = data                                    # what the encoder reads
        self.y = self.data[:w * h].reshape(h, w)
        quarter = (w // 2) * (h // 2)
        self.u = self.data[w * h:w * h + quarter].reshape(h // 2, w // 2)
        self.v = self.data[w * h + quarter:].reshape(h // 2, w // 2)

    def update(self, pixels: np.ndarray, areas: Iterable[Rect] | None = None) -> None:
        """Convert `areas` of `pixels` (an (h, w, 4) uint8 array in the 32-bit layout above) into the
        frame; None converts the whole picture. Areas are widened to even edges and clipped."""
        self.convert_boxes(pixels, boxes_to_convert(areas, self.size))

    def convert_boxes(self, pixels: np.ndarray, boxes: Iterable[tuple[int, int, int, int]]) -> None:
        """`update` for boxes already widened to even edges and merged (`boxes_to_convert`)."""
        if pixels.shape[:2] != (self.size[1], self.size[0]):
            raise ValueError(f"picture is {pixels.shape[1]}x{pixels.shape[0]}, frame is {self.size}")
        for x0, y0, x1, y1 in boxes:
            self._convert(pixels[y0:y1, x0:x1], x0, y0)

    def copy_from(self, other: I420Frame, areas: Iterable[Rect]) -> None:
        """Copy `areas` (widened to even edges) from `other`, a frame of the same size: where two
        pictures hold the same pixels, their frames hold the same bytes."""
        if other.size != self.size:
            raise ValueError(f"cannot copy from a {other.size} frame into a {self.size} one")
        for box in boxes_to_convert(areas, self.size):
            for dst, src in zip(self.planes(box), other.planes(box)):
                dst[...] = src

    def planes(self, box: tuple[int, int, int, int]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The Y, U and V views of the frame over `box` (x0, y0, x1, y1, even edges)."""
        return plane_views(self.y, self.u, self.v, box)

    def paint(self, pixels: np.ndarray, box: tuple[int, int, int, int]) -> None:
        """The reverse of `update` for one box (x0, y0, x1, y1, even edges): put the frame's colours
        there into `pixels` (the 32-bit layout), so something can be drawn over them and converted back.
        A round trip moves luma by a level or two and gives each 2x2 block its own chroma."""
        x0, y0, x1, y1 = box
        y, u, v = self.planes(box)
        luma = (y.astype(np.float32) - 16.0) * (255 / 219)
        cb, cr = ((plane.astype(np.float32) - 128.0) * (255 / 224) for plane in (u, v))
        cb, cr = (np.repeat(np.repeat(c, 2, axis=0), 2, axis=1) for c in (cb, cr))
        kr, kb = 2 * (1 - _KR), 2 * (1 - _KB)
        out = pixels[y0:y1, x0:x1]
        for channel, value in ((_R, luma + kr * cr), (_B, luma + kb * cb),
                               (_G, luma - (_KR * kr * cr + _KB * kb * cb) / _KG)):
            out[..., channel] = np.clip(np.rint(value), 0, 255)

    def _convert(self, part: np.ndarray, x0: int, y0: int) -> None:
        h, w = part.shape[:2]
        rgb_to_i420(part[..., _R], part[..., _G], part[..., _B], *self.planes((x0, y0, x0 + w, y0 + h)))


def plane_views(y: np.ndarray, u: np.ndarray, v: np.ndarray,
                box: tuple[int, int, int, int]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Views of the planes `y` (full size), `u` and `v` (half size) over `box` (x0, y0, x1, y1, even edges)."""
    x0, y0, x1, y1 = box
    return y[y0:y1, x0:x1], u[y0 // 2:y1 // 2, x0 // 2:x1 // 2], v[y0 // 2:y1 // 2, x0 // 2:x1 // 2]


def even_box(x0: int, y0: int, x1: int, y1: int, size: tuple[int, int] | None = None) -> tuple[int, int, int, int]:
    """The box (x0, y0, x1, y1) widened to even edges, whole 2x2 chroma blocks, and kept inside an
    area of `size` (even sides) if given."""
    x0, y0, x1, y1 = x0 & ~1, y0 & ~1, x1 + x1 % 2, y1 + y1 % 2
    if size is None:
        return x0, y0, x1, y1
    return max(0, x0), max(0, y0), min(size[0], x1), min(size[1], y1)


def rgb_to_i420(r: np.ndarray, g: np.ndarray, b: np.ndarray, y: np.ndarray, u: np.ndarray, v: np.ndarray) -> None:
    """Convert the (h, w) uint8 channels `r`, `g`, `b` (even sides) into the views `y` (h, w) and `u`, `v`
    (h / 2, w / 2): the same bytes for the same pixels, whatever holds them."""
    luma = r.astype(np.uint16)
    luma *= _Y_R
    luma += np.multiply(g, _Y_G, dtype=np.uint16)
    luma += np.multiply(b, _Y_B, dtype=np.uint16)
    luma += 128
    luma >>= 8
    luma += 16
    y[...] = luma
    sums = []
    for ch in (r, g, b):                 # each 2x2 block's sum, 0..1020
        s = ch[0::2, 0::2].astype(np.uint16)
        s += ch[1::2, 0::2]
        s += ch[0::2, 1::2]
        s += ch[1::2, 1::2]
        sums.append(s)
    for plane, (kr, kg, kb) in ((u, _CB), (v, _CR)):
        c = np.multiply(sums[0], kr, dtype=np.int32)
        c += np.multiply(sums[1], kg, dtype=np.int32)
        c += np.multiply(sums[2], kb, dtype=np.int32)
        c += _C_ROUND
        c >>= 10
        plane[...] = c


def boxes_to_convert(areas: Iterable[Rect] | None, size: tuple[int, int]) -> list[tuple[int, int, int, int]]:
    """What `I420Frame.update` converts for `areas` (None: the whole frame): (x0, y0, x1, y1) boxes
    with even edges inside the frame, overlapping ones merged where one box costs less than two."""
    w, h = size
    if areas is None:
        return [(0, 0, w, h)]
    boxes = []
    for a in areas:
        x, y, bw, bh = (int(v) for v in a)
        x0, y0, x1, y1 = even_box(x, y, x + bw, y + bh, size)
        if x1 > x0 and y1 > y0:
            boxes.append((x0, y0, x1, y1))
    return merge_boxes(boxes)


def merge_boxes(boxes: Sequence[tuple[int, int, int, int]]) -> list[tuple[int, int, int, int]]:
    """Replace two boxes by their bounding box while that covers no more pixels than the two did."""
    out = list(boxes)
    merged = True
    while merged:
        merged = False
        for i in range(len(out)):
            for j in range(i + 1, len(out)):
                a, b = out[i], out[j]
                bound = (min(a[0], b[0]), min(a[1], b[1]), max(a[2], b[2]), max(a[3], b[3]))
                if _area(bound) <= _area(a) + _area(b):
                    out[i] = bound
                    del out[j]
                    merged = True
                    break
            if merged:
                break
    return out


def _area(box: tuple[int, int, int, int]) -> int:
    return (box[2] - box[0]) * (box[3] - box[1])


def surface_pixels(surface: "pygame.Surface") -> np.ndarray:  # noqa: F821 - pygame is imported by the caller
    """A 32-bit surface's pixels as an (h, w, 4) uint8 view. The view locks the surface: drop it before
    drawing on the surface again."""
    if surface.get_bytesize() != 4:
        raise ValueError("I420 conversion needs a 32-bit surface")
    w, h = surface.get_size()
    flat = np.frombuffer(surface.get_buffer(), np.uint8)
    return flat.reshape(h, surface.get_pitch())[:, :w * 4].reshape(h, w, 4)
