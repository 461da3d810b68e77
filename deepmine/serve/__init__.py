"""The faces that put a model to work beside the command line: the prediction server (`deepmine serve`)."""

from deepmine.serve.server import create_app, serve

__all__ = ["create_app", "serve"]
