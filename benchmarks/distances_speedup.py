"""How much faster the loop-free kNN distances are than two Python loops (reference solutions).

    .venv/bin/python benchmarks/distances_speedup.py [--sizes 200x400 500x1000]

Prints the best of several runs for each implementation and the speed-up over two loops.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

import checker.reference.knn as ref
from checker.data import load_digits


def best_seconds(fn, A, B, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn(A, B)
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", nargs="+", default=["200x400", "500x1000"], help="test x train point counts")
    args = parser.parse_args()
    data = load_digits()
    X = np.concatenate([data.X_train, data.X_val, data.X_test]).astype(np.float64)
    ref.distances_no_loops(X[:10], X[:10])  # warm-up: BLAS starts its threads
    for size in args.sizes:
        n_test, n_train = (int(v) for v in size.split("x"))
        A, B = X[:n_test], X[-n_train:]
        two = best_seconds(ref.distances_two_loops, A, B, 1)
        one = best_seconds(ref.distances_one_loop, A, B, 3)
        none = best_seconds(ref.distances_no_loops, A, B, 30)
        print(f"{n_test} x {n_train} points, 64-D: two loops {two * 1e3:8.1f} ms, one loop {one * 1e3:7.1f} ms, "
              f"no loops {none * 1e3:6.2f} ms; no loops is {two / none:.0f}x faster than two loops, "
              f"{one / none:.1f}x faster than one loop")


if __name__ == "__main__":
    main()
