"""Arrows point down: the apps of brobygger/ import each other without loops.

House rule: pages that gather many apps live in an app above them; no import cycles
between apps; no app imports another app's private names. The graph is read from the
source with `ast`, so an import inside a function counts as much as one at the top of a
module: a loop hidden in a function body is still a loop between the apps.

What counts:
- every `import brobygger.X...`, `from brobygger.X... import ...`, `from brobygger import X`
  and relative import that reaches another app, wherever it stands in the file;
- the files of brobygger/<app>/ except its tests/ and migrations/ (tests may reach
  anywhere; migrations are Django's record of the models, not code that calls);
- lib/ is an app like the others (it sits at the bottom); the project modules
  (settings.py, urls.py, testing.py...) are no app and are not counted.

The demo data: an app's `demo.py` (or `demo_*.py`) builds demo rows across many apps for
`brobygger/demo`'s command and is imported by nothing else in its app, so it counts as part
of the demo app, the app above every other; it lives beside the app it fills only so that
its author finds it.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from collections.abc import Iterator
from itertools import pairwise
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "brobygger"
APPS = frozenset(p.name for p in PACKAGE.iterdir() if (p / "__init__.py").is_file())
DEMO = "demo"

Site = str  # "people/selectors.py:60"
Graph = dict[str, dict[str, list[Site]]]


def app_of(path: Path) -> str | None:
    """The app a source file belongs to, or None for the project modules, tests, migrations."""
    parts = path.relative_to(PACKAGE).parts
    if len(parts) < 2 or parts[0] not in APPS or {"tests", "migrations"} & set(parts):
        return None
    if path.name == "demo.py" or path.name.startswith("demo_"):
        return DEMO
    return parts[0]


def imported_modules(path: Path, tree: ast.AST) -> Iterator[tuple[ast.stmt, str, list[str]]]:
    """(statement, dotted module, names) for every import in the file, relative ones resolved."""
    package = ["brobygger", *path.relative_to(PACKAGE).parts[:-1]]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node, alias.name, []
        elif isinstance(node, ast.ImportFrom):
            names = [alias.name for alias in node.names]
            if node.level:
                base = package[: len(package) - node.level + 1]
                module = ".".join([*base, node.module] if node.module else base)
            else:
                module = node.module or ""
            if module == "brobygger":
                # `from brobygger import people` / `from .. import people`: each name is an app
                for name in names:
                    yield node, f"{module}.{name}", []
            else:
                yield node, module, names


def models_by_name(tree: ast.AST) -> Iterator[tuple[ast.expr, str]]:
    """(call, app label) for every `apps.get_model("app", "Model")` or
    `get_model("app.Model")` with a literal name: an import by another name."""
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute | ast.Name)
            and getattr(node.func, "attr", getattr(node.func, "id", "")) == "get_model"
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            yield node, node.args[0].value.split(".")[0]


# Models reached by name instead of by import, where the arrow has to point up: the one
# access policy (accounts/policy.py) is the bottom of every app, and each model above
# composes its rule into its own `visible_to`; the rule for a peer's persons reads their
# courses, a coordinator's relatives the consents, and break-the-glass its grants. Any
# other lookup by name counts as the import it is.
LATE_BOUND: frozenset[tuple[str, str]] = frozenset(
    {
        ("accounts/policy.py", "breakglass"),
        ("accounts/policy.py", "people"),
        ("accounts/policy.py", "referrals"),
    }
)


def source_files() -> Iterator[tuple[Path, str]]:
    for path in sorted(PACKAGE.rglob("*.py")):
        app = app_of(path)
        if app is not None:
            yield path, app


def import_graph() -> Graph:
    """App -> imported app -> the import sites, for every import between two apps, and
    every model of another app looked up by name (but those in LATE_BOUND)."""
    graph: Graph = defaultdict(lambda: defaultdict(list))
    for path, app in source_files():
        module_path = str(path.relative_to(PACKAGE))
        tree = ast.parse(path.read_text())
        for node, module, _names in imported_modules(path, tree):
            parts = module.split(".")
            if parts[0] != "brobygger" or len(parts) < 2 or parts[1] not in APPS:
                continue
            target = parts[1]
            if target != app:
                graph[app][target].append(f"{module_path}:{node.lineno}")
        for call, target in models_by_name(tree):
            if target in APPS and target != app and (module_path, target) not in LATE_BOUND:
                graph[app][target].append(f"{module_path}:{call.lineno} (by name)")
    return {app: dict(targets) for app, targets in graph.items()}


@pytest.mark.timeless
def test_every_model_looked_up_by_name_is_seen():
    """The lookups by name are found (so an arrow cannot hide in a string), and each entry
    of LATE_BOUND is still one (the list only shrinks)."""
    found = set()
    for path, app in source_files():
        for _call, target in models_by_name(ast.parse(path.read_text())):
            if target != app:
                found.add((str(path.relative_to(PACKAGE)), target))
    assert found >= LATE_BOUND, sorted(LATE_BOUND - found)
    assert sorted(found - LATE_BOUND) == [], "looked up by name: import the model instead"


def strongly_connected(graph: Graph) -> list[set[str]]:
    """Tarjan's components of the app graph, those with more than one app: the loops."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[set[str]] = []

    def visit(app: str) -> None:
        index[app] = low[app] = len(index)
        stack.append(app)
        on_stack.add(app)
        for target in sorted(graph.get(app, {})):
            if target not in index:
                visit(target)
                low[app] = min(low[app], low[target])
            elif target in on_stack:
                low[app] = min(low[app], index[target])
        if low[app] == index[app]:
            component = set()
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.add(member)
                if member == app:
                    break
            if len(component) > 1:
                found.append(component)

    for app in sorted(APPS):
        if app not in index:
            visit(app)
    return found


def shortest_loop(graph: Graph, component: set[str]) -> list[str]:
    """The shortest loop through the first app (by name) of a component, as a list of apps."""
    start = min(component)
    paths = {start: [start]}
    queue = [start]
    while queue:
        app = queue.pop(0)
        for target in sorted(graph.get(app, {})):
            if target == start:
                return [*paths[app], start]
            if target in component and target not in paths:
                paths[target] = [*paths[app], target]
                queue.append(target)
    raise AssertionError(f"no loop through {start}")  # a component always has one


def describe(graph: Graph, loop: list[str]) -> str:
    steps = [
        f"{a} -> {b} ({', '.join(graph[a][b][:3])}{', ...' if len(graph[a][b]) > 3 else ''})"
        for a, b in pairwise(loop)
    ]
    return "\n    ".join(steps)


def layers(graph: Graph) -> list[list[str]]:
    """The apps bottom to top: each app one layer above the highest app it imports."""
    height: dict[str, int] = {}

    def of(app: str, seen: tuple[str, ...] = ()) -> int:
        if app in seen:
            raise ValueError(f"loop through {app}")
        if app not in height:
            below = [of(t, (*seen, app)) for t in graph.get(app, {})]
            height[app] = 1 + max(below, default=-1)
        return height[app]

    for app in APPS:
        of(app)
    result: list[list[str]] = [[] for _ in range(max(height.values()) + 1)]
    for app, h in height.items():
        result[h].append(app)
    return [sorted(layer) for layer in result]


@pytest.mark.timeless
def test_apps_import_each_other_without_loops():
    """No tangle at all (the referral lifecycle, the last one, went up into `lifecycle`:
    starting, changing and ending a course reach outcomes, scheduling and groups, which
    sit above referrals)."""
    graph = import_graph()
    loops = [
        f"tangle of {len(c)} apps: {', '.join(sorted(c))}\n  shortest loop through {min(c)}: "
        f"{' -> '.join(loop)}\n    {describe(graph, loop)}"
        for c, loop in ((c, shortest_loop(graph, c)) for c in strongly_connected(graph))
    ]
    assert not loops, "Import loops between apps:\n" + "\n".join(loops)
    assert "lib" in layers(graph)[0]


@pytest.mark.timeless
def test_the_lifecycle_sits_above_every_app_it_ends_things_in():
    """Referrals, scheduling, outcomes and groups never reach up into the lifecycle: the
    steps that end what hangs on a course are called, not announced (STYLE rule 12)."""
    graph = import_graph()
    for app in ("referrals", "scheduling", "outcomes", "groups", "people"):
        assert "lifecycle" not in graph.get(app, {}), graph[app]["lifecycle"]
    for below in ("referrals", "scheduling", "outcomes", "groups"):
        assert below in graph["lifecycle"]
    height = {app: h for h, layer in enumerate(layers(graph)) for app in layer}
    assert height["lifecycle"] > max(height[a] for a in ("scheduling", "outcomes", "groups"))


@pytest.mark.timeless
def test_no_app_imports_another_apps_private_names():
    """`_x` is the app's own business: another app asks through a public name. A private
    module (`groups/services/_common.py`) is private as a whole."""
    offenders = []
    for path, app in source_files():
        for node, module, names in imported_modules(path, ast.parse(path.read_text())):
            parts = module.split(".")
            if parts[0] != "brobygger" or len(parts) < 2 or parts[1] == app:
                continue
            if app == DEMO and parts[1] == path.relative_to(PACKAGE).parts[0]:
                continue  # an app's demo module is written beside the app it fills
            private = [p for p in parts[2:] if p.startswith("_")]
            private += [n for n in names if n.startswith("_")]
            if private:
                offenders.append(f"{path.relative_to(PACKAGE)}:{node.lineno}: {module} {private}")
    assert offenders == []


@pytest.mark.timeless
def test_the_graph_sees_imports_inside_functions_and_relative_ones():
    """The walker itself: a nested import and a relative one both count."""
    source = (
        "from ..people.models import Person\n"
        "def f():\n"
        "    from brobygger.referrals import services\n"
        "    import brobygger.groups.models\n"
        "from brobygger import audit\n"
    )
    path = PACKAGE / "scheduling" / "example.py"
    found = [m for _n, m, _names in imported_modules(path, ast.parse(source))]
    assert sorted(found) == [
        "brobygger.audit",
        "brobygger.groups.models",
        "brobygger.people.models",
        "brobygger.referrals",
    ]
