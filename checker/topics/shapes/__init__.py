"""Tasks of notebook 08, CNN arithmetic, in three families: ``conv_layer`` (output size, same
padding, parameters of one convolution), ``fields`` (pooling output size, receptive field of a
stack), ``cost`` (multiply-adds of a convolution) and ``summary`` (the layer-by-layer table of a network).

Every result is an integer (or a table of integers): ``integer_outputs`` accepts integer-valued
floats (``28.0``) but a fractional size such as ``3.5`` is a mismatch, and a known mistake names
the usual cause (a missing floor).
"""

from checker.topics.shapes import conv_layer, cost, fields, summary
# the builders of the receptive-field and summary mistakes, one switch per mistake
from checker.topics.shapes.summary import _summary  # noqa: F401
from checker.topics.shapes.fields import _rf  # noqa: F401

TASKS = conv_layer.TASKS + fields.TASKS + cost.TASKS + summary.TASKS
