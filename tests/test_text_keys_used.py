"""Every catalogue key the code names literally exists in both languages.

A key is looked up only when its branch runs, so a misspelt key in a rarely drawn chart
(notebook 10's accuracy axis asked for ``acc_x`` in the ``charts`` section, whose key is
``reasons.acc_x``) fails at a reader's desk, not in a unit test. This reads the source
instead: each module-level ``NAME = Words("section")``, then every call ``NAME("key", ...)``,
``NAME.template/get/pair/plural("key", ...)`` with a literal key (either branch of a
conditional key too), in the library and the notebooks.
"""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

from riskkit.texts import catalogue

ROOT = Path(__file__).resolve().parents[1]
SOURCES = sorted((ROOT / "src" / "riskkit").rglob("*.py")) + sorted((ROOT / "notebooks").glob("*.py"))
METHODS = {"template", "get", "pair", "plural"}


def _word_sections() -> dict[str, set[str]]:
    sections: dict[str, set[str]] = {}
    for path in SOURCES:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Assign) and isinstance(node.value, ast.Call)
                    and getattr(node.value.func, "id", None) == "Words" and node.value.args
                    and isinstance(node.value.args[0], ast.Constant)):
                for target in node.targets:
                    if isinstance(target, ast.Name):
                        sections.setdefault(target.id, set()).add(node.value.args[0].value)
    return sections


def _literal_keys(sections: dict[str, set[str]]) -> list[tuple[str, int, str, str, bool]]:
    found = []
    for path in SOURCES:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call) or not node.args:
                continue
            func = node.func
            if isinstance(func, ast.Name):
                name, plural = func.id, False
            elif (isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name)
                  and func.attr in METHODS):
                name, plural = func.value.id, func.attr == "plural"
            else:
                continue
            if name not in sections:
                continue
            arg = node.args[0]
            options = [arg] if not isinstance(arg, ast.IfExp) else [arg.body, arg.orelse]
            for option in options:
                if isinstance(option, ast.Constant) and isinstance(option.value, str):
                    found.append((path.relative_to(ROOT).as_posix(), node.lineno, name,
                                  option.value, plural))
    return found


def test_the_scan_finds_the_words_objects_and_their_keys() -> None:
    sections = _word_sections()
    assert {"CHARTS", "LETTERS", "REPORT"} <= set(sections)
    assert len(_literal_keys(sections)) > 200


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_every_literal_key_is_in_the_catalogue(lang: str) -> None:
    sections = _word_sections()
    texts = catalogue(lang)
    missing = []
    for path, line, name, key, plural in _literal_keys(sections):
        wanted = [f"{key}.one", f"{key}.other"] if plural else [key]
        if not any(all(k in (texts.get(s) or {}) for k in wanted) for s in sections[name]):
            missing.append(f"{path}:{line} {name}({key!r})")
    assert not missing, "keys not in the catalogue: " + "; ".join(missing)
