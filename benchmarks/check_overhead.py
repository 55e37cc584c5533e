"""How long check() itself takes on a module's tasks, excluding the learner's own run time.

    .venv/bin/python benchmarks/check_overhead.py [--repeats 20] [--module warmup]

Each task is checked with its reference solution as the learner's function; the checker's
own time is the report's total time minus the time spent inside the learner's calls.
The first call of each task (cold: cases and reference results are computed) is shown apart.
"""

from __future__ import annotations

import argparse
import statistics
import time

from checker import check, reference, tasks


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument("--module", default="warmup")
    args = parser.parse_args()

    rows, overheads = [], []
    for task_id in [t for t in tasks() if t.startswith(args.module + ".")]:
        module, function = task_id.split(".")
        # the unwrapped reference: the wrapped one reports that a learner called the reference
        guarded = getattr(getattr(reference, module), function)
        fn = getattr(guarded, "__wrapped__", guarded)
        cold = check(task_id, fn)
        assert cold.passed, cold.text()
        warm = []
        for _ in range(args.repeats):
            report = check(task_id, fn)
            warm.append(report.seconds - report.learner_seconds)
        overheads += warm
        rows.append((task_id, (cold.seconds - cold.learner_seconds) * 1e3, statistics.median(warm) * 1e3, max(warm) * 1e3,
                     report.learner_seconds * 1e3))
    print(f"{'task':32} {'cold ms':>9} {'median ms':>10} {'worst ms':>9} {'learner ms':>11}")
    for task_id, cold_ms, median_ms, worst_ms, learner_ms in rows:
        print(f"{task_id:32} {cold_ms:9.2f} {median_ms:10.2f} {worst_ms:9.2f} {learner_ms:11.2f}")
    print(f"all warm checks: median {statistics.median(overheads) * 1e3:.2f} ms, worst {max(overheads) * 1e3:.2f} ms "
          f"({len(overheads)} checks)")


if __name__ == "__main__":
    start = time.perf_counter()
    main()
    print(f"total {time.perf_counter() - start:.1f} s")
