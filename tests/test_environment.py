"""pyproject.toml is the list of dependencies; environment.yml must mirror it."""

from __future__ import annotations

import re
import tomllib
from importlib import metadata
from pathlib import Path

import yaml
from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[1]
CONDA_NAMES = {"matplotlib-base": "matplotlib"}
NOT_PACKAGES = {"python", "pip"}


def _name(requirement: str) -> str:
    return re.split(r"[<>=!~\[; ]", requirement, maxsplit=1)[0].strip().lower()


def test_environment_yml_lists_the_same_packages_as_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = {_name(r) for r in project["dependencies"]}
    for extra in project["optional-dependencies"].values():
        wanted |= {_name(r) for r in extra}
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    conda = set()
    for dep in env["dependencies"]:
        if isinstance(dep, dict):
            assert dep["pip"][-1] == "-e .", "the pip section ends by installing the project"
            conda |= {_name(r) for r in dep["pip"][:-1]}  # packages conda-forge lacks
            continue
        name = _name(dep)
        conda.add(CONDA_NAMES.get(name, name))
    assert conda - NOT_PACKAGES == wanted
    assert env["channels"] == ["conda-forge"]


def _listed() -> list[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    return [*project["dependencies"],
            *(r for extra in project["optional-dependencies"].values() for r in extra)]


def test_no_dependency_holds_pandas_below_3():
    """Every package the project lists (with its extras) that is installed here accepts
    pandas 3 and the versions installed beside it. A package that caps pandas below 3
    (lifelines 0.30: ``pandas<3.0``) makes pip downgrade pandas on a fresh install, which
    the project must not do; a package not installed here cannot be checked and is left
    out (a fresh install of the dev extra installs them all)."""
    problems, checked = [], 0
    for line in _listed():
        try:
            requires = metadata.requires(_name(line)) or []
        except metadata.PackageNotFoundError:
            continue
        checked += 1
        for text in requires:
            need = Requirement(text)
            if need.marker is not None and not need.marker.evaluate({"extra": ""}):
                continue
            if need.name.lower() == "pandas" and not need.specifier.contains("3.1.0"):
                problems.append(f"{_name(line)} needs {need} (no pandas 3)")
            try:
                have = metadata.version(need.name)
            except metadata.PackageNotFoundError:
                continue
            if not need.specifier.contains(have, prereleases=True):
                problems.append(f"{_name(line)} needs {need}, installed {have}")
    assert checked > 20  # the check saw the environment, not an empty one
    assert not problems, problems
