"""The layering of docs/architecture.md, read from the source: no import cycle between packages,
imports only downwards, the workflow engine free of the application, no module too long.

Every `import` and `from ... import` counts, wherever it is in the file (inside a function
too): a deferred import hides a dependency from Python's start-up, not from the design.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ("fund", "workflows")
MAX_LINES = 600

# From the bottom up: a package may import those of lower layers, never those of its own layer
# or above. docs/architecture.md draws the same list.
LAYERS: tuple[frozenset[str], ...] = (
    frozenset({"workflows"}),
    frozenset({"fund.days"}),
    frozenset({"fund.sentences"}),
    frozenset(
        {
            "fund.cli_options",
            "fund.extensions",
            "fund.kept",
            "fund.labels",
            "fund.money",
            "fund.signals",
            "fund.refusals",
            "fund.routing",
            "fund.xml_text",
        }
    ),
    frozenset(
        {
            "fund.dialects",
            "fund.locking",
            "fund.pagination",
            "fund.query_args",
            "fund.backup",
            "fund.changes",
            "fund.xlsx",
        }
    ),
    frozenset(
        {
            "fund.access",
            "fund.forms",
            "fund.idempotency",
            "fund.errors",
            "fund.web",
            "fund.fulltext",
            "fund.i18n",
            "fund.listing",
        }
    ),
    frozenset({"fund.cli_language"}),
    frozenset({"fund.reference", "fund.audit"}),
    frozenset({"fund.accounts"}),
    frozenset({"fund.auditlog", "fund.security"}),
    frozenset({"fund.calls"}),
    frozenset({"fund.proposals"}),
    frozenset({"fund.screening", "fund.finance"}),
    frozenset({"fund.results", "fund.reporting"}),
    frozenset({"fund.coverage"}),
    frozenset({"fund.committee", "fund.caches"}),
    frozenset({"fund.notifications", "fund.pipeline", "fund.revisions"}),
    frozenset({"fund.reports", "fund.core"}),
    frozenset({"fund.portfolio"}),
    frozenset({"fund.api"}),
    frozenset({"fund.templating", "fund.models", "fund.seed"}),
    frozenset({"fund.demo"}),
    frozenset({"fund.cli"}),
    frozenset({"fund"}),
)

# Imports against the layers that remain to be moved, each a (package, package) pair. They are
# left out of the cycle search and the layer check; `test_the_remaining_exceptions_still_exist`
# fails once one is gone, so the list only shrinks.
NOT_YET_MOVED: frozenset[tuple[str, str]] = frozenset()


@dataclass(frozen=True)
class Import:
    source: str  # the importing package
    target: str  # the imported package
    where: str  # path:line: the statement

    def __str__(self) -> str:
        return self.where


def package_of(module: str) -> str | None:
    """`fund.<package>` for anything in fund (a top-level module of fund is its own package),
    `workflows` for the engine, None for everything else."""
    parts = module.split(".")
    if parts[0] == "workflows":
        return "workflows"
    if parts[0] == "fund":
        return "fund" if len(parts) == 1 else f"fund.{parts[1]}"
    return None


def module_name(path: Path) -> tuple[str, bool]:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    is_package = parts[-1] == "__init__"
    if is_package:
        parts.pop()
    return ".".join(parts), is_package


def imported_modules(node: ast.AST, module: str, is_package: bool) -> list[str]:
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if not isinstance(node, ast.ImportFrom):
        return []
    if node.level:
        base = module.split(".") if is_package else module.split(".")[:-1]
        base = base[: len(base) - (node.level - 1)]
        target = ".".join([*base, node.module] if node.module else base)
    else:
        target = node.module or ""
    if target in ("fund", "workflows"):
        # `from fund import money` imports the module fund.money
        return [f"{target}.{alias.name}" for alias in node.names]
    return [target]


def python_files() -> list[Path]:
    return sorted(path for name in SOURCES for path in (ROOT / name).rglob("*.py"))


def all_imports() -> list[Import]:
    found = []
    for path in python_files():
        module, is_package = module_name(path)
        source = package_of(module)
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            for target_module in imported_modules(node, module, is_package):
                target = package_of(target_module)
                if target is None or target == source:
                    continue
                if target == "fund" and target_module == "fund":
                    continue
                where = f"{path.relative_to(ROOT)}:{node.lineno}: imports {target_module}"
                found.append(Import(source, target, where))
    return found


def strongly_connected(graph: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's algorithm, iteratively: the components of more than one package."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []
    counter = 0
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    components.append(sorted(component))
    return components


def cycles_report(imports: list[Import]) -> str:
    graph: dict[str, set[str]] = defaultdict(set)
    lines: dict[tuple[str, str], list[Import]] = defaultdict(list)
    for item in imports:
        graph[item.source].add(item.target)
        graph.setdefault(item.target, set())
        lines[(item.source, item.target)].append(item)
    report = []
    for component in strongly_connected(graph):
        report.append(f"cycle between {', '.join(component)}:")
        for (source, target), found in sorted(lines.items()):
            if source in component and target in component:
                report.append(f"  {source} -> {target}")
                report.extend(f"      {item}" for item in found)
    return "\n".join(report)


def test_the_cycle_finder_finds_a_cycle_and_the_lines_that_make_it() -> None:
    imports = [
        Import("fund.a", "fund.b", "fund/a/x.py:3: imports fund.b.y"),
        Import("fund.b", "fund.c", "fund/b/y.py:4: imports fund.c"),
        Import("fund.c", "fund.a", "fund/c/z.py:90: imports fund.a.x"),
        Import("fund.c", "fund.d", "fund/c/z.py:5: imports fund.d"),
    ]
    report = cycles_report(imports)
    assert "cycle between fund.a, fund.b, fund.c:" in report
    assert "fund/c/z.py:90: imports fund.a.x" in report
    assert "fund.d" not in report
    assert cycles_report(imports[:2]) == ""


def test_imports_inside_functions_count() -> None:
    tree = ast.parse("def f():\n    from fund.committee import guards\n")
    module = "fund.proposals.guards"
    targets = [t for node in ast.walk(tree) for t in imported_modules(node, module, False)]
    assert targets == ["fund.committee"]
    tree = ast.parse("from .. import money\nfrom .models import Call\n")
    targets = [t for node in ast.walk(tree) for t in imported_modules(node, "fund.calls.x", False)]
    assert targets == ["fund.money", "fund.calls.models"]


def layered_imports() -> list[Import]:
    return [i for i in all_imports() if (i.source, i.target) not in NOT_YET_MOVED]


def test_no_import_cycle_between_packages() -> None:
    report = cycles_report(layered_imports())
    assert not report, "Import cycles between packages:\n" + report


def test_imports_go_down_the_layers_only() -> None:
    rank = {package: level for level, layer in enumerate(LAYERS) for package in layer}
    imports = layered_imports()
    unplaced = sorted({p for i in imports for p in (i.source, i.target)} - set(rank))
    assert not unplaced, (
        f"Packages not placed in LAYERS (and docs/architecture.md): {', '.join(unplaced)}"
    )
    upward = [str(i) for i in imports if rank[i.target] >= rank[i.source]]
    assert not upward, "Imports of a package of the same or a higher layer:\n" + "\n".join(upward)


def test_the_remaining_exceptions_still_exist() -> None:
    found = {(i.source, i.target) for i in all_imports()}
    gone = sorted(NOT_YET_MOVED - found)
    assert not gone, f"No longer imported, remove from NOT_YET_MOVED: {gone}"


def test_the_workflow_engine_imports_neither_flask_nor_fund() -> None:
    found = []
    for path in sorted((ROOT / "workflows").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = imported_modules(node, "workflows.x", False)
            found += [
                f"{path.relative_to(ROOT)}:{node.lineno}: {name}"
                for name in names
                if name.split(".")[0] in ("flask", "fund")
            ]
    assert not found, "\n".join(found)


def long_modules() -> list[str]:
    return [
        f"{path.relative_to(ROOT)}: {count} lines"
        for path in python_files()
        if (count := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    ]


def test_no_module_is_over_600_lines() -> None:
    assert not long_modules(), f"Modules over {MAX_LINES} lines:\n" + "\n".join(long_modules())
