"""The reference fast convolution against the naive one and against PyTorch's CPU convolution.

    .venv/bin/python benchmarks/conv_speed.py [--repeats 7] [--naive-images 4]

For each shape the three are timed side by side in this one process, forward alone and forward plus
backward, all in float64 (PyTorch's tensors too), with the best of ``--repeats`` runs. The naive
layers run on the first ``--naive-images`` images only and are scaled to the batch (their time is
linear in N). PyTorch is optional: without it the torch columns are left out. The course's target is
a fast/torch ratio within 3 on every shape.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from checker.reference import conv as ref

# label, x shape, w shape, stride, pad
SHAPES = [
    ("CS231n's comparison", (100, 3, 31, 31), (25, 3, 3, 3), 2, 1),
    ("digits batch, 32 filters", (64, 1, 8, 8), (32, 1, 3, 3), 1, 1),
    ("16 -> 32 channels, 16 x 16", (64, 16, 16, 16), (32, 16, 3, 3), 1, 1),
    ("5 x 5 kernel, 32 x 32", (32, 3, 32, 32), (16, 3, 5, 5), 1, 2),
    ("1 x 1 kernel (pointwise)", (32, 64, 8, 8), (64, 64, 1, 1), 1, 0),
]


def best(fn, repeats):
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def numpy_times(forward, backward, x, w, b, conv_param, dout, repeats):
    forward_only = best(lambda: forward(x, w, b, conv_param), repeats)
    both = best(lambda: backward(dout, forward(x, w, b, conv_param)[1]), repeats)
    return forward_only, both


def torch_times(torch, x, w, b, conv_param, dout, repeats):
    tx, tw, tb, tdout = (torch.tensor(a) for a in (x, w, b, dout))
    conv = torch.nn.functional.conv2d
    options = {"stride": conv_param["stride"], "padding": conv_param["pad"]}
    with torch.no_grad():
        forward_only = best(lambda: conv(tx, tw, tb, **options), repeats)

    def forward_backward():
        inputs = [t.detach().requires_grad_() for t in (tx, tw, tb)]
        conv(*inputs, **options).backward(tdout)

    return forward_only, best(forward_backward, repeats)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--naive-images", type=int, default=4)
    args = parser.parse_args()
    try:
        import torch
    except ImportError:
        torch = None
        print("PyTorch is not installed: the torch columns are left out")
    else:
        print(f"PyTorch {torch.__version__}, {torch.get_num_threads()} threads; NumPy {np.__version__}")

    fast = (ref.conv_forward_fast.__wrapped__, ref.conv_backward_fast.__wrapped__)
    naive = (ref.conv_forward_naive.__wrapped__, ref.conv_backward_naive.__wrapped__)
    rng = np.random.default_rng(0)
    header = f"{'shape':28} {'pass':9} {'naive ms':>10} {'fast ms':>9} {'fast/naive':>11}"
    header += f" {'torch ms':>9} {'fast/torch':>11}" if torch else ""
    print(header)
    worst = 0.0
    for label, x_shape, w_shape, stride, pad in SHAPES:
        x, w, b = rng.normal(size=x_shape), rng.normal(size=w_shape), rng.normal(size=w_shape[0])
        conv_param = {"stride": stride, "pad": pad}
        out, _ = fast[0](x, w, b, conv_param)
        dout = rng.normal(size=out.shape)
        k = min(args.naive_images, x_shape[0])
        scale = x_shape[0] / k
        naive_t = [t * scale for t in numpy_times(*naive, x[:k], w, b, conv_param, dout[:k], 1)]
        fast_t = numpy_times(*fast, x, w, b, conv_param, dout, args.repeats)
        torch_t = torch_times(torch, x, w, b, conv_param, dout, args.repeats) if torch else None
        for i, name in enumerate(("forward", "fwd+bwd")):
            row = f"{label:28} {name:9} {naive_t[i] * 1e3:10.1f} {fast_t[i] * 1e3:9.2f} {fast_t[i] / naive_t[i]:11.4f}"
            if torch:
                ratio = fast_t[i] / torch_t[i]
                worst = max(worst, ratio)
                row += f" {torch_t[i] * 1e3:9.2f} {ratio:11.2f}"
            print(row)
    if torch:
        print(f"worst fast/torch ratio {worst:.2f} (target: within 3)")


if __name__ == "__main__":
    start = time.perf_counter()
    main()
    print(f"total {time.perf_counter() - start:.1f} s")
