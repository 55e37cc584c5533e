"""The network tables of the course: LeNet-5, AlexNet, VGG16, an Inception module, GoogLeNet,
ResNet-18 and ResNet-50, as lists of layer dicts plus an input shape ``(C, H, W)``.

A layer is a dict with a ``"type"`` and its numbers, the format of ``shapes.summarize``
(notebook 08): ``{"type": "conv", "f": 5, "c_out": 6, "s": 1, "p": 0}`` (optional ``"bias": False``),
``{"type": "pool", "f": 2, "s": 2}``, ``{"type": "flatten"}``, ``{"type": "fc", "units": 120}``.
The larger networks also use ``"bn"``, ``"relu"``, ``"gap"`` (global average pooling),
``"dropout"``, ``"concat"`` (parallel ``"branches"``) and ``"residual"`` (a ``"body"`` plus a
``"shortcut"``), which ``checker.reference.shapes.summarize`` counts as well. An optional
``"name"`` labels a layer in tables.

Used by the tasks of ``checker.topics.shapes``, the explorers of ``checker.widgets`` and the
notebooks. ``architecture(name)`` returns a fresh copy that can be edited freely.
"""

from __future__ import annotations

import copy

PUBLISHED_PARAMS = {
    "LeNet-5": 61_706,
    "AlexNet (published)": 62_378_344,
    "AlexNet (torchvision)": 61_100_840,
    "VGG16": 138_357_544,
    "GoogLeNet (torchvision)": 6_624_904,
    "ResNet-18": 11_689_512,
    "ResNet-50": 25_557_032,
}


def _conv(f, c_out, s=1, p=0, bias=True, name=None):
    layer = {"type": "conv", "f": f, "c_out": c_out, "s": s, "p": p}
    if not bias:
        layer["bias"] = False
    if name:
        layer["name"] = name
    return layer


def _pool(f, s, p=0, ceil=False, name=None):
    layer = {"type": "pool", "f": f, "s": s}
    if p:
        layer["p"] = p
    if ceil:
        layer["ceil"] = True
    if name:
        layer["name"] = name
    return layer


def _fc(units, name=None):
    return {"type": "fc", "units": units, **({"name": name} if name else {})}


def lenet5():
    """LeNet-5 (LeCun et al. 1998) on a 1x32x32 image, with full 6 -> 16 connections."""
    return [_conv(5, 6, name="C1 conv 5x5"), _pool(2, 2, name="S2 pool 2x2"),
            _conv(5, 16, name="C3 conv 5x5"), _pool(2, 2, name="S4 pool 2x2"),
            {"type": "flatten", "name": "flatten"},
            _fc(120, "F5 fc"), _fc(84, "F6 fc"), _fc(10, "output fc")], (1, 32, 32)


def _alexnet(filters, conv1_padding, input_shape):
    """AlexNet's five convolutions with ``filters`` filters, three overlapping pools and three fc layers."""
    c1, c2, c3, c4, c5 = filters
    return [_conv(11, c1, s=4, p=conv1_padding, name="conv1 11x11/4"), _pool(3, 2, name="pool1 3x3/2"),
            _conv(5, c2, p=2, name="conv2 5x5"), _pool(3, 2, name="pool2 3x3/2"),
            _conv(3, c3, p=1, name="conv3 3x3"), _conv(3, c4, p=1, name="conv4 3x3"),
            _conv(3, c5, p=1, name="conv5 3x3"), _pool(3, 2, name="pool5 3x3/2"),
            {"type": "flatten", "name": "flatten (6*6*256)"},
            _fc(4096, "fc6"), _fc(4096, "fc7"), _fc(1000, "fc8")], input_shape


def alexnet_published():
    """AlexNet as in the paper (96-256-384-384-256 filters) on one GPU, 3x227x227 input."""
    return _alexnet((96, 256, 384, 384, 256), 0, (3, 227, 227))


def alexnet_torchvision():
    """AlexNet as torchvision builds it (64-192-384-256-256 filters), 3x224x224 input."""
    return _alexnet((64, 192, 384, 256, 256), 2, (3, 224, 224))


def vgg16():
    """VGG16 (configuration D): 13 3x3 'same' convolutions, 5 max-pools, 3 fc layers; 3x224x224."""
    layers = []
    for block, (width, repeat) in enumerate([(64, 2), (128, 2), (256, 3), (512, 3), (512, 3)], start=1):
        for i in range(1, repeat + 1):
            layers.append(_conv(3, width, p=1, name=f"conv{block}_{i} 3x3"))
        layers.append(_pool(2, 2, name=f"pool{block} 2x2"))
    layers += [{"type": "flatten", "name": "flatten (7*7*512)"}, _fc(4096, "fc6"), _fc(4096, "fc7"), _fc(1000, "fc8")]
    return layers, (3, 224, 224)


def _inception_branches(c1, c3r, c3, c5r, c5, pool_proj, k5=5, basic=None):
    """The four branches of an Inception module; ``basic`` builds conv(+bn) for torchvision."""
    def conv(f, c, p=0):
        return basic(f, c, p) if basic else [_conv(f, c, p=p)]

    return [conv(1, c1),
            conv(1, c3r) + conv(3, c3, 1),
            conv(1, c5r) + conv(k5, c5, k5 // 2),
            [_pool(3, 1, p=1, ceil=bool(basic))] + conv(1, pool_proj)]


def inception_module():
    """Inception module 3a (Szegedy et al. 2014) on a 192x28x28 input, ReLU convolutions with biases."""
    return [{"type": "concat", "name": "inception 3a: 1x1 | 1x1>3x3 | 1x1>5x5 | pool>1x1",
             "branches": _inception_branches(64, 96, 128, 16, 32, 32)}], (192, 28, 28)


def googlenet_torchvision():
    """GoogLeNet as torchvision builds it: convolutions without bias + batch norm, no auxiliary
    heads, and (as torchvision does) a 3x3 kernel in the branch the paper draws as 5x5."""
    def basic(f, c, p=0, s=1, name=None):
        return [_conv(f, c, s=s, p=p, bias=False, name=name), {"type": "bn"}]

    def inception(name, *widths):
        return {"type": "concat", "name": f"inception {name}",
                "branches": _inception_branches(*widths, k5=3, basic=basic)}

    layers = basic(7, 64, 3, 2, "conv1 7x7/2") + [_pool(3, 2, ceil=True, name="pool1")]
    layers += basic(1, 64, 0, 1, "conv2 1x1") + basic(3, 192, 1, 1, "conv3 3x3") + [_pool(3, 2, ceil=True, name="pool2")]
    layers += [inception("3a", 64, 96, 128, 16, 32, 32), inception("3b", 128, 128, 192, 32, 96, 64),
               _pool(3, 2, ceil=True, name="pool3"),
               inception("4a", 192, 96, 208, 16, 48, 64), inception("4b", 160, 112, 224, 24, 64, 64),
               inception("4c", 128, 128, 256, 24, 64, 64), inception("4d", 112, 144, 288, 32, 64, 64),
               inception("4e", 256, 160, 320, 32, 128, 128), _pool(2, 2, ceil=True, name="pool4"),
               inception("5a", 256, 160, 320, 32, 128, 128), inception("5b", 384, 192, 384, 48, 128, 128),
               {"type": "gap", "name": "global average pool"}, {"type": "dropout"}, _fc(1000, "fc")]
    return layers, (3, 224, 224)


def _bn_conv(f, c, s=1, p=0):
    return [_conv(f, c, s=s, p=p, bias=False), {"type": "bn"}]


def _stem():
    return (_bn_conv(7, 64, 2, 3) + [{"type": "relu"}, _pool(3, 2, p=1, name="maxpool 3x3/2")])


def resnet18():
    """ResNet-18 (He et al. 2015, torchvision layout): basic blocks of two 3x3 convolutions."""
    layers = _stem()
    layers[0]["name"] = "conv1 7x7/2"
    c_in = 64
    for stage, width in enumerate([64, 128, 256, 512], start=2):
        for i in range(2):
            stride = 2 if (i == 0 and stage > 2) else 1
            body = _bn_conv(3, width, stride, 1) + [{"type": "relu"}] + _bn_conv(3, width, 1, 1)
            shortcut = _bn_conv(1, width, stride) if (stride != 1 or c_in != width) else []
            layers.append({"type": "residual", "name": f"conv{stage}_{i + 1} basic block", "body": body,
                           "shortcut": shortcut})
            c_in = width
    layers += [{"type": "gap", "name": "global average pool"}, _fc(1000, "fc")]
    return layers, (3, 224, 224)


def resnet50():
    """ResNet-50 (torchvision layout: the stride sits on the 3x3 convolution of a bottleneck)."""
    layers = _stem()
    layers[0]["name"] = "conv1 7x7/2"
    c_in = 64
    for stage, (width, repeat) in enumerate([(64, 3), (128, 4), (256, 6), (512, 3)], start=2):
        for i in range(repeat):
            stride = 2 if (i == 0 and stage > 2) else 1
            body = (_bn_conv(1, width) + [{"type": "relu"}] + _bn_conv(3, width, stride, 1) + [{"type": "relu"}]
                    + _bn_conv(1, 4 * width))
            shortcut = _bn_conv(1, 4 * width, stride) if (stride != 1 or c_in != 4 * width) else []
            layers.append({"type": "residual", "name": f"conv{stage}_{i + 1} bottleneck", "body": body,
                           "shortcut": shortcut})
            c_in = 4 * width
    layers += [{"type": "gap", "name": "global average pool"}, _fc(1000, "fc")]
    return layers, (3, 224, 224)


ARCHITECTURES = {
    "LeNet-5": lenet5,
    "AlexNet (published)": alexnet_published,
    "AlexNet (torchvision)": alexnet_torchvision,
    "VGG16": vgg16,
    "Inception module (3a)": inception_module,
    "GoogLeNet (torchvision)": googlenet_torchvision,
    "ResNet-18": resnet18,
    "ResNet-50": resnet50,
}


def architecture(name):
    """(layers, input_shape) of a named network (a fresh copy: edit it freely)."""
    if name not in ARCHITECTURES:
        raise ValueError(f"unknown architecture {name!r}; choose one of {', '.join(ARCHITECTURES)}")
    layers, shape = ARCHITECTURES[name]()
    return copy.deepcopy(layers), shape

