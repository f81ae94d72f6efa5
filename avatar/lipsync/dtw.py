"""Dynamic time warping in linear memory: coarse-to-fine, each level searched only near the coarser path."""

from __future__ import annotations

import numpy as np

# Full DTW is used once both sequences fit this many cells; above that, halve and refine.
_FULL_CELLS = 400 * 400
_ROW_CHUNK = 1024
_DIAG, _VERT, _HORIZ = 0, 1, 2


def dtw_path(a: np.ndarray, b: np.ndarray, *, radius: int = 12, open_ends: bool = False) -> np.ndarray:
    """The cheapest monotone path from (0, 0) to (len(a)-1, len(b)-1) as a (K, 2) array of (i, j).

    Frame distance is Euclidean; steps are diagonal, down and right, all weighted by the cell cost.
    Memory and time grow with (len(a) + len(b)) * radius, never with len(a) * len(b).
    `open_ends`: all of `b` must be matched, but only a stretch of `a`: the path may start at any (i, 0)
    and end at any (i, len(b)-1), so what comes before and after `b` in `a` (music, applause) is skipped.
    Each skipped frame costs what two unrelated frames typically differ by (`_skip_cost`), so skipping
    is chosen for sound unlike anything in `b`, not to dodge speech that `b` simply lacks.
    """
    n, m = len(a), len(b)
    if n == 0 or m == 0:
        raise ValueError("dtw_path needs two non-empty sequences")
    if n * m <= _FULL_CELLS or min(n, m) < 2 * radius:
        lo = np.zeros(n, np.int64)
        hi = np.full(n, m, np.int64)
    else:
        coarse = dtw_path(_halve(a), _halve(b), radius=radius, open_ends=open_ends)
        lo, hi = _band_around(coarse, n, m, radius)
    return _banded_dtw(a, b, lo, hi, _skip_cost(a, b) if open_ends else None)


SKIP_FACTOR = 0.3  # skipping a frame costs this times the median distance between unrelated frames


def _skip_cost(a: np.ndarray, b: np.ndarray, pairs: int = 4000) -> float:
    """The median distance between randomly paired frames of `a` and `b` (fixed seed: deterministic)."""
    rng = np.random.default_rng(0)
    i = rng.integers(0, len(a), pairs)
    j = rng.integers(0, len(b), pairs)
    d = np.asarray(a, np.float64)[i] - np.asarray(b, np.float64)[j]
    return SKIP_FACTOR * float(np.median(np.sqrt(np.einsum("ij,ij->i", d, d))))


def _halve(x: np.ndarray) -> np.ndarray:
    """Average neighbouring frames in pairs (the last frame repeats when the count is odd)."""
    if len(x) % 2:
        x = np.concatenate([x, x[-1:]])
    return x.reshape(len(x) // 2, 2, *x.shape[1:]).mean(axis=1)


def _band_around(coarse: np.ndarray, n: int, m: int, radius: int) -> tuple[np.ndarray, np.ndarray]:
    """Per fine row, the column range [lo, hi) covered by the coarse path, widened by `radius`."""
    ci, cj = coarse[:, 0], coarse[:, 1]
    n_coarse = int(ci[-1]) + 1
    c_lo = np.full(n_coarse, np.iinfo(np.int64).max, np.int64)
    c_hi = np.zeros(n_coarse, np.int64)
    np.minimum.at(c_lo, ci, cj)
    np.maximum.at(c_hi, ci, cj)
    # An open-ended path may start after the first coarse row and end before the last one.
    c_lo[:ci[0]] = 0
    c_hi[:ci[0]] = 0
    m_coarse = int(cj[-1]) + 1
    c_lo = np.minimum(c_lo, m_coarse - 1)
    c_hi[ci[-1] + 1:] = m_coarse - 1
    rows = np.arange(n)
    lo = 2 * c_lo[np.minimum(rows // 2, n_coarse - 1)]
    hi = 2 * c_hi[np.minimum(rows // 2, n_coarse - 1)] + 2
    # Both bounds rise with the row, so the window minimum/maximum is just the end value.
    lo = lo[np.maximum(rows - radius, 0)] - radius
    hi = hi[np.minimum(rows + radius, n - 1)] + radius
    lo = np.clip(lo, 0, m - 1)
    hi = np.clip(hi, 1, m)
    lo[0] = 0
    hi[-1] = m
    return lo, hi


def _row_costs(a: np.ndarray, b: np.ndarray, lo: np.ndarray, hi: np.ndarray, r0: int, r1: int) -> np.ndarray:
    """Euclidean distances of every band cell in rows r0..r1-1, flattened row after row."""
    widths = hi[r0:r1] - lo[r0:r1]
    rows = np.repeat(np.arange(r0, r1), widths)
    starts = np.cumsum(widths) - widths
    cols = np.arange(int(widths.sum())) - np.repeat(starts, widths) + np.repeat(lo[r0:r1], widths)
    d = a[rows] - b[cols]
    return np.sqrt(np.einsum("ij,ij->i", d, d, dtype=np.float64))


def _banded_dtw(a: np.ndarray, b: np.ndarray, lo: np.ndarray, hi: np.ndarray,
                skip_cost: float | None = None) -> np.ndarray:
    """`skip_cost` None: the path runs corner to corner; else it may skip rows of `a` before its start
    and after its end at that cost per row."""
    open_ends = skip_cost is not None
    n, m = len(a), len(b)
    a = np.ascontiguousarray(a, np.float32)
    b = np.ascontiguousarray(b, np.float32)
    offs = np.concatenate([[0], np.cumsum(hi - lo)])
    acc = np.empty(int(offs[-1]), np.float64)
    lo_l, hi_l, offs_l = lo.tolist(), hi.tolist(), offs.tolist()
    # col[j + 1] holds the previous row's cost at column j (inf outside its band); col[0] stays inf.
    col = np.full(m + 1, np.inf)
    minimum, running_min, cumsum = np.minimum, np.minimum.accumulate, np.cumsum
    costs = np.zeros(0)
    c_base = 0
    p_lo = 0
    for i in range(n):
        if i % _ROW_CHUNK == 0:
            costs = _row_costs(a, b, lo, hi, i, min(n, i + _ROW_CHUNK))
            c_base = offs_l[i]
        l, h = lo_l[i], hi_l[i]
        c = costs[offs_l[i] - c_base:offs_l[i + 1] - c_base]
        run = cumsum(c)
        if i == 0:
            row = run
        else:
            if open_ends:
                # A frame of `a` matched to nothing new in `b` (a down step) costs at most the skip cost:
                # speech or noise that `b` lacks is passed over cheaply, wherever it comes.
                stay = minimum(c + col[l:h], minimum(c, skip_cost) + col[l + 1:h + 1])
            else:
                stay = c + minimum(col[l:h], col[l + 1:h + 1])
            if open_ends and l == 0:
                stay[0] = min(stay[0], c[0] + i * skip_cost)  # the path may start on this row
            # Moving right along the row: best of entering at k then walking to j (prefix sums).
            row = run + running_min(stay - run)
            col[p_lo + 1:l + 1] = np.inf  # columns left of this row's band are out of reach now
        col[l + 1:h + 1] = row
        acc[offs_l[i]:offs_l[i + 1]] = row
        p_lo = l
    end_i = n - 1
    if open_ends:
        # The cheapest row on which the whole of b has been matched.
        ends = [i for i in range(n) if hi_l[i] == m]
        end_i = min(ends, key=lambda i: acc[offs_l[i] + m - 1 - lo_l[i]] + (n - 1 - i) * skip_cost)
    codes = _step_codes(acc, lo, hi, offs, a, b, skip_cost)
    path = _backtrack(codes, lo_l, offs_l, end_i, m - 1, open_ends)
    if open_ends:
        # Rows passed over after the last frame of `b` are skipped, not matched to it.
        last = int(np.searchsorted(path[:, 1], m - 1))
        path = path[:last + 1]
    return path


def _step_codes(acc: np.ndarray, lo: np.ndarray, hi: np.ndarray, offs: np.ndarray, a: np.ndarray, b: np.ndarray,
                skip_cost: float | None = None) -> np.ndarray:
    """For every band cell, the cheapest predecessor (diagonal preferred on ties), in row chunks."""
    codes = np.empty(len(acc), np.int8)
    n = len(lo)
    for r0 in range(0, n, _ROW_CHUNK):
        r1 = min(n, r0 + _ROW_CHUNK)
        widths = hi[r0:r1] - lo[r0:r1]
        rows = np.repeat(np.arange(r0, r1), widths)
        k = np.arange(offs[r0], offs[r1])
        cols = k - offs[rows] + lo[rows]
        up = np.maximum(rows - 1, 0)
        up_lo, up_hi = lo[up], hi[up]
        has_up = rows > 0
        v_ok = has_up & (cols >= up_lo) & (cols < up_hi)
        d_ok = has_up & (cols - 1 >= up_lo) & (cols - 1 < up_hi)
        h_ok = cols > lo[rows]
        inf = np.inf
        v = np.where(v_ok, acc[np.clip(offs[up] + cols - up_lo, 0, len(acc) - 1)], inf)
        d = np.where(d_ok, acc[np.clip(offs[up] + cols - 1 - up_lo, 0, len(acc) - 1)], inf)
        hz = np.where(h_ok, acc[np.maximum(k - 1, 0)], inf)
        if skip_cost is not None:
            # A down step costs min(cell, skip) instead of the cell: compare what each step adds up to.
            cell = _row_costs(a, b, lo, hi, r0, r1)
            v = v + np.minimum(cell, skip_cost) - cell
        code = np.where(v < d, _VERT, _DIAG).astype(np.int8)
        code[hz < np.minimum(v, d)] = _HORIZ
        codes[offs[r0]:offs[r1]] = code
    return codes


def _backtrack(steps: np.ndarray, lo: list[int], offs: list[int], i: int, j: int,
               open_start: bool = False) -> np.ndarray:
    path = [(i, j)]
    while (i > 0 or j > 0) and not (open_start and j == 0):
        code = steps[offs[i] + j - lo[i]]
        if code == _DIAG:
            i -= 1
            j -= 1
        elif code == _VERT:
            i -= 1
        else:
            j -= 1
        path.append((i, j))
    return np.array(path[::-1], np.int64)
