"""Notebook 09, convolution layers: naive convolution, max pooling, im2col and col2im, the fast
convolution, spatial batch normalization and ``ThreeLayerConvNet``."""

from checker.topics.conv import fast, im2col, naive, network, pooling, spatial_bn

TASKS = naive.TASKS + pooling.TASKS + im2col.TASKS + fast.TASKS + spatial_bn.TASKS + network.TASKS
