"""Tasks of notebook 06, optimization: mini-batches, moving averages, update rules, learning-rate
schedules and the training loop, one family per module."""

from checker.topics.optim import batches, rules, schedules, training

TASKS = [batches.BATCH_TASK, batches.EWMA_TASK, *rules.TASKS, *schedules.TASKS, *training.TASKS]
