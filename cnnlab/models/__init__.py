"""Models: LeNet-5 and a multilayer perceptron, built from :mod:`cnnlab.layers`."""

from .lenet import LeNet5
from .mlp import MLP
from .summary import summary

__all__ = ["LeNet5", "MLP", "summary"]
