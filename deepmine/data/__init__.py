"""Reading and preparing tables."""

from deepmine.data.read import read_table

__all__ = ["read_table"]
