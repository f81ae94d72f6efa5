"""Column-wise piecewise-linear maps: each output column's rows sample the source between anchor rows."""

from __future__ import annotations

import numpy as np


def column_map(ys: np.ndarray, out_anchors: list[np.ndarray], src_anchors: list[np.ndarray]) -> np.ndarray:
    """Source row for every output row `ys` (rows, 1) of each column, from anchors given per column.

    `out_anchors[k]` and `src_anchors[k]` are (cols,) rows; anchors are ascending in both lists and the
    first and last are identity, so outside them nothing moves. Between anchors rows are spaced evenly.
    """
    rows = ys.shape[0]
    cols = out_anchors[0].shape[0]
    out = np.broadcast_to(ys, (rows, cols)).astype(np.float32).copy()
    for k in range(len(out_anchors) - 1):
        a0, a1 = out_anchors[k][None, :], out_anchors[k + 1][None, :]
        b0, b1 = src_anchors[k][None, :], src_anchors[k + 1][None, :]
        span = np.maximum(a1 - a0, 1e-3)
        inside = (ys >= a0) & (ys < a1)
        t = (ys - a0) / span
        out = np.where(inside, b0 + t * (b1 - b0), out)
    return out


def curve(points: np.ndarray, xs: np.ndarray) -> np.ndarray:
    """y of the polyline through `points` (n, 2) at `xs`, held flat beyond its ends."""
    order = np.argsort(points[:, 0])
    px, py = points[order, 0], points[order, 1]
    px = px + np.arange(len(px)) * 1e-6     # strictly increasing for np.interp
    return np.interp(xs, px, py)


def smoothstep(x: np.ndarray) -> np.ndarray:
    x = np.clip(x, 0.0, 1.0)
    return x * x * (3.0 - 2.0 * x)
