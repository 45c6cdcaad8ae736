"""The layout is the architecture: each layer imports only the layers below it, there is no
import circle (imports for type checking and inside functions count), and the core never
imports discord."""

from __future__ import annotations

import ast
from pathlib import Path

from tests.conftest import ROOT

BOT = ROOT / "bot"
# Lowest first. A module imports its own folder or a lower layer, never a higher one nor
# another folder of its own layer.
LAYERS = (
    ("bot", "bot.config"),
    ("bot.knowledge",),
    ("bot.matching",),
    ("bot.records", "bot.calculator"),
    ("bot.rendering",),
    ("bot.startup",),
    ("bot.discord_adapter", "bot.terminal", "bot.web_adapter"),
    ("bot.__main__",),
)
CORE = ("bot.knowledge", "bot.matching", "bot.records", "bot.calculator", "bot.rendering")
# Inside the Discord adapter: the client and shared helpers, then views, then the cogs.
ADAPTER_LAYERS = ("bot.discord_adapter", "bot.discord_adapter.views", "bot.discord_adapter.cogs")
MAX_LINES, MAX_MODULES = 300, 14


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(path): path for path in BOT.rglob("*.py")}


def imported_names(name: str) -> set[str]:
    """Every module name an import statement in `name` mentions, resolved to absolute."""
    path = MODULES[name]
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, *([node.module] if node.module else [])])
            names.add(base)
            names.update(f"{base}.{alias.name}" for alias in node.names)
    return names


def dependencies(name: str) -> set[str]:
    """The bot's modules that importing `name` runs, parent packages included."""
    found = set()
    for imported in imported_names(name):
        parts = imported.split(".")
        for end in range(1, len(parts) + 1):
            candidate = ".".join(parts[:end])
            if candidate in MODULES and candidate != name:
                found.add(candidate)
    return found


GRAPH = {name: dependencies(name) for name in MODULES}


def unit(name: str, units: tuple[str, ...]) -> str | None:
    """The longest of `units` that `name` is or lies under."""
    owners = [u for u in units if name == u or name.startswith(u + ".")]
    return max(owners, key=len) if owners else None


def rank(name: str) -> tuple[int, str]:
    """The layer's level and the folder (or root module) that `name` belongs to."""
    for level, units in enumerate(LAYERS):
        for owner in units:  # the package `bot` itself is only its empty __init__
            if name == owner or (owner != "bot" and name.startswith(owner + ".")):
                return level, owner
    raise AssertionError(f"{name} is in no layer: add it to LAYERS")


def circles() -> list[list[str]]:
    """Strongly connected groups of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in GRAPH[node]:
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for node in sorted(GRAPH):
        if node not in index:
            visit(node)
    return found


def test_no_import_circle():
    assert circles() == []


def test_every_layer_imports_only_the_layers_below_it():
    wrong = []
    for name, deps in GRAPH.items():
        level, owner = rank(name)
        for dep in deps:
            dep_level, dep_owner = rank(dep)
            if dep_owner != owner and dep_level >= level:
                wrong.append(f"{name} imports {dep}")
    assert wrong == []


def test_inside_the_discord_adapter_cogs_sit_on_views_and_no_cog_imports_another():
    wrong = []
    for name, deps in GRAPH.items():
        if not name.startswith("bot.discord_adapter."):
            continue
        level = ADAPTER_LAYERS.index(unit(name, ADAPTER_LAYERS))
        for dep in (d for d in deps if d.startswith("bot.discord_adapter.")):
            if ADAPTER_LAYERS.index(unit(dep, ADAPTER_LAYERS)) > level:
                wrong.append(f"{name} imports {dep}")
            cog, dep_cog = name.split(".")[3:4], dep.split(".")[3:4]
            if level == 2 and dep.startswith(ADAPTER_LAYERS[2] + ".") and cog != dep_cog:
                wrong.append(f"cog {name} imports cog {dep}")
    assert wrong == []


def test_the_core_imports_neither_discord_nor_a_web_server_nor_an_adapter():
    wrong = [
        f"{name} imports {imported}"
        for name in MODULES
        if name.startswith(CORE)
        for imported in imported_names(name)
        if imported.split(".")[0] in ("discord", "aiohttp", "jinja2")
        or imported.startswith(("bot.discord_adapter", "bot.terminal", "bot.web_adapter"))
    ]
    assert wrong == []


def test_modules_are_short_and_folders_small():
    long = {
        name: lines
        for name, path in MODULES.items()
        if (lines := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert long == {}
    crowded = {
        str(folder.relative_to(ROOT)): count
        for folder in {path.parent for path in MODULES.values()}
        if (count := len(list(folder.glob("*.py")))) > MAX_MODULES
    }
    assert crowded == {}


def test_the_checks_see_a_circle_and_a_core_module_importing_discord(monkeypatch):
    """The checks above would fail on the faults they look for."""
    monkeypatch.setitem(GRAPH, "bot.knowledge.model", {"bot.knowledge.store"})
    assert circles()
    monkeypatch.setitem(MODULES, "bot.matching.fake", BOT / "discord_adapter" / "app.py")
    assert "discord" in {n.split(".")[0] for n in imported_names("bot.matching.fake")}
