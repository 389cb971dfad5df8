"""Benchmark: linml.neural (NumPy + hand-written backprop) vs PyTorch CPU, one process.

1. MLP training, time per epoch: 60000×784 float32 inputs (generated: Gaussian X, labels
   from a random linear "teacher", so the task is learnable), hidden 256-128, 10 classes,
   ReLU, Adam (lr 1e-3), batch 128, shuffled, float32 — the same architecture, optimizer,
   data and initial weights (linml's He init, copied into torch) in both. Quality: test
   accuracy on 10000 held-out generated rows after the epoch.
2. Attention forward + backward: Q, K, V of shape (1, 8 heads, n = 1024, d = 64), float32;
   linml's ScaledDotProductAttention vs torch.nn.functional.scaled_dot_product_attention
   (+ .backward). Quality: max |difference| of the output and of the three gradients.
3. MultiHeadAttention (d_model = 512, 8 heads, n = 1024) forward + backward vs
   torch.nn.MultiheadAttention with the same weights.

Threads: NumPy's BLAS is limited with threadpoolctl and torch.set_num_threads is set to the
same number (default 1: the machine is shared, and one thread each is the fair, stable
comparison). Run: .venv/bin/python benchmarks/neural.py [--threads N] [--rows N] [--quick]
(``--quick``: 3000 MLP rows, n = 256, best of 2; printed, not recorded)
"""

from __future__ import annotations

import argparse
import sys
import warnings
from pathlib import Path

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from threadpoolctl import threadpool_limits

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import best_time, blas_summary, markdown_table, quick, record, summary_line

from linml.neural import MLPClassifier, MultiHeadAttention, ScaledDotProductAttention, build_mlp


def _data(n_rows: int, d: int = 784, k: int = 10, n_test: int = 10000):
    rng = np.random.default_rng(0)
    X = rng.standard_normal((n_rows + n_test, d), dtype=np.float32)
    teacher = rng.standard_normal((d, k)).astype(np.float32)
    y = np.argmax(X @ teacher, axis=1)
    return X[:n_rows], y[:n_rows], X[n_rows:], y[n_rows:]


def _torch_mlp_epoch(torch, X, y, seed):
    torch.manual_seed(seed)
    net = torch.nn.Sequential(
        torch.nn.Linear(784, 256),
        torch.nn.ReLU(),
        torch.nn.Linear(256, 128),
        torch.nn.ReLU(),
        torch.nn.Linear(128, 10),
    )
    # start from exactly the weights MLPClassifier(random_state=seed) draws (He init)
    start = build_mlp(784, (256, 128), 10, dtype=np.float32, random_state=seed)
    with torch.no_grad():
        for ours, theirs in zip(start.layers[::2], net[::2], strict=True):
            theirs.weight.copy_(torch.from_numpy(ours.params["W"]))
            theirs.bias.copy_(torch.from_numpy(ours.params["b"]))
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    loss_fn = torch.nn.CrossEntropyLoss()
    Xt, yt = torch.from_numpy(X), torch.from_numpy(y)
    perm = torch.randperm(len(yt))
    for lo in range(0, len(yt), 128):
        idx = perm[lo : lo + 128]
        opt.zero_grad()
        loss = loss_fn(net(Xt[idx]), yt[idx])
        loss.backward()
        opt.step()
    return net


def bench_mlp(torch, n_rows: int, repeat: int):
    X, y, X_te, y_te = _data(n_rows)

    def ours():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            return MLPClassifier(
                (256, 128), batch_size=128, epochs=1, learning_rate=1e-3, random_state=0
            ).fit(X, y)

    t_ours, model = best_time(ours, repeat=repeat, warmup=1)
    t_peer, net = best_time(lambda: _torch_mlp_epoch(torch, X, y, 0), repeat=repeat, warmup=1)
    acc_ours = float(np.mean(model.predict(X_te) == y_te))
    with torch.no_grad():
        acc_peer = float((net(torch.from_numpy(X_te)).argmax(1).numpy() == y_te).mean())
    return t_ours, t_peer, acc_ours, acc_peer


def bench_sdpa(torch, n: int, repeat: int):
    rng = np.random.default_rng(0)
    Q, K, V, G = (rng.standard_normal((1, 8, n, 64), dtype=np.float32) for _ in range(4))
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

    t_ours, r_ours = best_time(ours, repeat=repeat)
    t_peer, r_peer = best_time(peer, repeat=repeat)
    err = max(float(np.max(np.abs(a - b.detach().numpy()))) for a, b in zip(r_ours, r_peer))
    return t_ours, t_peer, err


def bench_mha(torch, n: int, repeat: int):
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

    t_ours, (Y, dX) = best_time(ours, repeat=repeat)
    t_peer, (tY, tdX) = best_time(peer, repeat=repeat)
    err = max(
        float(np.max(np.abs(Y - tY.detach().numpy()))),
        float(np.max(np.abs(dX - tdX.numpy()))),
    )
    return t_ours, t_peer, err


def main() -> None:
    import torch

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=1, help="BLAS and torch threads")
    parser.add_argument("--rows", type=int, default=60000, help="MLP training rows")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-record", action="store_true", help="do not write RESULTS.md")
    parser.add_argument(
        "--quick", action="store_true", help="3000 rows, n=256, best of 2; not recorded"
    )
    args = parser.parse_args()
    n_att = 1024
    if args.quick or quick():  # reduced sizes (run_all.py); never recorded
        args.rows, args.repeat, args.no_record, n_att = min(args.rows, 3000), 2, True, 256

    torch.set_num_threads(args.threads)
    with threadpool_limits(args.threads):
        print("BLAS:", blas_summary())
        print(f"threads: NumPy BLAS {args.threads}, torch.set_num_threads({args.threads})")
        t_mlp, p_mlp, acc_ours, acc_peer = bench_mlp(torch, args.rows, args.repeat)
        t_att, p_att, err_att = bench_sdpa(torch, n_att, args.repeat)
        t_mha, p_mha, err_mha = bench_mha(torch, n_att, args.repeat)

    rows = [
        [
            f"MLP epoch: {args.rows}×784, 256-128-10, batch 128, Adam, float32",
            f"{t_mlp:.2f}",
            f"{p_mlp:.2f}",
            f"{t_mlp / p_mlp:.2f}",
            "≤ 1.3",
            f"test acc {acc_ours:.3f} vs {acc_peer:.3f}",
        ],
        [
            f"attention fwd+bwd: (1, 8 heads, n={n_att}, d=64), float32",
            f"{t_att:.3f}",
            f"{p_att:.3f}",
            f"{t_att / p_att:.2f}",
            "≤ 1.5",
            f"max |Δ| {err_att:.1e}",
        ],
        [
            f"MultiHeadAttention fwd+bwd: d_model=512, 8 heads, n={n_att}, float32",
            f"{t_mha:.3f}",
            f"{p_mha:.3f}",
            f"{t_mha / p_mha:.2f}",
            "—",
            f"max |Δ| {err_mha:.1e}",
        ],
    ]
    header = ["task", "linml s", "torch s", "ratio linml/torch", "target", "quality"]
    table = markdown_table(header, rows)
    print(table)
    body = (
        f"PyTorch {torch.__version__} CPU. Threads: NumPy BLAS limited to {args.threads} with "
        f"threadpoolctl and `torch.set_num_threads({args.threads})`. Best of {args.repeat} "
        "runs after one warm-up. The MLP time is one full `MLPClassifier.fit(epochs=1)` "
        "(validation, float32 cast and 469 mini-batch steps) against one torch epoch "
        "(shuffle, forward, backward, `Adam.step`); data are generated Gaussian rows labelled by "
        "a random linear teacher, accuracy on 10000 held-out rows.\n\n" + table
    )
    summaries = [
        summary_line(
            f"MLP epoch {args.rows}×784", "PyTorch CPU", {"epoch": t_mlp / p_mlp}, "≤ 1.3"
        ),
        summary_line(
            f"attention fwd+bwd n={n_att}", "PyTorch CPU", {"sdpa": t_att / p_att}, "≤ 1.5"
        ),
        summary_line(
            f"MultiHeadAttention fwd+bwd n={n_att}", "PyTorch CPU", {"mha": t_mha / p_mha}, "—"
        ),
    ]
    print("\n".join(summaries))
    body += "\n\n" + "\n".join(summaries)
    if not args.no_record:
        with threadpool_limits(args.threads):  # so the recorded BLAS line shows the limit
            record("neural", "Neural networks: linml.neural vs PyTorch CPU", body)


if __name__ == "__main__":
    main()
