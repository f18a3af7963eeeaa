"""The import floors of DESIGN.md, enforced: an import never points up.

    cli.py, web/                 the faces
    brief/                       reads results, renders
    evaluate/ claims/ sources/   never import each other
    store.py → validate.py
    model.py errors.py settings.py   the ground
"""

from __future__ import annotations

import ast
from pathlib import Path

PKG = Path(__file__).resolve().parents[1] / "aidwatch"
FACES = {"cli", "web"}
PEERS = {"evaluate", "claims", "sources"}
GROUND = {"model", "errors", "settings", "_version", "dimensions", "jsonout", "textfile"}


def _module(path: Path) -> str:
    rel = path.relative_to(PKG).with_suffix("")
    return ".".join(rel.parts)


def _imports(path: Path) -> set[str]:
    """Top-level aidwatch subpackages/modules imported by a file."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    here = _module(path).split(".")
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = here[: len(here) - node.level]
                parts = base + (node.module.split(".") if node.module else [])
                if not node.module:
                    parts += [a.name for a in node.names][:1]
            elif node.module and node.module.startswith("aidwatch"):
                parts = node.module.split(".")[1:] or [a.name for a in node.names][:1]
            else:
                continue
            if parts:
                found.add(parts[0])
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("aidwatch."):
                    found.add(alias.name.split(".")[1])
    return found


def _files():
    return [p for p in PKG.rglob("*.py") if "templates" not in p.parts]


def test_nothing_imports_the_faces():
    for path in _files():
        top = _module(path).split(".")[0]
        if top in FACES or top == "__init__":
            continue
        assert not (_imports(path) & FACES), f"{path} imports a face (cli/web)"


def test_evaluate_claims_sources_never_import_each_other():
    for path in _files():
        top = _module(path).split(".")[0]
        if top in PEERS:
            others = (_imports(path) & PEERS) - {top}
            assert not others, f"{path} imports {others}"


def test_the_ground_imports_nothing_above_it():
    for path in _files():
        if _module(path) in GROUND:
            assert _imports(path) <= GROUND, f"{path} imports {_imports(path) - GROUND}"


def test_only_the_brief_and_faces_combine_estimates_and_claims():
    for path in _files():
        top = _module(path).split(".")[0]
        if top in {"store", "validate", "money", "export", "console"}:
            assert not (_imports(path) & (PEERS | {"brief"})), path


def test_one_module_per_peer_package_talks_to_the_store():
    """Estimators, parsers and connectors are pure; one module each reads or writes the store."""
    for peer in PEERS:
        users = [p.name for p in (PKG / peer).glob("*.py") if {"store", "money"} & _imports(p)]
        assert len(users) <= 1, f"aidwatch/{peer}: {users} all import the store"
