"""Notebook 10, residual networks and transfer learning: global average pooling, basic and
bottleneck blocks, the ``ResNet`` class and a new head on frozen features."""

from checker.topics.resnet import blocks, network, pooling, transfer

TASKS = pooling.TASKS + blocks.TASKS + network.TASKS + transfer.TASKS
