"""kube: a Kubernetes-style container cluster in Python."""

__version__ = "0.1.0"
