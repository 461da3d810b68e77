"""The docs site and the README are checked like code: every Python example runs, every `deepmine` command
line in them parses against the real CLI, and the site builds in strict mode with every public name in its
API reference. A broken example or a renamed option fails here, not in a reader's terminal."""

from __future__ import annotations

import importlib
import os
import re
import shlex
import subprocess
import sys
import zlib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
PAGES = sorted([ROOT / "README.md", *DOCS.rglob("*.md")])
# ```python blocks run; a block opened as ```{.python .no-run} is shown only (it needs data the reader has)
FENCE = re.compile(r"^```(\S*)\n(.*?)^```\s*$", re.S | re.M)


def blocks(page: Path, kinds: tuple[str, ...]) -> list[str]:
    return [body for kind, body in FENCE.findall(page.read_text(encoding="utf-8")) if kind in kinds]


def page_id(page: Path) -> str:
    return str(page.relative_to(ROOT))


PYTHON_PAGES = [p for p in PAGES if blocks(p, ("python",))]


@pytest.mark.parametrize("page", PYTHON_PAGES, ids=page_id)
def test_python_examples_run(page, tmp_path, monkeypatch):
    """A page's Python blocks run in order in one namespace (later blocks use earlier names), in an
    empty working folder, as a reader would paste them."""
    from deepmine.evaluation.registry import TASKS, get_task

    monkeypatch.chdir(tmp_path)
    get_task("classification")  # the built-in tasks, registered before the page may add to them
    tasks, candidates = dict(TASKS), {name: dict(task.candidates) for name, task in TASKS.items()}
    namespace = {"__name__": "__docs_example__"}
    try:
        for i, code in enumerate(blocks(page, ("python",)), 1):
            try:
                exec(compile(code, f"{page_id(page)} (python block {i})", "exec"), namespace)
            except Exception as exc:  # pragma: no cover - the failure message is the point
                pytest.fail(f"{page_id(page)}, python block {i} failed: {type(exc).__name__}: {exc}\n{code}")
    finally:  # a page that registers a model of its own (the architecture page) leaves no trace
        TASKS.clear()
        TASKS.update(tasks)
        for name, task in TASKS.items():
            task.candidates.clear()
            task.candidates.update(candidates[name])


def command_lines(text: str) -> list[str]:
    """The `deepmine ...` command lines of a shell block: continuation lines joined, comments dropped."""
    joined = re.sub(r"\\\n\s*", " ", text)
    lines = []
    for line in joined.splitlines():
        line = line.strip()
        if line.startswith("$ "):
            line = line[2:]
        if line.startswith("deepmine "):
            lines.append(line)
    return lines


def parse(command, args: list[str], name: str, parent=None) -> None:
    """Parse ``args`` as click would, down to the leaf command, without running anything. (Typer carries its
    own copy of click, so groups are told by what they do, not by click's class.)"""
    ctx = command.make_context(name, list(args), parent=parent)
    if hasattr(command, "resolve_command"):
        rest = [*ctx._protected_args, *ctx.args] if hasattr(ctx, "_protected_args") else [*ctx.protected_args,
                                                                                             *ctx.args]
        if not rest:
            return
        sub_name, sub, sub_args = command.resolve_command(ctx, rest)
        parse(sub, sub_args, sub_name, ctx)


CLI_LINES = [(page, line) for page in PAGES for block in blocks(page, ("bash", "console"))
             for line in command_lines(block)]


@pytest.mark.parametrize("page,line", CLI_LINES, ids=[f"{page_id(p)}: {l[:60]}" for p, l in CLI_LINES])
def test_command_lines_parse(page, line):
    """Every command the docs show has the options and arguments it uses, with values of the right type."""
    import typer.main

    from deepmine.cli.main import app

    args = shlex.split(line, comments=True)[1:]
    try:
        parse(typer.main.get_command(app), args, "deepmine")
    except Exception as exc:
        if type(exc).__name__ == "Exit":
            return  # --help, --version
        message = exc.format_message() if hasattr(exc, "format_message") else f"{type(exc).__name__}: {exc}"
        pytest.fail(f"{page_id(page)}: `{line}` does not parse: {message}")


def test_docs_have_examples():
    """The checks above would pass on pages without examples: make sure they find them."""
    assert len(PYTHON_PAGES) >= 10
    assert len(CLI_LINES) >= 30


def test_readme_is_short_and_its_links_resolve():
    """The README is the front page: short, with every section it once held on a docs page it links to."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert len(text.splitlines()) < 250
    links = re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", text)
    assert len(links) >= 20
    missing = [link for link in links if not link.startswith("http") and not (ROOT / link).exists()]
    assert not missing, f"README links to files that are not there: {missing}"
    for page in ("getting-started.md", "cli.md", "python.md", "data.md", "reliability.md", "serving.md",
                 "study.md", "architecture.md"):
        assert f"docs/{page}" in text, f"the README does not link to docs/{page}"


def inventory(path: Path) -> set[str]:
    """The names in a Sphinx-style objects.inv (what mkdocstrings wrote)."""
    data = path.read_bytes()
    body = data.split(b"\n", 4)[4]
    return {line.split(" ", 1)[0] for line in zlib.decompress(body).decode().splitlines()}


def public_names() -> dict[str, str]:
    """Every public name, by the path users import it from, with the path where it is defined: the package's
    own two, each subpackage's ``__all__``, and for the subpackages that export nothing themselves
    (timeseries, vision), each module's ``__all__``."""
    import deepmine

    def defined(module, name: str) -> str:
        obj = getattr(module, name)
        where, qualname = getattr(obj, "__module__", None), getattr(obj, "__qualname__", None)
        return f"{where}.{qualname}" if isinstance(where, str) and isinstance(qualname, str) else name

    names = {"deepmine.compare": "deepmine.evaluation.compare.compare", "deepmine.load": "deepmine.persist.load"}
    modules = [importlib.import_module(f"deepmine.{sub}")
               for sub in deepmine._SUBPACKAGES + ("explain", "graph", "recommend", "report", "serve", "track")]
    for sub in ("timeseries", "vision"):
        modules += [importlib.import_module(f"deepmine.{sub}.{path.stem}")
                    for path in sorted((ROOT / "deepmine" / sub).glob("[!_]*.py"))]
    for module in modules:
        names.update({f"{module.__name__}.{name}": defined(module, name) for name in getattr(module, "__all__", ())})
    return names


def test_site_builds_strict_with_every_public_name(tmp_path):
    if importlib.util.find_spec("mkdocs") is None:
        if os.environ.get("CI"):
            pytest.fail("mkdocs is not installed: install the docs extra (pip install -e '.[docs]')")
        pytest.skip("mkdocs is not installed (the docs extra)")
    site = tmp_path / "site"
    result = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site)],
                            cwd=ROOT, capture_output=True, text=True, timeout=600,
                            env={**os.environ, "NO_MKDOCS_2_WARNING": "1"})
    assert result.returncode == 0, result.stderr[-4000:]
    assert (site / "index.html").is_file() and (site / "guide" / "tables.html").is_file()
    documented = inventory(site / "objects.inv")
    missing = sorted(name for name, where in public_names().items()
                     if name not in documented and where not in documented)
    assert not missing, f"public names missing from the API reference: {missing}"
    # the site opens from disk: links point at .html files, not at folders a file:// page cannot open
    page = (site / "getting-started.html").read_text(encoding="utf-8")
    assert 'href="guide/tables.html"' in page
