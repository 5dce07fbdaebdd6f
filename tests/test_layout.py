"""The package's shape, held: layers that import only downwards, production without the
sandbox, and modules small enough to read (DESIGN.md, Layout; DEVELOPERS.md, Style)."""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")

MAX_FILE_LINES = 300
MAX_CLASS_LINES = 150
MAX_FUNCTION_LINES = 60


def _lint_imports(root: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"],
        cwd=root,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(root)},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_the_layers_contract_holds_and_bites(tmp_path: Path) -> None:
    kept = _lint_imports(ROOT)
    assert kept.returncode == 0, kept.stdout

    # The same tree with one wrong-way import: the domain reaching up into the runtime.
    shutil.copytree(ROOT / "bot", tmp_path / "bot", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    grammar = tmp_path / "bot" / "domain" / "grammar.py"
    grammar.write_text(grammar.read_text() + "\nfrom bot.runtime import wiring  # noqa: E402\n")
    broken = _lint_imports(tmp_path)
    assert broken.returncode == 1, broken.stdout
    assert "bot.domain.grammar -> bot.runtime.wiring" in broken.stdout


@pytest.mark.parametrize("entrypoint", ["bot.entrypoints.cli", "bot.entrypoints.check"])
def test_production_loads_no_stand_in(entrypoint: str) -> None:
    loaded = subprocess.run(
        [
            sys.executable,
            "-c",
            f"import sys, {entrypoint}; "
            "print('\\n'.join(m for m in sys.modules if m.startswith('bot.sandbox')))",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert loaded.stdout.split() == []


def _oversized(path: Path) -> list[str]:
    text = path.read_text()
    where = path.relative_to(ROOT)
    found = []
    if (lines := text.count("\n")) > MAX_FILE_LINES:
        found.append(f"{where}: {lines} lines")
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            length = (node.end_lineno or node.lineno) - node.lineno + 1
            limit = MAX_CLASS_LINES if isinstance(node, ast.ClassDef) else MAX_FUNCTION_LINES
            if length > limit:
                found.append(f"{where}:{node.lineno} {node.name}: {length} lines")
    return found


def test_no_file_class_or_function_is_too_long_to_read() -> None:
    paths = sorted(p for d in ("bot", "tests", "bench") for p in (ROOT / d).rglob("*.py"))
    assert len(paths) > 100
    assert [found for path in paths for found in _oversized(path)] == []


def _imported(node: ast.AST) -> list[str]:
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if isinstance(node, ast.ImportFrom) and node.module:
        return [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
    return []


def test_helpers_live_in_support_modules_never_in_a_test_module() -> None:
    importers = []
    for path in sorted(p for d in ("tests", "bench") for p in (ROOT / d).rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            for name in _imported(node):
                if any(part.startswith("test_") for part in name.split(".")):
                    importers.append(f"{path.relative_to(ROOT)} imports {name}")
    assert importers == []
