"""pyproject.toml is the list of dependencies; environment.yml must mirror it."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import yaml

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
