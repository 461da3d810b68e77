"""The evaluation package's shape: one compare loop, and modules that never import each other in a circle."""

import ast
from pathlib import Path

import deepmine.evaluation as evaluation
from deepmine.evaluation.registry import get_task
from deepmine.evaluation.task import Task

FOLDER = Path(evaluation.__file__).parent


def _imports(path: Path) -> set[str]:
    """The evaluation modules that ``path`` imports, at the top or inside a function."""
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
    return {n.rsplit(".", 1)[-1] for n in names if (FOLDER / f"{n.rsplit('.', 1)[-1]}.py").exists()}


def test_no_module_of_the_evaluation_package_imports_itself_back():
    graph = {p.stem: _imports(p) for p in FOLDER.glob("*.py") if p.stem != "__init__"}
    state: dict[str, str] = {}

    def visit(module, path):
        state[module] = "open"
        for dep in sorted(graph.get(module, ())):
            if state.get(dep) == "open":
                cycle = path[path.index(dep):] + [dep] if dep in path else [module, dep]
                raise AssertionError(f"import circle: {' -> '.join(cycle)}")
            if dep not in state:
                visit(dep, path + [dep])
        state[module] = "done"

    for module in sorted(graph):
        if module not in state:
            visit(module, [module])
    assert graph["compare"] <= {"fitting", "leaderboard", "loop", "registry", "tuning"}


def test_the_circle_check_finds_a_circle(tmp_path):
    for name, text in (("a", "from deepmine.evaluation.b import x\n"),
                       ("b", "def f():\n    from deepmine.evaluation import a\n")):
        (tmp_path / f"{name}.py").write_text(text)
    globals()["FOLDER"] = tmp_path
    try:
        try:
            test_no_module_of_the_evaluation_package_imports_itself_back()
        except (AssertionError, KeyError) as exc:
            assert "a -> b -> a" in str(exc) or "b -> a -> b" in str(exc)
        else:
            raise AssertionError("the circle a -> b -> a was not found")
    finally:
        globals()["FOLDER"] = Path(evaluation.__file__).parent


def test_every_task_reads_its_own_data_and_declares_its_options():
    from deepmine.evaluation.registry import TASKS

    get_task("classification")
    assert len(TASKS) == 12
    for task in TASKS.values():
        assert type(task).prepare is not Task.prepare, task.name
        assert task.OPTIONS, task.name
