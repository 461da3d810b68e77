"""The HTML report of a run: one self-contained page (inline CSS and SVG) that opens from disk.

``write_report(run_dir)`` writes a run folder's ``report.html``; ``report_html(board)`` is the page of
an in-memory Leaderboard (also ``Leaderboard.to_html()``); ``render(RunData)`` is the page itself.
The names are imported on first use, so importing a submodule (``deepmine.report.run``) stays light.
"""

_EXPORTS = {
    "write_report": "deepmine.report.build",
    "report_html": "deepmine.report.build",
    "render": "deepmine.report.page",
    "RunData": "deepmine.report.run",
    "RunFolderError": "deepmine.report.run",
}


def __getattr__(name):
    if name in _EXPORTS:
        import importlib

        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'deepmine.report' has no attribute {name!r}")


__all__ = sorted(_EXPORTS)
