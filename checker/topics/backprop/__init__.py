"""Tasks of notebook 04, backpropagation, in three families: ``gates`` (add, multiply, max and
sigmoid as forward/backward pairs), ``staged`` (a circuit and the sigmoid neuron, backpropagated
stage by stage) and ``numerical`` (the numerical gradient and the relative error).

Forward tasks return ``(out, cache)`` with a free-form cache, and backward tasks get their cache
from the learner's own forward (see ``checker.topics.layer_cases``).
"""

from checker.topics.backprop import gates, numerical, staged

TASKS = gates.TASKS + staged.TASKS + numerical.TASKS
