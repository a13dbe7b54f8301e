"""House rules that hold by themselves: the engine's layers (import-linter), no pickle, every
public function documented, rooms of a readable size, tests that mirror the package, ruff and
mypy clean."""

from __future__ import annotations

import ast
import subprocess
import sys
import tomllib
from pathlib import Path

from tests.helpers import PROJECT_ROOT

ENGINE = PROJECT_ROOT / "gait"
MAX_MODULE_LINES = 650


def _tracked_python_files() -> list[Path]:
    """The project's own Python files: those git tracks (never ``.venv`` or other clutter)."""
    result = subprocess.run(["git", "ls-files", "-z", "--", "*.py"], cwd=PROJECT_ROOT,
                            capture_output=True, check=True)
    paths = (PROJECT_ROOT / name for name in result.stdout.decode().split("\0") if name)
    return [p for p in paths if p.is_file()]  # a tracked file deleted in this working tree


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module.split(".")[0])
    return names


def _engine_modules() -> list[Path]:
    return sorted(ENGINE.rglob("*.py"))


def _tool(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", *args], cwd=PROJECT_ROOT, capture_output=True,
                          text=True, timeout=600, check=False)


def test_every_import_points_down_the_layers() -> None:
    """import-linter's contracts (pyproject.toml): the layers, and no streamlit or ui/ in it."""
    lint_imports = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run([str(lint_imports), "--no-cache"], cwd=PROJECT_ROOT,
                            capture_output=True, text=True, timeout=600, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_every_room_of_the_engine_is_in_a_layer() -> None:
    """A new module or subpackage of gait/ cannot escape the layers contract."""
    config = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    contract = next(c for c in config["tool"]["importlinter"]["contracts"]
                    if c["type"] == "layers")
    layered = {name.strip() for layer in contract["layers"] for name in layer.split("|")}
    rooms = {p.stem for p in ENGINE.glob("*.py") if p.stem != "__init__"}
    rooms |= {p.parent.name for p in ENGINE.glob("*/__init__.py")}
    assert rooms == layered


def test_tests_mirror_the_package() -> None:
    """One test folder per engine layer, named like it."""
    layers = {p.parent.name for p in ENGINE.glob("*/__init__.py")}
    test_folders = {p.parent.name for p in (PROJECT_ROOT / "tests").glob("*/__init__.py")}
    assert layers <= test_folders


def test_no_pickle_in_the_project() -> None:
    offenders = [str(p.relative_to(PROJECT_ROOT)) for p in _tracked_python_files()
                 if {"pickle", "joblib", "cloudpickle", "dill"} & _imports(p)]
    assert offenders == []


def test_the_pickle_check_reads_the_project_not_the_environment() -> None:
    files = _tracked_python_files()
    assert PROJECT_ROOT / "gait" / "case" / "store" / "__init__.py" in files
    assert not any(".venv" in p.parts or "site-packages" in p.parts for p in files)


def test_every_public_function_is_documented() -> None:
    missing = []
    for path in _engine_modules():
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if (isinstance(node, ast.FunctionDef | ast.ClassDef)
                    and not node.name.startswith("_") and ast.get_docstring(node) is None):
                missing.append(f"{path.relative_to(PROJECT_ROOT)}:{node.name}")
    assert missing == []


def test_every_package_says_what_it_does_and_may_import() -> None:
    for init in ENGINE.glob("*/__init__.py"):
        doc = ast.get_docstring(ast.parse(init.read_text(encoding="utf-8"))) or ""
        assert "May import" in doc, init


def test_pages_reach_the_store_only_as_the_signed_in_account() -> None:
    """Only the log-in (ui/auth.py) and the helper that makes the handle (ui/common.py) touch
    the machine's store; every page works through ``common.store()``, which acts for the
    signed-in account and so cannot forget a permission check."""
    offenders = []
    for path in [*(PROJECT_ROOT / "pages").glob("*.py"), *(PROJECT_ROOT / "ui").glob("*.py"),
                 PROJECT_ROOT / "app.py"]:
        if path.name in ("auth.py", "common.py"):
            continue
        text = path.read_text(encoding="utf-8")
        if path.name == "app.py":  # it asks whether any account exists, nothing else
            text = text.replace("common.machine_store().has_users()", "")
        if "CaseStore(" in text or "_store(" in text:
            offenders.append(str(path.relative_to(PROJECT_ROOT)))
    assert offenders == []


def test_no_module_is_much_over_600_lines() -> None:
    long = {}
    for path in [*_engine_modules(), *(PROJECT_ROOT / "ui").glob("*.py"),
                 *(PROJECT_ROOT / "pages").glob("*.py")]:
        name = str(path.relative_to(PROJECT_ROOT))
        n_lines = len(path.read_text(encoding="utf-8").splitlines())
        if n_lines > MAX_MODULE_LINES:
            long[name] = n_lines
    assert long == {}


def test_ruff_finds_nothing() -> None:
    result = _tool("ruff", "check", "gait", "tests", "pages", "ui", "app.py")
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy_finds_nothing_in_the_engine() -> None:
    result = _tool("mypy", "gait")
    assert result.returncode == 0, result.stdout + result.stderr
