"""House rules that hold by themselves: the engine never imports streamlit, no pickle, every
public function documented, ruff and mypy clean."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module.split(".")[0])
    return names


def test_engine_never_imports_streamlit() -> None:
    offenders = [p.name for p in (ROOT / "gait").glob("*.py") if "streamlit" in _imports(p)]
    assert offenders == []


def test_no_pickle_in_product_code() -> None:
    sources = [*(ROOT / "gait").glob("*.py"), *ROOT.glob("*.py"), *(ROOT / "pages").glob("*.py")]
    offenders = [p.name for p in sources if {"pickle", "joblib"} & _imports(p)]
    assert offenders == []


def test_every_public_function_is_documented() -> None:
    missing = []
    for path in (ROOT / "gait").glob("*.py"):
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if (isinstance(node, ast.FunctionDef | ast.ClassDef)
                    and not node.name.startswith("_") and ast.get_docstring(node) is None):
                missing.append(f"{path.name}:{node.name}")
    assert missing == []


def _tool(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=600, check=False)


def test_ruff_finds_nothing() -> None:
    result = _tool("ruff", "check", "gait", "tests", "pages", "ui", "app.py")
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy_finds_nothing_in_the_engine() -> None:
    result = _tool("mypy", "gait")
    assert result.returncode == 0, result.stdout + result.stderr
