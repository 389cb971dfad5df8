"""NIST StRD linear least-squares problems (tests/data/nist): parse a file, build its design.

Each file holds the data and NIST's certified estimates (15 significant digits). The
model is read off the file: the parameters named ``B0…Bk`` (``B0`` present ⇔ an
intercept), one predictor with more parameters than ``1 + predictor`` ⇔ a polynomial
``y = B0 + B1 x + … + Bk x^k``.

Used by tests/linear_model/test_nist_strd.py and benchmarks/least_squares_nist.py.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

NIST_DIR = Path(__file__).resolve().parents[1] / "data" / "nist"
#: The 11 linear problems, in NIST's order of difficulty (lower, average, higher).
NAMES = (
    "Norris",
    "Pontius",
    "NoInt1",
    "NoInt2",
    "Filip",
    "Longley",
    "Wampler1",
    "Wampler2",
    "Wampler3",
    "Wampler4",
    "Wampler5",
)


@dataclass(frozen=True)
class StrdProblem:
    """A certified problem: ``X`` (n, p) without the ones column, ``y`` (n,), ``beta``."""

    name: str
    X: np.ndarray
    y: np.ndarray
    intercept: bool
    beta: np.ndarray  # certified [B0,] B1, …, Bk
    names: tuple[str, ...]

    def coefficients(self, coef: np.ndarray, intercept: float) -> np.ndarray:
        """A fit's estimates in the certified order ([B0,] B1 … Bk)."""
        coef = np.asarray(coef, dtype=np.float64).ravel()
        return np.concatenate([[intercept], coef]) if self.intercept else coef


#: NIST's certified B0…B6 for Longley (stored as Longley.csv; see tests/data/nist/README.md).
LONGLEY_CERTIFIED = (
    -3482258.63459582,
    15.0618722713733,
    -0.358191792925910e-01,
    -2.02022980381683,
    -1.03322686717359,
    -0.511041056535807e-01,
    1829.15146461355,
)


def load(name: str) -> StrdProblem:
    """Parse ``tests/data/nist/<name>.dat`` (Longley: ``Longley.csv`` + the certified values)."""
    if name == "Longley":
        data = np.loadtxt(NIST_DIR / "Longley.csv", delimiter=",", skiprows=1)
        names = ("x1", "x2", "x3", "x4", "x5", "x6")
        return StrdProblem(name, data[:, 1:], data[:, 0], True, np.array(LONGLEY_CERTIFIED), names)
    lines = (NIST_DIR / f"{name}.dat").read_text().splitlines()
    head = "\n".join(lines[:30])
    c0, c1 = map(int, re.search(r"Certified Values\s*\(lines (\d+) to (\d+)\)", head).groups())
    d0, d1 = map(int, re.search(r"Data\s*\(lines (\d+) to (\d+)\)", head).groups())
    params = {}
    for line in lines[c0 - 1 : c1]:
        m = re.match(r"\s*B(\d+)\s+(\S+)", line)
        if m:
            params[int(m.group(1))] = float(m.group(2))
    columns = lines[d0 - 2].split()[1:]  # "Data:  y  x1 …" just above the block
    data = np.array([[float(v) for v in line.split()] for line in lines[d0 - 1 : d1]])
    y = data[:, [c.lower() for c in columns].index("y")]
    x_cols = [j for j, c in enumerate(columns) if c.lower() != "y"]
    intercept = 0 in params
    beta = np.array([params[k] for k in sorted(params)])
    n_slopes = len(beta) - intercept
    if len(x_cols) == 1 and n_slopes > 1:  # polynomial in the one predictor
        x = data[:, x_cols[0]]
        X = np.column_stack([x**k for k in range(1, n_slopes + 1)])
        names = tuple(f"x^{k}" for k in range(1, n_slopes + 1))
    else:
        X = data[:, x_cols]
        names = tuple(columns[j] for j in x_cols)
    return StrdProblem(name, X, y, intercept, beta, names)


def lre(estimate: np.ndarray, certified: np.ndarray) -> float:
    """Worst log relative error ``min_j −log10(|b̂_j − b_j| / |b_j|)``, capped at 15 digits.

    McCullough (1998)'s measure of correct significant digits: 15 = all certified digits.
    """
    err = np.abs(np.asarray(estimate) - certified) / np.abs(certified)
    worst = float(np.max(err))
    return 15.0 if worst == 0 else min(15.0, -math.log10(worst))
