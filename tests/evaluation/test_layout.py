"""The evaluation package's shape: one compare loop, and modules that never import each other in a circle."""

import ast
from pathlib import Path

import deepmine.evaluation as evaluation
from deepmine.evaluation.registry import get_task
from deepmine.evaluation.task import Task

FOLDER = Path(evaluation.__file__).parent


def _imports(path: Path, folder: Path) -> set[str]:
    """The modules of ``folder`` that ``path`` imports, at the top or inside a function."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            module = node.module
            if module == "deepmine.evaluation":  # from deepmine.evaluation import compare: the modules named
                names.update(f"deepmine.evaluation.{a.name}" for a in node.names)
            elif module.startswith("deepmine.evaluation."):
                names.add(module)
        elif isinstance(node, ast.Import):
            names.update(a.name for a in node.names if a.name.startswith("deepmine.evaluation."))
    return {n.rsplit(".", 1)[-1] for n in names if (folder / f"{n.rsplit('.', 1)[-1]}.py").exists()}


def _import_graph(folder: Path) -> dict[str, set[str]]:
    return {p.stem: _imports(p, folder) for p in folder.glob("*.py") if p.stem != "__init__"}


def _circle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import circle of ``graph`` (its modules in order, the first repeated at the end), or None."""
    state: dict[str, str] = {}

    def visit(module, path):
        state[module] = "open"
        for dep in sorted(graph.get(module, ())):
            if state.get(dep) == "open":
                return path[path.index(dep):] + [dep]
            if dep not in state:
                found = visit(dep, path + [dep])
                if found:
                    return found
        state[module] = "done"
        return None

    for module in sorted(graph):
        if module not in state:
            found = visit(module, [module])
            if found:
                return found
    return None


def test_no_module_of_the_evaluation_package_imports_itself_back():
    graph = _import_graph(FOLDER)
    circle = _circle(graph)
    assert circle is None, f"import circle: {' -> '.join(circle)}"
    assert graph["compare"] <= {"fitting", "leaderboard", "loop", "registry", "tuning"}


def test_the_circle_check_finds_a_circle(tmp_path):
    for name, text in (("a", "from deepmine.evaluation.b import x\n"),
                       ("b", "def f():\n    from deepmine.evaluation import a\n"),
                       ("c", "from deepmine.evaluation.a import y\n")):
        (tmp_path / f"{name}.py").write_text(text)
    assert _circle(_import_graph(tmp_path)) == ["a", "b", "a"]


def test_every_task_reads_its_own_data_and_declares_its_options():
    from deepmine.evaluation.registry import TASKS

    get_task("classification")
    assert len(TASKS) == 13
    for task in TASKS.values():
        assert type(task).prepare is not Task.prepare, task.name
        assert task.OPTIONS, task.name
