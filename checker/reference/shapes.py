"""Reference solutions for notebook 08, CNN arithmetic: output sizes, padding, parameters, cost.

Sizes are Python integers. A convolution with an ``f x f`` kernel, ``p`` pixels of zero padding on
every side, stride ``s`` and dilation ``d`` maps a side of ``n`` pixels to

    floor((n + 2p - d(f - 1) - 1) / s) + 1

pixels. Every function checks its arguments and raises ``ValueError`` with a message that says what is
wrong (a kernel larger than the padded input, a stride of 0, a size of 2.5, an even kernel for same
padding...).

Layer descriptions for ``summarize`` are dicts (see its docstring); a row of its table is the dict
``{"type", "output_shape", "params", "mult_adds"}``.
"""

import math
import numbers

from checker.reference import guard_module


# =========================================================================== argument checks
def _integer(name, value, minimum):
    """``value`` as an int, or a ValueError naming ``name`` (bools and floats are refused)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise ValueError(f"{name} must be an integer, got {value!r} ({type(value).__name__})")
    value = int(value)
    if value < minimum:
        words = {0: "zero or positive", 1: "positive (at least 1)"}.get(minimum, f"at least {minimum}")
        raise ValueError(f"{name} must be {words}, got {value}")
    return value


def _effective_kernel(f, d):
    """Span of a dilated kernel: f taps with d - 1 holes between neighbours."""
    return d * (f - 1) + 1


def _out_size(n, f, p, s, d, what="input"):
    """Output side of a convolution or pooling window (already checked integers)."""
    span = _effective_kernel(f, d)
    if span > n + 2 * p:
        dilated = f" (dilated to {span})" if d > 1 else ""
        raise ValueError(f"the kernel ({f}{dilated} pixels) is larger than the padded {what} "
                         f"({n} + 2*{p} = {n + 2 * p} pixels): there is no position for it")
    return (n + 2 * p - span) // s + 1


def _conv_params(f, c_in, c_out, bias):
    return (f * f * c_in + (1 if bias else 0)) * c_out


# =========================================================================== the graded functions
def conv_output_size(n, f, p, s, d=1):
    """Output side length of a convolution.

    Inputs:
    - n: int >= 1, input side (height or width) in pixels.
    - f: int >= 1, kernel side.
    - p: int >= 0, zero padding added on EACH side.
    - s: int >= 1, stride.
    - d: int >= 1, dilation (1: an ordinary kernel).
    Returns an int: floor((n + 2p - d(f - 1) - 1) / s) + 1.
    Raises ValueError for non-integer or out-of-range arguments and when the (dilated) kernel is
    larger than the padded input.
    """
    n, f, p = _integer("n", n, 1), _integer("f", f, 1), _integer("p", p, 0)
    s, d = _integer("s", s, 1), _integer("d", d, 1)
    return _out_size(n, f, p, s, d)


def same_padding(f):
    """Padding per side that keeps the size of a stride-1 convolution: (f - 1) / 2.

    Inputs:
    - f: odd int >= 1, kernel side.
    Returns an int. Raises ValueError for an even kernel (no symmetric padding keeps the size:
    it would need (f - 1) / 2, a half pixel, on each side).
    """
    f = _integer("f", f, 1)
    if f % 2 == 0:
        raise ValueError(f"same padding needs an odd kernel: f = {f} would need (f - 1) / 2 = {(f - 1) / 2} "
                         "pixels on each side")
    return (f - 1) // 2


def conv_params(f, c_in, c_out, bias=True):
    """Number of learnable parameters of a convolution layer.

    Inputs:
    - f: int >= 1, kernel side (an f x f kernel).
    - c_in: int >= 1, input channels (every filter spans all of them).
    - c_out: int >= 1, number of filters (output channels).
    - bias: bool, one bias per filter when True.
    Returns an int: (f * f * c_in + 1) * c_out with a bias, f * f * c_in * c_out without.
    """
    f, c_in, c_out = _integer("f", f, 1), _integer("c_in", c_in, 1), _integer("c_out", c_out, 1)
    return _conv_params(f, c_in, c_out, bool(bias))


def pool_output_size(n, f, s, p=0):
    """Output side length of a pooling layer.

    Inputs:
    - n: int >= 1, input side; f: int >= 1, window side; s: int >= 1, stride.
    - p: int >= 0, padding on EACH side (0, the default, is CS231n's pool_param; real networks pad
      their stems: ResNet's 3x3 stride-2 max-pool has p = 1 and maps 112 to 56). At most f // 2, as
      in PyTorch: a wider padding would give windows that see nothing but padding.
    Returns an int: floor((n + 2p - f) / s) + 1 (windows that would stick out are dropped,
    as in PyTorch's default ceil_mode=False). Raises ValueError when f > n + 2p.
    """
    n, f, s, p = _integer("n", n, 1), _integer("f", f, 1), _integer("s", s, 1), _integer("p", p, 0)
    if 2 * p > f:
        raise ValueError(f"the padding p = {p} is more than half the window (f = {f}): some windows would see "
                         "only padding; pooling pads at most f // 2 on each side")
    return _out_size(n, f, p, s, 1, what="input")


def receptive_field(layers):
    """Receptive field, in input pixels, of one unit of the last layer of a stack.

    Inputs:
    - layers: list of (f, s) or (f, s, d) tuples, first layer first: kernel side, stride and
      optional dilation (pooling layers are (f, s) entries too). An empty list gives 1.
    Returns an int r: with the jump j (input pixels between neighbouring units of a layer,
    the product of the strides below it), each layer adds d (f - 1) j:
    r = 1 + sum_l d_l (f_l - 1) prod_{k < l} s_k.
    """
    if not isinstance(layers, (list, tuple)):
        raise ValueError(f"layers must be a list of (f, s) or (f, s, d) tuples, got {type(layers).__name__}")
    r, jump = 1, 1
    for i, layer in enumerate(layers):
        if not isinstance(layer, (list, tuple)) or len(layer) not in (2, 3):
            raise ValueError(f"layers[{i}] must be (f, s) or (f, s, d), got {layer!r}")
        f, s = _integer(f"layers[{i}] f", layer[0], 1), _integer(f"layers[{i}] s", layer[1], 1)
        d = _integer(f"layers[{i}] d", layer[2], 1) if len(layer) == 3 else 1
        r += d * (f - 1) * jump
        jump *= s
    return r


def conv_mult_adds(h, w, f, c_in, c_out, p=0, s=1):
    """Multiply-adds of one convolution layer on one (c_in, h, w) input.

    Inputs:
    - h, w: ints >= 1, input height and width.
    - f: kernel side; c_in, c_out: input and output channels; p: padding per side; s: stride.
    Returns an int: h_out * w_out * c_out * (f * f * c_in), one multiply-add per kernel weight at
    every output position (the bias additions are not counted).
    """
    h, w, f = _integer("h", h, 1), _integer("w", w, 1), _integer("f", f, 1)
    c_in, c_out = _integer("c_in", c_in, 1), _integer("c_out", c_out, 1)
    p, s = _integer("p", p, 0), _integer("s", s, 1)
    h_out, w_out = _out_size(h, f, p, s, 1, "height"), _out_size(w, f, p, s, 1, "width")
    return h_out * w_out * c_out * f * f * c_in


# =========================================================================== summarize
LAYER_TYPES = ("conv", "pool", "flatten", "fc", "bn", "relu", "dropout", "lrn", "gap", "concat", "residual")


def _field(layer, key, where, minimum, default=None):
    if key not in layer:
        if default is None:
            raise ValueError(f"{where} ({layer.get('type')}) needs the key {key!r}, got keys {sorted(layer)}")
        return default
    return _integer(f"{where} {key!r}", layer[key], minimum)


def _layer(layer, shape, where):
    """(output shape, params, mult_adds) of one layer on an input of ``shape``."""
    if not isinstance(layer, dict) or "type" not in layer:
        raise ValueError(f"{where} must be a dict with a 'type' key, got {layer!r}")
    kind = layer["type"]
    if kind not in LAYER_TYPES:
        raise ValueError(f"{where} has the unknown type {kind!r}; known types: {', '.join(LAYER_TYPES)}")
    spatial = len(shape) == 3
    if kind in ("conv", "pool", "bn", "lrn", "gap", "concat", "residual") and not spatial:
        if not (kind == "bn" and len(shape) == 1):
            raise ValueError(f"{where} ({kind}) needs a (C, H, W) input, got the flat shape {tuple(shape)}: "
                             "did a flatten come too early?")
    if kind == "conv":
        c, h, w = shape
        f, c_out = _field(layer, "f", where, 1), _field(layer, "c_out", where, 1)
        s, p, d = _field(layer, "s", where, 1, 1), _field(layer, "p", where, 0, 0), _field(layer, "d", where, 1, 1)
        h_out = _out_size(h, f, p, s, d, f"input of {where} (height)")
        w_out = _out_size(w, f, p, s, d, f"input of {where} (width)")
        params = _conv_params(f, c, c_out, layer.get("bias", True))
        return (c_out, h_out, w_out), params, h_out * w_out * c_out * f * f * c
    if kind == "pool":
        c, h, w = shape
        f = _field(layer, "f", where, 1)
        s, p = _field(layer, "s", where, 1, f), _field(layer, "p", where, 0, 0)
        if layer.get("ceil", False):  # PyTorch's ceil_mode: a last, partial window counts if it starts inside
            sizes = []
            for n in (h, w):
                _out_size(n, f, p, s, 1, f"input of {where}")
                out = -(-(n + 2 * p - f) // s) + 1
                if (out - 1) * s >= n + p:
                    out -= 1
                sizes.append(out)
            return (c, *sizes), 0, 0
        return (c, _out_size(h, f, p, s, 1, f"input of {where} (height)"),
                _out_size(w, f, p, s, 1, f"input of {where} (width)")), 0, 0
    if kind == "flatten":
        return (math.prod(shape),), 0, 0
    if kind == "fc":
        if spatial:
            raise ValueError(f"{where} (fc) needs a flat (D,) input, got {tuple(shape)}: add a flatten before it")
        units = _field(layer, "units", where, 1)
        return (units,), (shape[0] + (1 if layer.get("bias", True) else 0)) * units, shape[0] * units
    if kind == "bn":  # a scale gamma and a shift beta per channel (running statistics are not learned)
        return tuple(shape), 2 * shape[0], 0
    if kind in ("relu", "dropout", "lrn"):
        return tuple(shape), 0, 0
    if kind == "gap":  # global average pooling: one number per channel
        return (shape[0],), 0, 0
    if kind == "concat":  # parallel branches on the same input, stacked along the channels
        outs, params, mult_adds = [], 0, 0
        for b, branch in enumerate(layer.get("branches", [])):
            out, pr, ma = _stack(branch, shape, f"{where} branch {b}")
            outs.append(out)
            params, mult_adds = params + pr, mult_adds + ma
        if not outs or any(len(o) != 3 or o[1:] != outs[0][1:] for o in outs):
            raise ValueError(f"{where} (concat) needs branches with equal (H, W) outputs, got {outs}")
        return (sum(o[0] for o in outs), *outs[0][1:]), params, mult_adds
    # residual: out = body(x) + shortcut(x); an empty shortcut is the identity
    out, params, mult_adds = _stack(layer.get("body", []), shape, f"{where} body")
    short, pr, ma = _stack(layer.get("shortcut", []), shape, f"{where} shortcut")
    if tuple(out) != tuple(short):
        raise ValueError(f"{where} (residual): the body gives {tuple(out)} but the shortcut {tuple(short)}; "
                         "they must agree to be added")
    return tuple(out), params + pr, mult_adds + ma


def _stack(layers, shape, where):
    params = mult_adds = 0
    for i, layer in enumerate(layers):
        shape, pr, ma = _layer(layer, shape, f"{where} layer {i}")
        params, mult_adds = params + pr, mult_adds + ma
    return tuple(shape), params, mult_adds


def summarize(layers, input_shape):
    """A layer-by-layer table of a network: output shapes, parameters and multiply-adds.

    Inputs:
    - layers: list of layer dicts, first layer first. The basic types:
        {"type": "conv", "f": 5, "c_out": 6, "s": 1, "p": 0}   (s defaults to 1, p to 0;
            optional "bias": False, "d": dilation)
        {"type": "pool", "f": 2, "s": 2}                        (s defaults to f; max or average
            pooling alike; optional "p", and "ceil": True for PyTorch's ceil_mode)
        {"type": "flatten"}
        {"type": "fc", "units": 120}                            (optional "bias": False)
      and those of the larger networks: "bn" (batch norm, 2 parameters per channel), "relu", "dropout",
      "lrn" (shape and parameters unchanged), "gap" (global average pooling -> (C,)),
      {"type": "concat", "branches": [[...], [...]]} (Inception) and
      {"type": "residual", "body": [...], "shortcut": [...]} (ResNet; empty shortcut = identity).
      Other keys (e.g. "name") are ignored.
    - input_shape: (C, H, W) of one input image.
    Returns a list with one row per layer, each the dict
      {"type": the layer's type, "output_shape": (C, H, W) or (D,), "params": int,
       "mult_adds": int (multiplications of conv and fc layers; pooling, normalization,
       activations and additions count 0)}.
    """
    if not isinstance(layers, (list, tuple)):
        raise ValueError(f"layers must be a list of layer dicts, got {type(layers).__name__}")
    if not isinstance(input_shape, (list, tuple)) or len(input_shape) not in (1, 3):
        raise ValueError(f"input_shape must be (C, H, W) (or (D,)), got {input_shape!r}")
    shape = tuple(_integer(f"input_shape[{i}]", v, 1) for i, v in enumerate(input_shape))
    rows = []
    for i, layer in enumerate(layers):
        shape, params, mult_adds = _layer(layer, shape, f"layers[{i}]")
        rows.append({"type": layer["type"], "output_shape": tuple(shape), "params": params, "mult_adds": mult_adds})
    return rows


guard_module(__name__)
