"""Tasks of notebook 07, normalization, in four families: ``standardize`` (input standardization
with training statistics), ``batchnorm_forward`` (checked over successive calls in both modes),
``batchnorm_backward`` (the graph form and the closed form), ``layernorm`` and ``network``
(``FullyConnectedNet`` with batch or layer normalization)."""

from checker.topics.bn import batchnorm_backward, batchnorm_forward, layernorm, network, standardize

TASKS = [*standardize.TASKS, batchnorm_forward.FORWARD_TASK, *batchnorm_backward.TASKS, *layernorm.TASKS, network.TASK]
