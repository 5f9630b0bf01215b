"""Models: LeNet-5, a deeper CNN and a multilayer perceptron, built from :mod:`cnnlab.layers`."""

from .deep import DeepCNN
from .lenet import LeNet5
from .mlp import MLP
from .summary import summary

__all__ = ["DeepCNN", "LeNet5", "MLP", "summary"]
