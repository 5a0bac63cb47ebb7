"""The dependencies a fresh machine gets are the ones CI tested: every package the code imports
is declared in pyproject.toml, and constraints.txt (the lock both Quick start lines install
with) pins every declared package at a version its declared range allows. Refresh the lock
with the command at the top of constraints.txt (README, "Dependencies")."""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[2]
OURS = {"cobuild", "tests", "bench"}
RUNTIME_FOLDERS = ("cobuild", "models", "flows", "notifications")


def _project() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]


def _declared(extra: str | None = None) -> list[Requirement]:
    project = _project()
    listed = project["dependencies"] if extra is None else project["optional-dependencies"][extra]
    return [Requirement(line) for line in listed]


def _locked() -> dict[str, list[tuple[str, str]]]:
    """name -> [(version, marker text)] from constraints.txt."""
    pins: dict[str, list[tuple[str, str]]] = {}
    for line in (ROOT / "constraints.txt").read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        match = re.fullmatch(r"([A-Za-z0-9._-]+)(?:\[[^\]]*\])?==([^\s;]+)\s*(?:;\s*(.*))?", line)
        assert match, f"constraints.txt: not a pin: {line!r}"
        pins.setdefault(canonicalize_name(match[1]), []).append((match[2], match[3] or ""))
    return pins


def _applies(requirement: Requirement, extra: str | None) -> bool:
    return requirement.marker is None or requirement.marker.evaluate({**default_environment(), "extra": extra or ""})


def test_every_declared_package_is_locked_at_a_version_its_range_allows():
    pins = _locked()
    problems = []
    for extra in (None, "test"):
        for requirement in _declared(extra):
            name = canonicalize_name(requirement.name)
            if name not in pins:
                problems.append(f"{requirement.name} is declared but not in constraints.txt")
                continue
            for version, _marker in pins[name]:
                if requirement.specifier and not requirement.specifier.contains(version, prereleases=True):
                    problems.append(f"{requirement.name}=={version} in constraints.txt is outside {requirement}")
    assert not problems, "pyproject.toml and constraints.txt disagree; refresh the lock:\n" + "\n".join(problems)


def test_the_installed_versions_are_the_locked_ones():
    """Run with the lock (as the Quick start and .ci/run install): what is installed is what
    constraints.txt says, for every package it pins."""
    from importlib.metadata import PackageNotFoundError, version

    pins = _locked()
    wrong = []
    for extra in (None, "test"):
        for requirement in _declared(extra):
            if not _applies(requirement, extra):
                continue
            name = canonicalize_name(requirement.name)
            try:
                installed = version(requirement.name)
            except PackageNotFoundError:
                wrong.append(f"{requirement.name} is not installed")
                continue
            if installed not in {pinned for pinned, _ in pins.get(name, [])}:
                wrong.append(f"{requirement.name} {installed} installed, constraints.txt pins "
                             f"{sorted(p for p, _ in pins.get(name, []))}")
    assert not wrong, "install with `pip install -c constraints.txt …` (README, Quick start):\n" + "\n".join(wrong)


def _imported_modules(folder: Path) -> set[str]:
    found = set()
    for path in folder.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            if isinstance(node, ast.Import):
                found |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                found.add(node.module.split(".")[0])
    return found - OURS - set(sys.stdlib_module_names) - {"__future__"}


def _distributions(modules: set[str]) -> dict[str, set[str]]:
    providers = packages_distributions()
    return {module: {canonicalize_name(d) for d in providers.get(module, [])} for module in modules}


def test_every_package_the_code_imports_is_declared():
    runtime = {canonicalize_name(r.name) for r in _declared()}
    testing = runtime | {canonicalize_name(r.name) for r in _declared("test")}
    undeclared = []
    for folders, allowed in ((RUNTIME_FOLDERS, runtime), (("tests", "bench"), testing)):
        modules = set().union(*(_imported_modules(ROOT / folder) for folder in folders))
        for module, distributions in sorted(_distributions(modules).items()):
            if not distributions & allowed:
                undeclared.append(f"{module} (from {', '.join(sorted(distributions)) or 'no installed package'}) "
                                  f"imported under {'/'.join(folders)}")
    assert not undeclared, "imported but not declared in pyproject.toml:\n" + "\n".join(undeclared)
