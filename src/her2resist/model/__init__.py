"""The HER2 signalling network: model file, parser, network data and exchange formats."""

from her2resist.model.network import Network, Node
from her2resist.model.parse import default_model_path, load_model, read_model_yaml

__all__ = ["Network", "Node", "default_model_path", "load_model", "read_model_yaml"]
