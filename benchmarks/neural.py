"""Benchmark: linml.neural (NumPy + hand-written backprop) vs PyTorch CPU over a grid, one process.

1. MLP training, time per epoch, grid of three data shapes × two batch sizes (128, 512):
   tall 60000×784 (hidden 256-128), square 8000×2000 (hidden 512-256), wide 2000×8000 (hidden
   512-256); 10 classes, ReLU, Adam (lr 1e-3), shuffled, float32. Generated data: Gaussian X,
   labels from a random linear "teacher", so the task is learnable. The same architecture,
   optimizer, data and initial weights (linml's He init, copied into torch) in both. Quality:
   accuracy on 2000 held-out generated rows after the epoch (within 2 points).
2. Attention forward + backward, grid n ∈ {256, 1024, 2048} × head size d ∈ {64, 128}:
   Q, K, V of shape (1, 8 heads, n, d), float32; linml's ScaledDotProductAttention vs
   torch.nn.functional.scaled_dot_product_attention (+ .backward). Quality: max |difference|
   of the output and of the three gradients.
3. MultiHeadAttention (d_model = 512, 8 heads, n ∈ {256, 1024, 2048}) forward + backward vs
   torch.nn.MultiheadAttention with the same weights.

Every cell runs linml and torch alternately (A B A B …), 5 rounds after one untimed warm-up,
ratio t_linml / t_torch per round, median (min–max). Threads: NumPy's BLAS is limited with
threadpoolctl and torch.set_num_threads is set to the same number (default 1: the machine is
shared, and one thread each is the fair, stable comparison).
Run: .venv/bin/python benchmarks/neural.py [--threads N] [--quick]
(``--quick``: a tenth of the MLP rows, n ≤ 512; printed, not recorded)
"""

from __future__ import annotations

import argparse
import statistics
import sys
import warnings
from pathlib import Path

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from threadpoolctl import threadpool_limits

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import (
    blas_summary,
    fmt_ratio,
    interleaved,
    markdown_table,
    quick,
    ratio_stats,
    record,
    summary_line,
)

from linml.neural import MLPClassifier, MultiHeadAttention, ScaledDotProductAttention, build_mlp


def _data(n_rows: int, d: int = 784, k: int = 10, n_test: int = 2000):
    rng = np.random.default_rng(0)
    X = rng.standard_normal((n_rows + n_test, d), dtype=np.float32)
    teacher = rng.standard_normal((d, k)).astype(np.float32)
    y = np.argmax(X @ teacher, axis=1)
    return X[:n_rows], y[:n_rows], X[n_rows:], y[n_rows:]


def _torch_mlp_epoch(torch, X, y, hidden, batch, seed):
    torch.manual_seed(seed)
    h1, h2 = hidden
    d = X.shape[1]
    net = torch.nn.Sequential(
        torch.nn.Linear(d, h1),
        torch.nn.ReLU(),
        torch.nn.Linear(h1, h2),
        torch.nn.ReLU(),
        torch.nn.Linear(h2, 10),
    )
    # start from exactly the weights MLPClassifier(random_state=seed) draws (He init)
    start = build_mlp(d, hidden, 10, dtype=np.float32, random_state=seed)
    with torch.no_grad():
        for ours, theirs in zip(start.layers[::2], net[::2], strict=True):
            theirs.weight.copy_(torch.from_numpy(ours.params["W"]))
            theirs.bias.copy_(torch.from_numpy(ours.params["b"]))
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    loss_fn = torch.nn.CrossEntropyLoss()
    Xt, yt = torch.from_numpy(X), torch.from_numpy(y)
    perm = torch.randperm(len(yt))
    for lo in range(0, len(yt), batch):
        idx = perm[lo : lo + batch]
        opt.zero_grad()
        loss = loss_fn(net(Xt[idx]), yt[idx])
        loss.backward()
        opt.step()
    return net


def bench_mlp(torch, n_rows: int, d: int, hidden: tuple, batch: int, rounds: int):
    X, y, X_te, y_te = _data(n_rows, d)

    def ours():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            return MLPClassifier(
                hidden, batch_size=batch, epochs=1, learning_rate=1e-3, random_state=0
            ).fit(X, y)

    times, out = interleaved(
        {"linml": ours, "torch": lambda: _torch_mlp_epoch(torch, X, y, hidden, batch, 0)},
        repeat=rounds,
    )
    acc_ours = float(np.mean(out["linml"].predict(X_te) == y_te))
    with torch.no_grad():
        acc_peer = float((out["torch"](torch.from_numpy(X_te)).argmax(1).numpy() == y_te).mean())
    return times, acc_ours, acc_peer


def bench_sdpa(torch, n: int, d: int, rounds: int):
    rng = np.random.default_rng(0)
    Q, K, V, G = (rng.standard_normal((1, 8, n, d), dtype=np.float32) for _ in range(4))
    att = ScaledDotProductAttention()

    def ours():
        O = att.forward(Q, K, V)
        return O, *att.backward(G)

    tq, tk, tv = (torch.from_numpy(a.copy()).requires_grad_() for a in (Q, K, V))
    tg = torch.from_numpy(G)

    def peer():
        for t in (tq, tk, tv):
            t.grad = None
        O = torch.nn.functional.scaled_dot_product_attention(tq, tk, tv)
        O.backward(tg)
        return O, tq.grad, tk.grad, tv.grad

    times, out = interleaved({"linml": ours, "torch": peer}, repeat=rounds)
    r_ours, r_peer = out["linml"], out["torch"]
    err = max(float(np.max(np.abs(a - b.detach().numpy()))) for a, b in zip(r_ours, r_peer))
    return times, err


def bench_mha(torch, n: int, rounds: int):
    d_model, heads = 512, 8
    rng = np.random.default_rng(1)
    X = rng.standard_normal((1, n, d_model), dtype=np.float32)
    G = rng.standard_normal((1, n, d_model), dtype=np.float32)
    mha = MultiHeadAttention(d_model, heads, random_state=0, dtype=np.float32)
    ref = torch.nn.MultiheadAttention(d_model, heads, batch_first=True)
    with torch.no_grad():
        ref.in_proj_weight.copy_(
            torch.from_numpy(np.concatenate([mha.params[f"W_{c}"] for c in "QKV"]))
        )
        ref.in_proj_bias.zero_()
        ref.out_proj.weight.copy_(torch.from_numpy(mha.params["W_O"]))
        ref.out_proj.bias.zero_()
    tx = torch.from_numpy(X.copy()).requires_grad_()
    tg = torch.from_numpy(G)

    def ours():
        Y = mha.forward(X)
        return Y, mha.backward(G)

    def peer():
        tx.grad = None
        ref.zero_grad()
        Y = ref(tx, tx, tx, need_weights=False)[0]
        Y.backward(tg)
        return Y, tx.grad

    times, out = interleaved({"linml": ours, "torch": peer}, repeat=rounds)
    (Y, dX), (tY, tdX) = out["linml"], out["torch"]
    err = max(
        float(np.max(np.abs(Y - tY.detach().numpy()))),
        float(np.max(np.abs(dX - tdX.numpy()))),
    )
    return times, err


HEADER = [
    "task",
    "setting",
    "linml s (median)",
    "torch s (median)",
    "ratio median (min–max)",
    "target",
    "quality",
]


def _row(task, setting, times, target, quality):
    stats = ratio_stats(times["linml"], times["torch"])
    row = [
        task,
        setting,
        f"{statistics.median(times['linml']):.3f}",
        f"{statistics.median(times['torch']):.3f}",
        fmt_ratio(stats),
        target,
        quality,
    ]
    print(markdown_table(HEADER, [row]).splitlines()[-1], flush=True)
    return row, stats[1]


def main() -> None:
    import torch

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=1, help="BLAS and torch threads")
    parser.add_argument("--rounds", type=int, default=5, help="interleaved timed rounds")
    parser.add_argument("--no-record", action="store_true", help="do not write RESULTS.md")
    parser.add_argument("--quick", action="store_true", help="reduced sizes; not recorded")
    args = parser.parse_args()
    mlp_shapes = [("tall", 60000, 784, (256, 128)), ("square", 8000, 2000, (512, 256)),
                  ("wide", 2000, 8000, (512, 256))]  # fmt: skip
    lengths = [256, 1024, 2048]
    if args.quick or quick():  # reduced sizes (run_all.py); never recorded
        mlp_shapes = [(lab, n // 10, d, h) for lab, n, d, h in mlp_shapes]
        lengths, args.no_record = [128, 512], True

    torch.set_num_threads(args.threads)
    rows, cells = [], {"mlp": {}, "sdpa": {}, "mha": {}}
    with threadpool_limits(args.threads):
        print("BLAS:", blas_summary())
        print(f"threads: NumPy BLAS {args.threads}, torch.set_num_threads({args.threads})")
        print(markdown_table(HEADER, []))
        for label, n, d, hidden in mlp_shapes:
            for batch in (128, 512):
                times, acc_ours, acc_peer = bench_mlp(torch, n, d, hidden, batch, args.rounds)
                row, ratio = _row(
                    f"MLP epoch {label} {n}×{d}, {hidden[0]}-{hidden[1]}-10",
                    f"batch {batch}",
                    times,
                    "≤ 1.3",
                    f"test acc {acc_ours:.3f} vs {acc_peer:.3f}"
                    + ("" if abs(acc_ours - acc_peer) <= 0.02 else " (DIFFERS)"),
                )
                rows.append(row)
                cells["mlp"][f"{label}, batch {batch}"] = ratio
        for n in lengths:
            for d in (64, 128):
                times, err = bench_sdpa(torch, n, d, args.rounds)
                row, ratio = _row(
                    f"attention fwd+bwd (1, 8 heads, n={n}, d={d})",
                    f"n={n}, d={d}",
                    times,
                    "≤ 1.5",
                    f"max |Δ| {err:.1e}",
                )
                rows.append(row)
                cells["sdpa"][f"n={n}, d={d}"] = ratio
        for n in lengths:
            times, err = bench_mha(torch, n, args.rounds)
            row, ratio = _row(
                f"MultiHeadAttention fwd+bwd d_model=512, 8 heads, n={n}",
                f"n={n}",
                times,
                "—",
                f"max |Δ| {err:.1e}",
            )
            rows.append(row)
            cells["mha"][f"n={n}"] = ratio

    table = markdown_table(HEADER, rows)
    print(table)
    body = (
        f"PyTorch {torch.__version__} CPU. Threads: NumPy BLAS limited to {args.threads} with "
        f"threadpoolctl and `torch.set_num_threads({args.threads})`. Every cell: {args.rounds} "
        "interleaved rounds (linml, torch, linml, …) after one untimed warm-up, ratio per round, "
        "median (min–max). The MLP time is one full `MLPClassifier.fit(epochs=1)` "
        "(validation, float32 cast and the mini-batch steps) against one torch epoch "
        "(shuffle, forward, backward, `Adam.step`); data are generated Gaussian rows labelled by "
        "a random linear teacher, accuracy on 2000 held-out rows.\n\n" + table
    )
    summaries = [
        summary_line(
            "MLP epoch, tall/square/wide × batch 128/512", "PyTorch CPU", cells["mlp"], "≤ 1.3"
        ),
        summary_line(
            "attention fwd+bwd, n 256–2048 × d 64/128", "PyTorch CPU", cells["sdpa"], "≤ 1.5"
        ),
        summary_line("MultiHeadAttention fwd+bwd, n 256–2048", "PyTorch CPU", cells["mha"], "—"),
    ]
    print("\n".join(summaries))
    body += "\n\n" + "\n".join(summaries)
    if not args.no_record:
        with threadpool_limits(args.threads):  # so the recorded BLAS line shows the limit
            record("neural", "Neural networks: linml.neural vs PyTorch CPU", body)


if __name__ == "__main__":
    main()
