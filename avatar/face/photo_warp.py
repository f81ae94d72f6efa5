"""Column-wise piecewise-linear maps: each output column's rows sample the source between anchor rows."""

from __future__ import annotations

import numpy as np


def column_map(ys: np.ndarray, out_anchors: list[np.ndarray], src_anchors: list[np.ndarray]) -> np.ndarray:
    """Source row for every output row `ys` (rows, 1) of each column, from anchors given per column.

    `out_anchors[k]` and `src_anchors[k]` are (cols,) rows; anchors are ascending in both lists and the
    first and last are identity, so outside them nothing moves. Between anchors rows are spaced evenly.
    """
    y = ys[:, 0].astype(np.float64)
    outs = np.stack([np.asarray(a, np.float64) for a in out_anchors])      # (anchors, cols)
    srcs = np.stack([np.asarray(a, np.float64) for a in src_anchors])
    far = 1e5
    outs = np.concatenate([outs[:1] - far, outs, outs[-1:] + far])         # identity beyond the ends
    srcs = np.concatenate([srcs[:1] - far, srcs, srcs[-1:] + far])
    out = np.empty((y.shape[0], outs.shape[1]), np.float32)
    for c in range(outs.shape[1]):          # one small interpolation per column beats full-array masks
        out[:, c] = np.interp(y, outs[:, c], srcs[:, c])
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
