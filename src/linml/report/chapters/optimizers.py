"""Tour chapter: conditioning and optimizers — GD's zigzag vs momentum vs Adam at κ = 1000."""

from __future__ import annotations

import numpy as np

from linml.neural import SGD, Adam
from linml.report.figures import new_figure
from linml.report.tour import Chapter, ChapterResult

KAPPA = 1000.0
A = np.diag([1.0, KAPPA])  # f(θ) = ½ θᵀ A θ, minimum 0 at θ = 0; L = κ, μ = 1
THETA0 = np.array([1.0, 0.03])
TOL = 1e-6


def _run_optimizer(make, steps: int) -> np.ndarray:
    """Trajectory of θ under ``make([(θ, grad)])`` on the quadratic, ``steps`` updates."""
    theta, grad = THETA0.copy(), np.zeros(2)
    opt = make([(theta, grad)])
    path = [theta.copy()]
    for _ in range(steps):
        grad[:] = A @ theta  # ∇f = A θ
        opt.step()
        path.append(theta.copy())
    return np.array(path)


def _f(path: np.ndarray) -> np.ndarray:
    return 0.5 * np.einsum("ti,ij,tj->t", path, A, path)


def _steps_to(path: np.ndarray, tol: float) -> int:
    rel = np.linalg.norm(path, axis=1) / np.linalg.norm(THETA0)
    below = np.flatnonzero(rel < tol)
    return int(below[0]) if below.size else len(path)


def run() -> ChapterResult:
    result = ChapterResult(
        text="<p>On a quadratic <code>f(θ) = ½ θᵀAθ</code> gradient descent multiplies the "
        "error by <code>I − ηA</code>: each eigen-direction contracts by |1 − ηλ|. With the "
        "best fixed step η = 2/(L + μ) the slowest factor is (κ − 1)/(κ + 1), and the "
        "steep direction flips sign every step — the zigzag. Heavy-ball momentum with "
        "η = 4/(√L + √μ)², β = ((√κ − 1)/(√κ + 1))² contracts by (√κ − 1)/(√κ + 1): "
        "the condition number enters through its square root. Adam rescales each coordinate "
        f"by its own gradient RMS. Here κ = {KAPPA:g}.</p>"
    )
    L, mu = KAPPA, 1.0
    eta_gd = 2 / (L + mu)
    rate_gd = (KAPPA - 1) / (KAPPA + 1)
    eta_hb = 4 / (np.sqrt(L) + np.sqrt(mu)) ** 2
    rate_hb = (np.sqrt(KAPPA) - 1) / (np.sqrt(KAPPA) + 1)
    gd = _run_optimizer(lambda p: SGD(p, lr=eta_gd), 8000)
    hb = _run_optimizer(lambda p: SGD(p, lr=eta_hb, momentum=rate_hb**2), 8000)
    adam = _run_optimizer(lambda p: Adam(p, lr=0.01), 2000)
    norms_gd = np.linalg.norm(gd, axis=1)
    measured_gd = (norms_gd[3000] / norms_gd[2000]) ** (1 / 1000)
    result.check_close(
        "gradient descent contracts by (κ − 1)/(κ + 1) per step",
        f"measured {measured_gd:.6f} per step (steps 2000 → 3000)",
        measured_gd,
        rate_gd,
        1e-4,
        name="rate",
        fmt=".6f",
    )
    norms_hb = np.linalg.norm(hb, axis=1)
    measured_hb = (norms_hb[300] / norms_hb[200]) ** (1 / 100)
    # at the optimal (η, β) the heavy-ball iteration matrix has the double eigenvalue
    # ρ = (√κ − 1)/(√κ + 1) (a Jordan block), so ‖θ_t‖ ∝ t ρᵗ and steps 200 → 300
    # contract by ρ (300/200)^(1/100) per step (Polyak 1964; Recht's lecture notes)
    predicted_hb = rate_hb * (300 / 200) ** (1 / 100)
    result.check_close(
        f"heavy-ball momentum contracts by ρ = (√κ − 1)/(√κ + 1) = {rate_hb:.4f} per step; its "
        "iteration matrix has ρ as a double eigenvalue, so ‖θ_t‖ ∝ t ρᵗ and steps 200 → 300 "
        f"contract by ρ·(300/200)^(1/100) = {predicted_hb:.4f}",
        f"measured {measured_hb:.4f} per step (steps 200 → 300)",
        measured_hb,
        predicted_hb,
        5e-4,
        name="rate",
        fmt=".4f",
    )
    k_gd, k_hb = _steps_to(gd, TOL), _steps_to(hb, TOL)
    result.check(
        f"to reach ‖θ‖ < {TOL:g}·‖θ₀‖ momentum needs ≈ √κ/2 ≈ {np.sqrt(KAPPA) / 2:.0f}× fewer steps",
        f"GD {k_gd} steps, momentum {k_hb} steps (×{k_gd / k_hb:.1f})",
        f"GD steps / momentum steps ≥ {10:g}",
        k_gd / k_hb >= 10,
    )
    zigzag = np.mean(np.sign(gd[1:200, 1]) != np.sign(gd[:199, 1]))
    result.check(
        "GD zigzags: the steep coordinate changes sign at every step",
        f"sign changes in {zigzag:.0%} of the first 200 steps",
        "sign changes = 100% of steps",
        zigzag == 1.0,
    )
    f_adam = _f(adam)
    result.check(
        "Adam's per-coordinate scaling ignores the curvature gap: after 200 steps it is "
        "further along the flat direction than GD",
        f"|θ₁| after 200 steps: Adam {abs(adam[200, 0]):.2e}, GD {abs(gd[200, 0]):.2e}",
        "|θ₁| of Adam < |θ₁| of GD",
        abs(adam[200, 0]) < abs(gd[200, 0]),
    )
    fig, ax = new_figure(width=6, height=4.5)
    u = np.linspace(-0.1, 1.05, 200)
    v = np.linspace(-0.035, 0.035, 200)
    U, Vv = np.meshgrid(u, v)
    ax.contour(U, Vv, 0.5 * (U**2 + KAPPA * Vv**2), levels=np.geomspace(1e-4, 1, 12), colors="0.8")
    ax.plot(gd[:60, 0], gd[:60, 1], ".-", lw=0.8, label="GD (60 steps)")
    ax.plot(hb[:60, 0], hb[:60, 1], ".-", lw=0.8, label="momentum (60 steps)")
    ax.plot(adam[:60, 0], adam[:60, 1], ".-", lw=0.8, label="Adam (60 steps)")
    ax.set(xlabel="θ₁ (λ = 1)", ylabel=f"θ₂ (λ = {KAPPA:g})", title="Trajectories on f = ½θᵀAθ")
    ax.legend(fontsize=8)
    result.figure("GD zigzags across the steep valley; momentum and Adam move along it", fig)
    fig, ax = new_figure(width=6, height=4)
    ax.semilogy(_f(gd), label="GD, η = 2/(L+μ)")
    ax.semilogy(_f(hb), label="heavy ball (tuned)")
    ax.semilogy(np.arange(f_adam.size), f_adam, label="Adam, η = 0.01")
    ax.set(xlabel="step", ylabel="f(θ) − f*", ylim=(1e-16, 10), xlim=(0, 8000))
    ax.legend(fontsize=8)
    result.figure("Convergence on the κ = 1000 quadratic", fig)
    return result


CHAPTER = Chapter(
    slug="optimizers",
    title="Conditioning and optimizers",
    order=63,
    run=run,
    summary="Gradient descent's zigzag vs momentum vs Adam on a quadratic with κ = 1000.",
)
