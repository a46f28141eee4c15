"""A sparse integer linear program, built once and solved two ways.

The aggregate scheduling model is written as `lo ≤ A·v ≤ hi`, `lb ≤ v ≤ ub`, minimize `c·v`, with
integer variables. HiGHS (through scipy) solves its LP relaxation: a true lower bound of the
integer program, in seconds. Building by blocks of numpy arrays keeps construction vectorized.
"""

from __future__ import annotations

import time
import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import scipy.sparse as sp
from scipy.optimize import OptimizeWarning, linprog


@dataclass
class SparseModel:
    """Variables and rows of an integer program; `c` is the objective to minimize (integers)."""

    lb: list[np.ndarray] = field(default_factory=list)
    ub: list[np.ndarray] = field(default_factory=list)
    cost: list[np.ndarray] = field(default_factory=list)
    rows: list[np.ndarray] = field(default_factory=list)
    cols: list[np.ndarray] = field(default_factory=list)
    vals: list[np.ndarray] = field(default_factory=list)
    row_lo: list[np.ndarray] = field(default_factory=list)
    row_hi: list[np.ndarray] = field(default_factory=list)
    n_vars: int = 0
    n_rows: int = 0

    def add_vars(self, n: int, lb: np.ndarray | int, ub: np.ndarray | int, cost: np.ndarray | int = 0) -> np.ndarray:
        """Add `n` integer variables; return their indices."""
        idx = np.arange(self.n_vars, self.n_vars + n)
        self.lb.append(np.broadcast_to(np.asarray(lb, dtype=np.int64), (n,)).copy())
        self.ub.append(np.broadcast_to(np.asarray(ub, dtype=np.int64), (n,)).copy())
        self.cost.append(np.broadcast_to(np.asarray(cost, dtype=np.int64), (n,)).copy())
        self.n_vars += n
        return idx

    def add_rows(
        self, rows: np.ndarray, cols: np.ndarray, vals: np.ndarray, lo: np.ndarray, hi: np.ndarray
    ) -> np.ndarray:
        """Add rows given as triplets with local row numbers 0..len(lo)-1; return their global indices."""
        lo = np.asarray(lo, dtype=np.float64)
        hi = np.asarray(hi, dtype=np.float64)
        base = self.n_rows
        self.rows.append(np.asarray(rows, dtype=np.int64) + base)
        self.cols.append(np.asarray(cols, dtype=np.int64))
        self.vals.append(np.asarray(vals, dtype=np.int64))
        self.row_lo.append(lo)
        self.row_hi.append(hi)
        self.n_rows += len(lo)
        return np.arange(base, self.n_rows)

    def matrix(self) -> tuple[sp.csr_matrix, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        a = sp.csr_matrix(
            (np.concatenate(self.vals), (np.concatenate(self.rows), np.concatenate(self.cols))),
            shape=(self.n_rows, self.n_vars),
        )
        a.sum_duplicates()
        return (
            a,
            np.concatenate(self.row_lo),
            np.concatenate(self.row_hi),
            np.concatenate(self.lb),
            np.concatenate(self.ub),
            np.concatenate(self.cost),
        )


@dataclass(frozen=True)
class LpBound:
    value: float | None  # None when HiGHS did not finish
    seconds: float
    solution: np.ndarray | None
    duals: np.ndarray | None = None  # [rows] of the model as built (reduced costs c − Aᵀy), when asked for


UNBOUNDED = 10**9  # an integer upper bound at least this large is no bound for the LP
# HiGHS's interior point method on the scheduling aggregate, on the 2-core benchmark machine: 480,000
# nonzeros (a 12x6 month, 75,000 columns) in 32–37 s; 2.2 million (a 24x7 month, 294,000 columns)
# unfinished after 600 s. So its time grows at least with the square of the nonzeros.
REFERENCE_NONZEROS = 480_000
REFERENCE_SECONDS = 35.0


def expected_lp_seconds(model: SparseModel) -> float:
    """A rough forecast of `lp_relaxation`'s seconds for `model`, from its nonzeros (see above)."""
    nonzeros = sum(len(v) for v in model.vals)
    return REFERENCE_SECONDS * (nonzeros / REFERENCE_NONZEROS) ** 2


def lp_relaxation(
    model: SparseModel, time_limit_s: float = 30.0, duals: bool = False, crossover: bool = True
) -> LpBound:
    """Solve the LP relaxation with HiGHS; its optimum is a lower bound of the integer program.

    `duals`: also return each row's dual in the model's own units (the objective's change per unit
    of the row's bound), undoing the scaling below. `crossover`: False stops at the interior point
    (no basic solution; its value is then within HiGHS's tolerances, and `dual_bound` of its duals
    is a bound that needs none).

    Each row is divided by its largest coefficient, the objective by its largest cost, and integer
    stand-ins for infinity become infinite: the same LP. Measured on 2 cores: a 300-agent month's
    coverage LP 40 → 32 s (it now finishes inside a 60 s run), but a 20-agent week's service LP
    (with its service cuts) 0.8 → 7.7 s; the row scaling does both.
    """
    start = time.perf_counter()
    a, lo, hi, lb, ub, c = model.matrix()
    a = a.astype(np.float64)
    row_max = np.zeros(a.shape[0])
    np.maximum.at(row_max, np.repeat(np.arange(a.shape[0]), np.diff(a.indptr)), np.abs(a.data))
    row_scale = 1.0 / np.where(row_max > 0, row_max, 1.0)
    a = sp.diags(row_scale) @ a
    lo, hi = lo * row_scale, hi * row_scale
    cost_scale = float(np.abs(c).max(initial=0)) or 1.0
    ub = np.where(ub >= UNBOUNDED, np.inf, ub.astype(np.float64))
    options: dict[str, Any] = {"time_limit": float(time_limit_s), "presolve": True}
    if not crossover:
        options["run_crossover"] = "off"  # HiGHS's own option: scipy passes it on and says so
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Unrecognized options", category=OptimizeWarning)
        res = linprog(
            c / cost_scale,
            **linprog_rows(a, lo, hi),
            bounds=np.column_stack([lb, ub]),
            method="highs-ipm",
            options=options,
        )
    elapsed = time.perf_counter() - start
    if res.status != 0:
        return LpBound(None, elapsed, None)
    y = row_duals(res, lo, hi) * row_scale * cost_scale if duals else None
    return LpBound(float(res.fun) * cost_scale, elapsed, res.x, y)


def _row_kinds(lo: np.ndarray, hi: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Masks of the rows with an upper bound only or both (up), a lower bound (dn), equalities (eq)."""
    eq = lo == hi
    return np.isfinite(hi) & ~eq, np.isfinite(lo) & ~eq, eq


def linprog_rows(a: sp.spmatrix, lo: np.ndarray, hi: np.ndarray) -> dict[str, Any]:
    """Rows lo ≤ a·v ≤ hi as scipy's `linprog` takes them: A_ub·v ≤ b_ub (the upper bounds, then the
    lower bounds negated) and A_eq·v = b_eq; None where there are none."""
    a = sp.csr_matrix(a)
    up, dn, eq = _row_kinds(lo, hi)
    a_ub = sp.vstack([a[up], -a[dn]]).tocsr()
    some = a_ub.shape[0] > 0
    return {
        "A_ub": a_ub if some else None,
        "b_ub": np.concatenate([hi[up], -lo[dn]]) if some else None,
        "A_eq": a[eq] if eq.any() else None,
        "b_eq": lo[eq] if eq.any() else None,
    }


def row_duals(res: Any, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """Each row's dual y of a `linprog` solution of `linprog_rows(a, lo, hi)` (reduced costs c − aᵀy)."""
    up, dn, eq = _row_kinds(lo, hi)
    duals = np.zeros(len(lo))
    if up.any() or dn.any():
        n_up = int(up.sum())
        duals[up] += res.ineqlin.marginals[:n_up]
        duals[dn] -= res.ineqlin.marginals[n_up:]
    if eq.any():
        duals[eq] += res.eqlin.marginals
    return duals


def dual_bound(model: SparseModel, duals: np.ndarray) -> float:
    """A lower bound of `model`'s LP from any row duals y (model units), whatever their accuracy:
    c·v = (c − Aᵀy)·v + y·(A·v) ≥ Σ_j min over [lb_j, ub_j] of (c − Aᵀy)_j·v_j + Σ_i min over
    [lo_i, hi_i] of y_i·a_i. A dual whose row side is infinite counts as 0; a column without a finite
    bound on the side its reduced cost needs makes the bound −inf."""
    a, lo, hi, lb, ub, c = model.matrix()
    y = np.asarray(duals, dtype=np.float64)
    side = np.where(y > 0, lo, hi)
    y = np.where(np.isfinite(side), y, 0.0)
    rows = float(np.where(y != 0, y * np.where(np.isfinite(side), side, 0.0), 0.0).sum())
    reduced = c.astype(np.float64) - a.T.astype(np.float64) @ y
    upper = np.where(ub >= UNBOUNDED, np.inf, ub.astype(np.float64))
    at = np.where(reduced >= 0, lb.astype(np.float64), upper)
    if np.isinf(at[reduced != 0]).any():
        return -np.inf
    return rows + float(np.where(reduced != 0, reduced * at, 0.0).sum())
