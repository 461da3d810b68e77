"""deepmine: deep learning for everyday data mining, always measured beside the traditional method."""

__version__ = "0.1.0"

# Subpackages reachable as attributes (deepmine.datasets.load(...)), imported on first use.
_SUBPACKAGES = ("anomaly", "cluster", "data", "datasets", "evaluation", "nn", "persist", "tabular", "text",
                "training")


def __getattr__(name):
    # Lazy so that `import deepmine` (and the CLI's --help) does not pay for importing torch.
    if name == "compare":
        from deepmine.evaluation import compare

        return compare
    if name == "load":
        from deepmine.persist import load

        return load
    if name in _SUBPACKAGES:
        import importlib

        return importlib.import_module(f"deepmine.{name}")
    raise AttributeError(f"module 'deepmine' has no attribute {name!r}")


__all__ = ["__version__", "compare", "load"]
