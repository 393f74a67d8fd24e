"""The architecture holds: the import contracts, no import cycle, no hidden local import.

- import-linter's contracts (pyproject.toml [tool.importlinter]: the layers, the
  protected pages, no cycle between siblings) are kept;
- no import cycle between any two modules of the project, across apps or
  inside one, also through imports in function bodies (grimp sees those);
- an import of a project module inside a function body says why with a
  `# local import: <reason>` comment, so a cycle cannot hide behind one again.
"""

from __future__ import annotations

import ast
import itertools
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from pathlib import Path

import grimp

ROOT = Path(__file__).resolve().parents[2]
ROOT_PACKAGES: list[str] = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"][
    "importlinter"
]["root_packages"]
LOCAL_IMPORT_COMMENT = "# local import:"


def test_the_import_contracts_are_kept() -> None:
    lint_imports = Path(sys.executable).parent / "lint-imports"
    result = subprocess.run(
        [str(lint_imports), "--no-cache"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


# --- Cycles ---------------------------------------------------------------------------


def _strongly_connected(graph: grimp.ImportGraph) -> list[set[str]]:
    """Tarjan's algorithm, iterative: the groups of modules that import each other."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    groups: list[set[str]] = []
    counter = 0
    for start in sorted(graph.modules):
        if start in index:
            continue
        work: list[tuple[str, Iterator[str]]] = []
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        work.append((start, iter(sorted(graph.find_modules_directly_imported_by(start)))))
        while work:
            module, children = work[-1]
            for child in children:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append(
                        (child, iter(sorted(graph.find_modules_directly_imported_by(child))))
                    )
                    break
                if child in on_stack:
                    low[module] = min(low[module], index[child])
            else:
                work.pop()
                if work:
                    parent = work[-1][0]
                    low[parent] = min(low[parent], low[module])
                if low[module] == index[module]:
                    group = set()
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        group.add(member)
                        if member == module:
                            break
                    if len(group) > 1:
                        groups.append(group)
    return groups


def _one_cycle(graph: grimp.ImportGraph, group: set[str]) -> list[str]:
    """A readable cycle through the group: a -> b -> ... -> a."""
    first = min(group)
    for imported in sorted(graph.find_modules_directly_imported_by(first) & group):
        back = graph.find_shortest_chain(importer=imported, imported=first)
        if back:
            return [first, *back]
    return sorted(group)


def _describe(graph: grimp.ImportGraph, cycle: list[str]) -> str:
    steps = []
    for importer, imported in itertools.pairwise(cycle):
        lines = sorted(
            {
                detail["line_number"]
                for detail in graph.get_import_details(importer=importer, imported=imported)
            }
        )
        steps.append(f"{importer} -> {imported} (l.{', '.join(map(str, lines))})")
    return "\n    ".join(steps)


def test_no_module_of_the_project_is_part_of_an_import_cycle() -> None:
    graph = grimp.build_graph(*ROOT_PACKAGES, cache_dir=None)
    cycles = [_one_cycle(graph, group) for group in _strongly_connected(graph)]
    message = "\n".join(f"  cycle:\n    {_describe(graph, cycle)}" for cycle in cycles)
    assert not cycles, f"Import cycles between modules of the project:\n{message}"


def test_the_cycle_finder_names_each_cycle_once() -> None:
    graph = grimp.ImportGraph()
    for importer, imported in [
        ("shop.services", "shop.inbox"),
        ("shop.inbox", "shop.services"),
        ("shop.views", "shop.services"),
        ("core.a", "core.b"),
    ]:
        graph.add_import(importer=importer, imported=imported, line_number=1, line_contents="")
    groups = _strongly_connected(graph)
    assert groups == [{"shop.inbox", "shop.services"}]
    assert _one_cycle(graph, groups[0]) == ["shop.inbox", "shop.services", "shop.inbox"]


# --- Imports inside functions -----------------------------------------------------------


def _project_files() -> Iterator[Path]:
    for package in ROOT_PACKAGES:
        yield from sorted((ROOT / package).rglob("*.py"))


def _is_project_import(node: ast.Import | ast.ImportFrom) -> bool:
    if isinstance(node, ast.ImportFrom):
        if node.level:
            return True
        names = [node.module or ""]
    else:
        names = [alias.name for alias in node.names]
    return any(name.split(".")[0] in ROOT_PACKAGES for name in names)


def _has_reason(lines: list[str], node: ast.stmt, import_lines: set[int]) -> bool:
    """A `# local import:` comment on the import's lines, or above it with only
    imports, comments and blank lines between (one comment explains a group)."""
    end = node.end_lineno or node.lineno
    if any(LOCAL_IMPORT_COMMENT in line for line in lines[node.lineno - 1 : end]):
        return True
    number = node.lineno - 1  # 1-based number of the line above
    while number >= 1:
        line = lines[number - 1].strip()
        if LOCAL_IMPORT_COMMENT in line:
            return True
        if not (number in import_lines or not line or line.startswith("#")):
            return False
        number -= 1
    return False


def _unexplained_local_imports(path: Path, *, root: Path = ROOT) -> Iterator[str]:
    source = path.read_text()
    lines = source.splitlines()
    tree = ast.parse(source, filename=str(path))
    for function in ast.walk(tree):
        if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        imports = [
            node for node in ast.walk(function) if isinstance(node, ast.Import | ast.ImportFrom)
        ]
        import_lines = {
            number
            for node in imports
            for number in range(node.lineno, (node.end_lineno or node.lineno) + 1)
        }
        for node in imports:
            if _is_project_import(node) and not _has_reason(lines, node, import_lines):
                yield f"{path.relative_to(root)}:{node.lineno} {lines[node.lineno - 1].strip()}"


def test_every_local_import_of_a_project_module_says_why() -> None:
    found = [
        hit
        for path in _project_files()
        # A nested function's imports are also its outer function's: list them once.
        for hit in sorted(
            set(_unexplained_local_imports(path)), key=lambda hit: int(hit.split()[0].split(":")[1])
        )
    ]
    assert not found, (
        "Imports inside functions hide import cycles. Import at the top of the module, "
        f"or say why it must be local with a `{LOCAL_IMPORT_COMMENT} <reason>` comment:\n  "
        + "\n  ".join(found)
    )


def test_the_local_import_check_finds_an_unexplained_one(tmp_path: Path) -> None:
    module = tmp_path / "example.py"
    module.write_text(
        "def ready():\n"
        "    # local import: the app registry is not ready at import time.\n"
        "    from billing import stripe_inbox\n"
        "    from credits import ledger\n"
        "\n"
        "\n"
        "def hidden():\n"
        "    from billing.services import fulfil_checkout\n"
    )
    found = list(_unexplained_local_imports(module, root=tmp_path))
    assert found == ["example.py:8 from billing.services import fulfil_checkout"]
