"""The `deepmine` command-line interface (typer + rich)."""
