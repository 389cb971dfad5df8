"""Tour chapter: initialization and gradient flow through 20 layers, explained by the spectra."""

from __future__ import annotations

import numpy as np
from threadpoolctl import threadpool_limits

from linml.diagnose.network import network
from linml.neural import Linear, ReLU, Sequential
from linml.neural.init import orthogonal
from linml.report.figures import new_figure
from linml.report.tour import Chapter, ChapterResult

DEPTH, WIDTH, N = 20, 256, 256


def _orthogonal_relu(shape, random_state, dtype):
    return orthogonal(shape, random_state, dtype, gain=np.sqrt(2))  # ReLU gain √2


INITS = {
    "N(0, 1)": ("normal", "exploding"),
    "Xavier": ("xavier_normal", "vanishing"),
    "He": ("he_normal", "healthy"),
    "orthogonal (gain √2)": (_orthogonal_relu, "healthy"),
}


def run() -> ChapterResult:
    # small matrices: one BLAS thread beats waking (and, on a busy machine, waiting for) several
    with threadpool_limits(1, user_api="blas"):
        return _run()


def _run() -> ChapterResult:
    result = ChapterResult(
        text=f"<p>A {DEPTH}-layer ReLU network of width {WIDTH} multiplies its input by "
        f"{DEPTH} weight matrices on the way forward and by their transposes on the way back. "
        "Each product scales the signal by roughly the typical singular value of W (times "
        "√½ for the ReLU), so the spectrum of W decides whether signals explode, vanish or "
        "keep their size: N(0, 1) entries give σ ≈ √n ≫ 1, Xavier gives σ ≈ 1 but loses the "
        "ReLU's factor √½ at every layer, He restores it with Var(W) = 2/fan_in, and a scaled "
        "orthogonal matrix has every σ equal to √2 exactly.</p>"
    )
    X = np.random.default_rng(0).standard_normal((N, WIDTH))
    diagnoses, spectra = {}, {}
    for name, (init, expected) in INITS.items():
        net = Sequential(
            *[
                m
                for i in range(DEPTH)
                for m in (Linear(WIDTH, WIDTH, init=init, random_state=i), ReLU())
            ]
        )
        d = network(net, X)
        diagnoses[name] = d
        spectra[name] = d.layers[DEPTH // 2].singular_values
        result.check(
            f"{name} initialization: gradient flow through {DEPTH} layers is {expected}",
            f"verdict {d.verdict}: activations ×{d.forward_growth:.3g}, gradients "
            f"×{d.backward_growth:.3g} end to end",
            expected,
            d.verdict == expected,
        )
    s_normal = spectra["N(0, 1)"]
    edge = 2 * np.sqrt(WIDTH)  # Marchenko–Pastur: σ_max ≈ √m + √n for an m×n N(0,1) matrix
    result.check(
        "an N(0, 1) square matrix has σ_max ≈ 2√n (Marchenko–Pastur edge) — hence the explosion",
        f"σ_max = {s_normal[0]:.1f}, 2√n = {edge:.1f}",
        "|σ_max / (2√n) − 1| < 0.05",
        abs(s_normal[0] / edge - 1) < 0.05,
    )
    s_orth = spectra["orthogonal (gain √2)"]
    result.check(
        "orthogonal init: all singular values equal (√2), condition number 1",
        f"σ ∈ [{s_orth[-1]:.6f}, {s_orth[0]:.6f}]",
        "every |σ / √2 − 1| ≤ 1e-10 (√2 = 1.414214, so cond = 1)",
        bool(np.all(np.abs(s_orth / np.sqrt(2) - 1) <= 1e-10)),
    )
    fig, (ax_a, ax_g) = new_figure(2, width=5, height=4)
    depth = np.arange(DEPTH + 1)
    for name, d in diagnoses.items():
        ax_a.plot(depth, d.activation_norms, marker=".", label=name)
        ax_g.plot(depth, d.input_gradient_norms, marker=".", label=name)
    ax_a.set(yscale="log", xlabel="layer", ylabel="RMS activation", title="Forward: activations")
    ax_g.set(yscale="log", xlabel="layer", ylabel="‖∂L/∂H‖", title="Backward: gradients")
    ax_a.legend(fontsize=8)
    result.figure("Activation and gradient norms through depth, per initialization", fig)
    fig, ax = new_figure(width=6, height=4)
    for name, s in spectra.items():
        ax.plot(np.arange(1, s.size + 1), s, label=name)
    ax.set(
        yscale="log",
        xlabel="index i",
        ylabel="σ_i(W)",
        title=f"Singular values of layer {DEPTH // 2}'s W ({WIDTH}×{WIDTH})",
    )
    ax.legend(fontsize=8)
    result.figure("The spectra that explain the curves: σ ≈ √n, ≈ 1, ≈ √2, exactly √2", fig)
    return result


CHAPTER = Chapter(
    slug="gradient_flow",
    title="Initialization and gradient flow",
    order=61,
    run=run,
    summary="Norms through 20 layers for N(0,1), Xavier, He and orthogonal inits, and the spectra behind them.",
)
