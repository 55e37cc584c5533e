"""Tasks of notebook 05, neural networks built from layers, in four families: ``layers``
(affine and activations as forward/backward pairs), ``losses`` (softmax and SVM), ``randomised``
(initialization and dropout, judged by their properties) and ``networks`` (two-layer and
fully connected networks with L2 regularization).

Layer pairs follow the CS231n signatures: ``layer_forward(x, ...) -> (out, cache)`` and
``layer_backward(dout, cache)``; see ``checker.topics.layer_cases``.
"""

from checker.topics.nn import layers, losses, networks, randomised

TASKS = layers.TASKS + losses.TASKS + randomised.TASKS + networks.TASKS
