"""Notebook 08 (CNN arithmetic): the reference, the task specs and their diagnoses.

Every task gets a table of realistic wrong implementations, each of which must fail with the
cause named (a ``known_mistake`` whose message says what went wrong, or the engine's own code),
and at least two differently written correct implementations that must pass with ``ok`` only,
for the practice seed and for other seeds. PyTorch is the independent oracle for output sizes
(``nn.Conv2d``/``nn.MaxPool2d`` on real tensors) and parameter counts (the networks rebuilt in
plain ``torch.nn``).
"""

import math

import numpy as np
import pytest

import checker.reference.shapes as ref
from catalogue import Right, Wrong, diagnosed, passes, right_rows, wrong_rows
from checker import check, widgets
from checker.topics import shapes as task_module

torch = pytest.importorskip("torch")
nn = torch.nn


# =========================================================================== correct implementations
def conv_output_size_cs231n(n, f, p, s, d=1):
    """As the CS231n notes write it, with the dilated kernel size put in."""
    f_eff = (f - 1) * d + 1
    return int((n - f_eff + 2 * p) / s) + 1


def conv_output_size_floor(n, f, p, s, d=1):
    return math.floor((n + 2 * p - d * (f - 1) - 1) / s) + 1


def conv_output_size_count(n, f, p, s, d=1):
    """Count the window positions one by one."""
    span, padded = d * (f - 1) + 1, n + 2 * p
    return float(len(range(0, padded - span + 1, s)))


def same_padding_int(f):
    return (f - 1) // 2


def same_padding_half(f):
    return int((f - 1) / 2)


def same_padding_floor_half(f):
    return f // 2  # the same for the odd kernels same padding is defined for


def conv_params_formula(f, c_in, c_out, bias=True):
    return (f * f * c_in + (1 if bias else 0)) * c_out


def conv_params_shapes(f, c_in, c_out, bias=True):
    """Count the entries of the arrays the layer would hold: w (F, C, HH, WW) and b (F,)."""
    w = np.zeros((c_out, c_in, f, f))
    b = np.zeros(c_out) if bias else np.zeros(0)
    return w.size + b.size


def pool_output_size_cs231n(n, f, s, p=0):
    return 1 + (n + 2 * p - f) // s


def pool_output_size_count(n, f, s, p=0):
    return sum(1 for start in range(0, n + 2 * p, s) if start + f <= n + 2 * p)


def receptive_field_forward(layers):
    r, jump = 1, 1
    for layer in layers:
        f, s = layer[0], layer[1]
        d = layer[2] if len(layer) > 2 else 1
        r += d * (f - 1) * jump
        jump *= s
    return r


def receptive_field_backward(layers):
    """From the top: one unit; a layer below needs s * (r - 1) + span of its input."""
    r = 1
    for layer in reversed(layers):
        f, s, *rest = layer
        d = rest[0] if rest else 1
        r = s * (r - 1) + d * (f - 1) + 1
    return r


def conv_mult_adds_formula(h, w, f, c_in, c_out, p=0, s=1):
    h_out = (h + 2 * p - f) // s + 1
    w_out = (w + 2 * p - f) // s + 1
    return h_out * w_out * c_out * f * f * c_in


def conv_mult_adds_numpy(h, w, f, c_in, c_out, p=0, s=1):
    """The number of entries of the (positions, f*f*c_in) x (f*f*c_in, c_out) product of im2col."""
    rows = len(range(0, h + 2 * p - f + 1, s)) * len(range(0, w + 2 * p - f + 1, s))
    return np.int64(rows) * (f * f * c_in) * c_out


def summarize_loop(layers, input_shape, bn_params=2, shortcut=True, ceil=True, dilation=True, pool_stride=None):
    """Every row type; blocks summed by a recursive call on their inner layers. The keywords make the
    wrong versions below (a TA's list of the usual slips on the larger networks)."""
    options = dict(bn_params=bn_params, shortcut=shortcut, ceil=ceil, dilation=dilation, pool_stride=pool_stride)
    shape = tuple(input_shape)
    rows = []
    for layer in layers:
        kind = layer["type"]
        params = mult_adds = 0
        if kind in ("conv", "pool"):
            c, h, w = shape
            f, p = layer["f"], layer.get("p", 0)
            s = layer.get("s", 1) if kind == "conv" else layer.get("s", pool_stride or f)
            k = (f - 1) * (layer.get("d", 1) if dilation else 1) + 1
            sizes = [(n + 2 * p - k) // s + 1 for n in (h, w)]
            if kind == "pool" and layer.get("ceil") and ceil:
                sizes = [math.ceil((n + 2 * p - k) / s) + 1 for n in (h, w)]
                sizes = [m - 1 if (m - 1) * s >= n + p else m for m, n in zip(sizes, (h, w))]
            if kind == "conv":
                params = (f * f * c + (1 if layer.get("bias", True) else 0)) * layer["c_out"]
                mult_adds = sizes[0] * sizes[1] * layer["c_out"] * f * f * c
                c = layer["c_out"]
            shape = (c, *sizes)
        elif kind == "flatten":
            shape = (int(np.prod(shape)),)
        elif kind == "fc":
            params = (shape[0] + (1 if layer.get("bias", True) else 0)) * layer["units"]
            mult_adds = shape[0] * layer["units"]
            shape = (layer["units"],)
        elif kind == "bn":
            params = bn_params * shape[0]
        elif kind == "gap":
            shape = (shape[0],)
        elif kind == "concat":
            tables = [summarize_loop(branch, shape, **options) for branch in layer["branches"]]
            shape = (sum(t[-1]["output_shape"][0] for t in tables), *tables[0][-1]["output_shape"][1:])
            params = sum(r["params"] for t in tables for r in t)
            mult_adds = sum(r["mult_adds"] for t in tables for r in t)
        elif kind == "residual":
            inner = summarize_loop(layer["body"], shape, **options)
            inner += summarize_loop(layer.get("shortcut", []), shape, **options) if shortcut else []
            shape = inner[0 if not layer["body"] else len(layer["body"]) - 1]["output_shape"] if layer["body"] else shape
            params, mult_adds = sum(r["params"] for r in inner), sum(r["mult_adds"] for r in inner)
        rows.append({"type": kind, "output_shape": shape, "params": params, "mult_adds": mult_adds})
    return rows


def summarize_with_functions(layers, input_shape):
    """Built from the learner's other functions (here: the correct ones above), lists for shapes."""
    out, rows = list(input_shape), []
    for layer in layers:
        row = {"type": layer["type"], "params": 0, "mult_adds": 0}
        if layer["type"] == "conv" and layer.get("d", 1) == 1:
            f, s, p = layer["f"], layer.get("s", 1), layer.get("p", 0)
            row["params"] = conv_params_formula(f, out[0], layer["c_out"], layer.get("bias", True))
            row["mult_adds"] = conv_mult_adds_formula(out[1], out[2], f, out[0], layer["c_out"], p, s)
            out = [layer["c_out"], conv_output_size_floor(out[1], f, p, s), conv_output_size_floor(out[2], f, p, s)]
        elif layer["type"] == "pool" and not (layer.get("p") or layer.get("ceil")):
            s = layer.get("s", layer["f"])
            out = [out[0], pool_output_size_cs231n(out[1], layer["f"], s), pool_output_size_cs231n(out[2], layer["f"], s)]
        elif layer["type"] == "flatten":
            out = [math.prod(out)]
        elif layer["type"] == "fc":
            row["params"] = out[0] * layer["units"] + (layer["units"] if layer.get("bias", True) else 0)
            row["mult_adds"] = out[0] * layer["units"]
            out = [layer["units"]]
        else:  # the layer types of the larger networks: the other implementation's row
            other = summarize_loop([layer], out)[0]
            row.update(params=other["params"], mult_adds=other["mult_adds"])
            out = list(other["output_shape"])
        row["output_shape"] = list(out)
        rows.append(row)
    return rows


RIGHT = [
    Right("shapes.conv_output_size", conv_output_size_cs231n),
    Right("shapes.conv_output_size", conv_output_size_floor),
    Right("shapes.conv_output_size", conv_output_size_count),
    Right("shapes.same_padding", same_padding_int),
    Right("shapes.same_padding", same_padding_half),
    Right("shapes.same_padding", same_padding_floor_half),
    Right("shapes.conv_params", conv_params_formula),
    Right("shapes.conv_params", conv_params_shapes),
    Right("shapes.pool_output_size", pool_output_size_cs231n),
    Right("shapes.pool_output_size", pool_output_size_count),
    Right("shapes.receptive_field", receptive_field_forward),
    Right("shapes.receptive_field", receptive_field_backward),
    Right("shapes.conv_mult_adds", conv_mult_adds_formula),
    Right("shapes.conv_mult_adds", conv_mult_adds_numpy),
    Right("shapes.summarize", summarize_loop),
    Right("shapes.summarize", summarize_with_functions),
]


# =========================================================================== wrong implementations
def _out(n, f, p, s, d=1):
    return (n + 2 * p - d * (f - 1) - 1) // s + 1


def named(task_id, fn, words):
    """A wrong row whose cause is named: a known_mistake saying ``words``, and no case left unexplained.

    Where two mistakes give the same number the finding is named after the first one listed (the 280
    example, 3 x 3 x 3 filters: forgetting c_in and writing f instead of f * f both give 100), so one
    finding saying the words is enough."""
    return Wrong(task_id, fn, "known_mistake", says=words, without=("mismatch",))


WRONG = [
    # conv_output_size
    named("shapes.conv_output_size", lambda n, f, p, s, d=1: (n + 2 * p - d * (f - 1) - 1) / s + 1, "no floor"),
    named("shapes.conv_output_size", lambda n, f, p, s, d=1: -(-(n + 2 * p - d * (f - 1) - 1) // s) + 1, "ceil"),
    named("shapes.conv_output_size", lambda n, f, p, s, d=1: (n + 2 * p - d * (f - 1) - 1) // s, "+ 1 is missing"),
    named("shapes.conv_output_size", lambda n, f, p, s, d=1: (n + p - d * (f - 1) - 1) // s + 1, "padding is counted once"),
    named("shapes.conv_output_size", lambda n, f, p, s, d=1: (n + 2 * p - f) // s + 1, "dilation is ignored"),
    named("shapes.conv_output_size", lambda n, f, p, s, d=1: (n + 2 * p - d * f) // s + 1, "d * f"),
    named("shapes.conv_output_size", lambda n, f, p, s, d=1: n + 2 * p - d * (f - 1), "stride is ignored"),
    Wrong("shapes.conv_output_size", lambda n, f, p, s, d=1: str(_out(n, f, p, s, d)), "wrong_type"),
    # same_padding
    named("shapes.same_padding", lambda f: (f + 1) / 2, "(f + 1) / 2"),
    named("shapes.same_padding", lambda f: (f + 1) // 2, "(f + 1) / 2"),
    named("shapes.same_padding", lambda f: f / 2, "f / 2"),
    named("shapes.same_padding", lambda f: f - 1, "both sides"),
    named("shapes.same_padding", lambda f: 0, "valid"),
    Wrong("shapes.same_padding", lambda f: f, "mismatch"),
    # conv_params
    named("shapes.conv_params", lambda f, c_in, c_out, bias=True: f * f * c_in * c_out, "bias is forgotten"),
    named("shapes.conv_params", lambda f, c_in, c_out, bias=True: (f * f * c_in + 1) * c_out, "bias=False"),
    named("shapes.conv_params", lambda f, c_in, c_out, bias=True: (f * f + bias) * c_out, "input channels"),
    named("shapes.conv_params", lambda f, c_in, c_out, bias=True: (f * f + bias) * c_in * c_out, "per input channel"),
    named("shapes.conv_params", lambda f, c_in, c_out, bias=True: f * f * c_in * c_out + bias, "single bias"),
    named("shapes.conv_params", lambda f, c_in, c_out, bias=True: (f * c_in + bias) * c_out, "f weights"),
    named("shapes.conv_params", lambda f, c_in, c_out, bias=True: f * f * c_in + bias, "number of filters"),
    # pool_output_size
    named("shapes.pool_output_size", lambda n, f, s: (n - f) / s + 1, "no floor"),
    named("shapes.pool_output_size", lambda n, f, s: math.ceil((n - f) / s) + 1, "ceil"),
    named("shapes.pool_output_size", lambda n, f, s: (n - f) // s, "+ 1 is missing"),
    named("shapes.pool_output_size", lambda n, f, s: n // s, "n / s"),
    named("shapes.pool_output_size", lambda n, f, s: n // f, "n / f"),
    named("shapes.pool_output_size", lambda n, f, s: n - f + 1, "stride is ignored"),
    # receptive_field
    named("shapes.receptive_field", lambda layers: 1 + sum((l[2] if len(l) > 2 else 1) * (l[0] - 1) for l in layers),
          "strides are ignored"),
    named("shapes.receptive_field", lambda layers: task_module._rf(layers, jump_first=True), "too early"),
    named("shapes.receptive_field", lambda layers: task_module._rf(layers, own_stride=True), "its own stride"),
    named("shapes.receptive_field", lambda layers: receptive_field_forward([l[:2] for l in layers]), "dilation is ignored"),
    named("shapes.receptive_field", lambda layers: 1 + sum((l[2] if len(l) > 2 else 1) * l[0] * math.prod(m[1] for m in layers[:i])
                                                      for i, l in enumerate(layers)), "f instead of f - 1"),
    Wrong("shapes.receptive_field", lambda layers: math.prod(l[0] for l in layers), "mismatch"),
    # conv_mult_adds
    named("shapes.conv_mult_adds", lambda h, w, f, c_in, c_out, p=0, s=1: h * w * c_out * f * f * c_in, "input size"),
    named("shapes.conv_mult_adds", lambda h, w, f, c_in, c_out, p=0, s=1: conv_mult_adds_formula(h, w, f, 1, c_out, p, s),
          "input channels"),
    named("shapes.conv_mult_adds", lambda h, w, f, c_in, c_out, p=0, s=1: conv_mult_adds_formula(h, w, f, c_in, 1, p, s),
          "number of filters"),
    named("shapes.conv_mult_adds", lambda h, w, f, c_in, c_out, p=0, s=1: conv_mult_adds_formula(h, w, f, c_in, c_out, p, s) // f,
          "f weights"),
    named("shapes.conv_mult_adds", lambda h, w, f, c_in, c_out, p=0, s=1:
     conv_mult_adds_formula(h, w, f, c_in, c_out, p, s) // (f * f * c_in) * (f * f * c_in + 1), "bias"),
    named("shapes.conv_mult_adds", lambda h, w, f, c_in, c_out, p=0, s=1: ((h + 2 * p - f) // s + 1) ** 2 * c_out * f * f * c_in,
          "square"),
    # summarize
    named("shapes.summarize", lambda layers, shape: task_module._summary(layers, shape, conv_bias=False),
          "conv layers' biases"),
    named("shapes.summarize", lambda layers, shape: task_module._summary(layers, shape, bias_flag=False), "\"bias\": False"),
    named("shapes.summarize", lambda layers, shape: task_module._summary(layers, shape, fc_bias=False), "fc layers' biases"),
    named("shapes.summarize", lambda layers, shape: task_module._summary(layers, shape, channels=False), "input channels"),
    named("shapes.summarize", lambda layers, shape: task_module._summary(layers, shape, hwc=True), "(H, W, C)"),
    named("shapes.summarize", lambda layers, shape: task_module._summary(layers, shape, mult_adds_on_input=True),
          "INPUT grid"),
    named("shapes.summarize", lambda layers, shape: task_module._summary(layers, shape, floor=False), "floored"),
    named("shapes.summarize", lambda layers, shape: summarize_loop(layers, shape, bn_params=4), "running statistics"),
    named("shapes.summarize", lambda layers, shape: summarize_loop(layers, shape, bn_params=0), "no parameters"),
    named("shapes.summarize", lambda layers, shape: summarize_loop(layers, shape, shortcut=False), "shortcut"),
    named("shapes.summarize", lambda layers, shape: summarize_loop(layers, shape, ceil=False), "ceil"),
    named("shapes.summarize", lambda layers, shape: summarize_loop(layers, shape, dilation=False), "dilation"),
    named("shapes.summarize", lambda layers, shape: summarize_loop(layers, shape, pool_stride=1), "stride 1"),
    Wrong("shapes.summarize", lambda layers, shape: [(r["type"], r["output_shape"], r["params"]) for r in summarize_loop(layers, shape)],
     "wrong_type"),
]


@right_rows(RIGHT)
def test_right_implementation_passes(row, seed):
    passes(row, seed)


@wrong_rows(WRONG)
def test_wrong_implementation_is_diagnosed(row, seed):
    diagnosed(row, seed)


def test_every_known_mistake_differs_from_the_reference_on_some_case():
    """Each declared KnownMistake differs from the reference on some case (else it could never fire)."""
    for task in task_module.TASKS:
        cases = task.make_cases()
        for mistake in task.mistakes:
            differs = False
            for case in cases:
                expected = task.call(task.reference, case)[0]
                wrong = task.call(mistake.implementation, case)[0]
                differs |= wrong != expected
            assert differs, f"{task.id}: the mistake {mistake.name[0]!r} equals the reference on every case"


def test_known_mistakes_have_english_and_chinese_text():
    for task in task_module.TASKS:
        for mistake in task.mistakes:
            assert isinstance(mistake.name, tuple) and len(mistake.name) == 2 and all(mistake.name)
            assert isinstance(mistake.hint, tuple) and len(mistake.hint) == 2 and all(mistake.hint)
        for case in task.make_cases():
            assert isinstance(case.label, tuple) and len(case.label) == 2


def test_chinese_messages():
    import checker

    checker.set_language("zh")
    try:
        report = check("shapes.same_padding", lambda f: (f + 1) / 2)
        assert any("笔记" in f.message for f in report.findings if f.code == "known_mistake"), report.text()
    finally:
        checker.set_language("en")


# =========================================================================== the cases
@pytest.mark.parametrize("seed", [231, 0, 12345])
def test_size_cases_include_uneven_strides_dilation_and_padding(seed):
    conv = task_module.TASKS[0].make_cases(seed)
    named = [dict(zip("nfps", c.args), d=c.kwargs.get("d", 1)) for c in conv]
    assert any((x["n"] + 2 * x["p"] - x["d"] * (x["f"] - 1) - 1) % x["s"] for x in named), "no uneven stride"
    assert any(x["d"] > 1 for x in named) and any(x["p"] == 0 for x in named) and any(x["s"] > 1 for x in named)
    mult = task_module.TASKS[5].make_cases(seed)
    assert any(c.args[0] != c.args[1] for c in mult), "no non-square input"


def test_summarize_cases_hold_the_flatten_sizes_the_notes_get_wrong():
    cases = {c.label[0]: c for c in task_module.TASKS[6].make_cases()}
    alex = ref.summarize(*cases["AlexNet as published, 3 x 227 x 227"].args)
    vgg = ref.summarize(*cases["VGG16, 3 x 224 x 224"].args)
    assert [r["output_shape"] for r in alex if r["type"] == "flatten"] == [(9216,)]
    assert [r["output_shape"] for r in vgg if r["type"] == "flatten"] == [(25088,)]


# =========================================================================== the reference: bad input
@pytest.mark.parametrize("call, words", [
    (lambda: ref.conv_output_size(3, 5, 0, 1), "larger than the padded input"),
    (lambda: ref.conv_output_size(5, 3, 0, 1, d=3), "dilated to 7"),
    (lambda: ref.conv_output_size(8, 3, 0, 0), "s must be positive"),
    (lambda: ref.conv_output_size(8, 3, 0, -2), "s must be positive"),
    (lambda: ref.conv_output_size(8.5, 3, 0, 1), "n must be an integer"),
    (lambda: ref.conv_output_size(8, 3, -1, 1), "p must be zero or positive"),
    (lambda: ref.conv_output_size(True, 3, 0, 1), "n must be an integer"),
    (lambda: ref.same_padding(4), "odd kernel"),
    (lambda: ref.same_padding(0), "f must be positive"),
    (lambda: ref.conv_params(3.0, 3, 10), "f must be an integer"),
    (lambda: ref.pool_output_size(2, 3, 2), "larger than the padded input"),
    (lambda: ref.pool_output_size(8, 2, 0), "s must be positive"),
    (lambda: ref.receptive_field([(3, 1), (3,)]), "layers[1]"),
    (lambda: ref.receptive_field([(3, 0)]), "s must be positive"),
    (lambda: ref.conv_mult_adds(4, 10, 5, 3, 8), "height"),
    (lambda: ref.summarize([{"type": "conv", "f": 5, "c_out": 2}], (1, 3, 3)), "layers[0]"),
    (lambda: ref.summarize([{"type": "fc", "units": 3}], (1, 3, 3)), "add a flatten"),
    (lambda: ref.summarize([{"type": "dense", "units": 3}], (4,)), "unknown type 'dense'"),
    (lambda: ref.summarize([{"type": "conv", "c_out": 2}], (1, 8, 8)), "needs the key 'f'"),
    (lambda: ref.summarize([{"type": "flatten"}, {"type": "conv", "f": 1, "c_out": 2}], (1, 8, 8)), "flatten come too early"),
])
def test_reference_rejects_bad_input_with_a_clear_message(call, words):
    with pytest.raises(ValueError) as info:
        call()
    assert words in str(info.value), str(info.value)


# =========================================================================== PyTorch as the oracle
@pytest.mark.parametrize("seed", range(6))
def test_output_sizes_agree_with_pytorch(seed):
    rng = np.random.default_rng(seed)
    for _ in range(25):
        n, f, p = int(rng.integers(1, 30)), int(rng.integers(1, 8)), int(rng.integers(0, 4))
        s, d = int(rng.integers(1, 5)), int(rng.integers(1, 4))
        x = torch.zeros(1, 1, n, n + 3)
        try:
            want = nn.Conv2d(1, 1, f, stride=s, padding=p, dilation=d)(x).shape[-2:]
        except RuntimeError:
            with pytest.raises(ValueError):
                ref.conv_output_size(n, f, p, s, d)
            continue
        assert ref.conv_output_size(n, f, p, s, d) == want[0]
        assert ref.conv_output_size(n + 3, f, p, s, d) == want[1]
        if f <= n:
            assert ref.pool_output_size(n, f, s) == nn.MaxPool2d(f, stride=s)(x).shape[-2]


def test_receptive_field_agrees_with_pytorch_gradients():
    """The receptive field is where the gradient of one output unit is non-zero on the input."""
    stacks = [[(3, 1), (3, 1), (3, 1)], [(5, 1), (2, 2), (5, 1), (2, 2)], [(3, 2), (3, 1, 2), (5, 1)],
              [(3, 1, 1), (3, 1, 2), (3, 1, 4)], [(7, 2), (3, 2), (3, 1)]]
    for stack in stacks:
        layers = [nn.Conv2d(1, 1, l[0], stride=l[1], dilation=l[2] if len(l) > 2 else 1, bias=False) for l in stack]
        for layer in layers:
            nn.init.constant_(layer.weight, 1.0)
        x = torch.ones(1, 1, 80, 80, requires_grad=True)
        out = nn.Sequential(*layers)(x)
        out[0, 0, out.shape[2] // 2, out.shape[3] // 2].backward()
        rows = torch.nonzero(x.grad[0, 0].abs().sum(dim=1))
        assert ref.receptive_field(stack) == int(rows.max() - rows.min() + 1), stack


def test_conv_params_and_mult_adds_agree_with_pytorch():
    rng = np.random.default_rng(3)
    for _ in range(20):
        f, c_in, c_out = int(rng.integers(1, 6)), int(rng.integers(1, 9)), int(rng.integers(1, 9))
        h, w, p, s = int(rng.integers(f, 20)), int(rng.integers(f, 20)), int(rng.integers(0, 3)), int(rng.integers(1, 3))
        bias = bool(rng.integers(0, 2))
        conv = nn.Conv2d(c_in, c_out, f, stride=s, padding=p, bias=bias)
        assert ref.conv_params(f, c_in, c_out, bias) == sum(t.numel() for t in conv.parameters())
        out = conv(torch.zeros(1, c_in, h, w))
        assert ref.conv_mult_adds(h, w, f, c_in, c_out, p, s) == out.numel() * conv.weight[0].numel()


def _torch_from_layers(layers, c):
    """A plain torch.nn model built from our layer dicts (conv, pool, flatten, fc, bn, relu, gap,
    concat, residual): an independent count of what summarize computes."""
    class Concat(nn.Module):
        def __init__(self, branches):
            super().__init__()
            self.branches = nn.ModuleList(branches)

        def forward(self, x):
            return torch.cat([b(x) for b in self.branches], dim=1)

    class Residual(nn.Module):
        def __init__(self, body, shortcut):
            super().__init__()
            self.body, self.shortcut = body, shortcut

        def forward(self, x):
            return self.body(x) + self.shortcut(x)

    modules, features = [], None
    for layer in layers:
        kind = layer["type"]
        if kind == "conv":
            modules.append(nn.Conv2d(c, layer["c_out"], layer["f"], stride=layer.get("s", 1), padding=layer.get("p", 0),
                                     bias=layer.get("bias", True)))
            c = layer["c_out"]
        elif kind == "pool":
            modules.append(nn.MaxPool2d(layer["f"], stride=layer.get("s", layer["f"]), padding=layer.get("p", 0),
                                        ceil_mode=layer.get("ceil", False)))
        elif kind == "bn":
            modules.append(nn.BatchNorm2d(c))
        elif kind in ("relu", "dropout", "lrn"):
            modules.append(nn.Identity())
        elif kind == "gap":
            modules += [nn.AdaptiveAvgPool2d(1), nn.Flatten()]
            features = c
        elif kind == "flatten":
            modules.append(nn.Flatten())
            features = "lazy"
        elif kind == "fc":
            modules.append(nn.LazyLinear(layer["units"]) if features == "lazy" else nn.Linear(features, layer["units"]))
            features = layer["units"]
        elif kind == "concat":
            branches = [_torch_from_layers(b, c) for b in layer["branches"]]
            modules.append(Concat([b[0] for b in branches]))
            c = sum(b[1] for b in branches)
        elif kind == "residual":
            body, c_body = _torch_from_layers(layer["body"], c)
            shortcut, _ = _torch_from_layers(layer["shortcut"], c) if layer["shortcut"] else (nn.Identity(), c)
            modules.append(Residual(body, shortcut))
            c = c_body
    return nn.Sequential(*modules), c


@pytest.mark.parametrize("name", list(widgets.ARCHITECTURES))
def test_architecture_totals_agree_with_pytorch_and_the_published_counts(name):
    layers, shape = widgets.architecture(name)
    rows = ref.summarize(layers, shape)
    model, _ = _torch_from_layers(layers, shape[0])
    macs = []

    def count(module, inputs, output):
        if isinstance(module, nn.Conv2d):
            macs.append(output.numel() * module.weight[0].numel())
        elif isinstance(module, nn.Linear):
            macs.append(module.in_features * module.out_features)

    for module in model.modules():
        module.register_forward_hook(count)
    with torch.no_grad():
        out = model(torch.zeros(1, *shape))
    torch_params = sum(t.numel() for t in model.parameters())
    assert sum(r["params"] for r in rows) == torch_params
    assert sum(r["mult_adds"] for r in rows) == sum(macs)
    assert tuple(out.shape[1:]) == tuple(rows[-1]["output_shape"])
    if name in widgets.PUBLISHED_PARAMS:
        assert torch_params == widgets.PUBLISHED_PARAMS[name], f"{name}: {torch_params:,} != published"


def test_lenet_alexnet_vgg_layer_shapes():
    def shapes(name):
        return [r["output_shape"] for r in ref.summarize(*widgets.architecture(name))]

    assert shapes("LeNet-5")[:5] == [(6, 28, 28), (6, 14, 14), (16, 10, 10), (16, 5, 5), (400,)]
    assert shapes("AlexNet (published)")[:2] == [(96, 55, 55), (96, 27, 27)]
    assert (9216,) in shapes("AlexNet (published)") and (9216,) in shapes("AlexNet (torchvision)")
    assert (25088,) in shapes("VGG16")
    assert (4096,) not in shapes("VGG16")[:-3]  # 4096 is the width of the fc layers, not the flatten size


def test_inception_bottleneck_savings():
    direct = ref.conv_mult_adds(28, 28, 5, 192, 32, p=2)
    bottleneck = ref.conv_mult_adds(28, 28, 1, 192, 16) + ref.conv_mult_adds(28, 28, 5, 16, 32, p=2)
    assert direct == 28 * 28 * 32 * (5 * 5 * 192) and round(direct / 1e6, 1) == 120.4
    assert bottleneck == 28 * 28 * 16 * 192 + 28 * 28 * 32 * (5 * 5 * 16) and round(bottleneck / 1e6, 1) == 12.4
    assert round(direct / bottleneck, 1) == 9.7


# =========================================================================== hand-written PyTorch networks
def _torch_lenet5():
    return nn.Sequential(nn.Conv2d(1, 6, 5), nn.Tanh(), nn.AvgPool2d(2), nn.Conv2d(6, 16, 5), nn.Tanh(), nn.AvgPool2d(2),
                         nn.Flatten(), nn.Linear(400, 120), nn.Tanh(), nn.Linear(120, 84), nn.Tanh(), nn.Linear(84, 10))


def _torch_alexnet_published():
    return nn.Sequential(
        nn.Conv2d(3, 96, 11, stride=4), nn.ReLU(), nn.MaxPool2d(3, 2),
        nn.Conv2d(96, 256, 5, padding=2), nn.ReLU(), nn.MaxPool2d(3, 2),
        nn.Conv2d(256, 384, 3, padding=1), nn.ReLU(), nn.Conv2d(384, 384, 3, padding=1), nn.ReLU(),
        nn.Conv2d(384, 256, 3, padding=1), nn.ReLU(), nn.MaxPool2d(3, 2), nn.Flatten(),
        nn.Linear(9216, 4096), nn.ReLU(), nn.Linear(4096, 4096), nn.ReLU(), nn.Linear(4096, 1000))


def _torch_vgg16():
    layers, c = [], 3
    for v in [64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512, "M"]:
        if v == "M":
            layers.append(nn.MaxPool2d(2, 2))
        else:
            layers += [nn.Conv2d(c, v, 3, padding=1), nn.ReLU()]
            c = v
    return nn.Sequential(*layers, nn.Flatten(), nn.Linear(25088, 4096), nn.ReLU(), nn.Linear(4096, 4096), nn.ReLU(),
                         nn.Linear(4096, 1000))


class _Bottleneck(nn.Module):
    def __init__(self, c_in, width, stride):
        super().__init__()
        self.conv1, self.bn1 = nn.Conv2d(c_in, width, 1, bias=False), nn.BatchNorm2d(width)
        self.conv2, self.bn2 = nn.Conv2d(width, width, 3, stride, 1, bias=False), nn.BatchNorm2d(width)
        self.conv3, self.bn3 = nn.Conv2d(width, 4 * width, 1, bias=False), nn.BatchNorm2d(4 * width)
        self.down = None
        if stride != 1 or c_in != 4 * width:
            self.down = nn.Sequential(nn.Conv2d(c_in, 4 * width, 1, stride, bias=False), nn.BatchNorm2d(4 * width))

    def forward(self, x):
        out = torch.relu(self.bn1(self.conv1(x)))
        out = torch.relu(self.bn2(self.conv2(out)))
        out = self.bn3(self.conv3(out))
        return torch.relu(out + (x if self.down is None else self.down(x)))


def _torch_resnet50():
    blocks, c = [], 64
    for width, repeat, stride in [(64, 3, 1), (128, 4, 2), (256, 6, 2), (512, 3, 2)]:
        for i in range(repeat):
            blocks.append(_Bottleneck(c, width, stride if i == 0 else 1))
            c = 4 * width
    return nn.Sequential(nn.Conv2d(3, 64, 7, 2, 3, bias=False), nn.BatchNorm2d(64), nn.ReLU(), nn.MaxPool2d(3, 2, 1),
                         *blocks, nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(2048, 1000))


@pytest.mark.parametrize("name, build", [("LeNet-5", _torch_lenet5), ("AlexNet (published)", _torch_alexnet_published),
                                         ("VGG16", _torch_vgg16), ("ResNet-50", _torch_resnet50)])
def test_handwritten_pytorch_networks_match_summarize(name, build):
    """Networks written directly in torch.nn (not built from our layer dicts): parameter totals, and for the
    plain stacks the shape after every conv, pool, flatten and fc layer."""
    model = build()
    layers, shape = widgets.architecture(name)
    rows = ref.summarize(layers, shape)
    assert sum(r["params"] for r in rows) == sum(t.numel() for t in model.parameters()) == widgets.PUBLISHED_PARAMS[name]
    if name == "ResNet-50":
        return
    shapes, x = [], torch.zeros(1, *shape)
    with torch.no_grad():
        for module in model:
            x = module(x)
            if isinstance(module, (nn.Conv2d, nn.MaxPool2d, nn.AvgPool2d, nn.Flatten, nn.Linear)):
                shapes.append(tuple(x.shape[1:]))
    assert shapes == [r["output_shape"] for r in rows]


@pytest.mark.parametrize("seed", [231, 5])
def test_cases_and_results_survive_the_grading_wire(seed):
    """The trusted grader sends each case to the worker and gets the result back as plain data."""
    wire = pytest.importorskip("checker.grading.wire")
    for task in task_module.TASKS:
        for case in task.make_cases(seed):
            args, kwargs = wire.decode(wire.encode([list(case.args), case.kwargs]))
            assert args == list(case.args) and kwargs == case.kwargs, (task.id, case.label)
            result = task.call(task.reference, case)[0]
            assert wire.decode(wire.encode(result)) == result, (task.id, case.label)
