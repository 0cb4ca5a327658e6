"""The text catalogue: both languages complete and alike, and every key the code asks for there.

riskkit's words live in ``src/riskkit/texts/en.yaml`` and ``zh.yaml``. A translator edits
those files only, so the tests here are what stands between a typo in a key and a KeyError
in a letter: the two files must have the same sections and keys, every text the same
``{placeholders}`` in both languages, and every key the code names (scanned from the
source, not from a list kept by hand) must exist.
"""

from __future__ import annotations

import ast
import re
import sys
from pathlib import Path

import pytest
import yaml

from riskkit.texts import LANGS, Words, catalogue, check_lang, placeholders

SRC = Path(__file__).resolve().parents[1] / "src" / "riskkit"
#: Methods of :class:`Words` whose first argument is a key.
KEY_METHODS = {"get", "pair", "template"}
#: Report code reaches the ``report`` section through ``view.t`` / ``t = view.t`` / ``text``.
REPORT_CALLS = {"t", "text"}


def _section_names() -> dict[str, str]:
    """``NAME = Words("section")`` anywhere in the package: name -> section."""
    found: dict[str, str] = {}
    for path in SRC.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Assign) and len(node.targets) == 1
                    and isinstance(node.targets[0], ast.Name) and isinstance(node.value, ast.Call)
                    and getattr(node.value.func, "id", None) == "Words"
                    and isinstance(node.value.args[0], ast.Constant)):
                name, section = node.targets[0].id, node.value.args[0].value
                assert found.setdefault(name, section) == section, (
                    f"{name} names two sections: {found[name]} and {section}")
    return found


def _key(node: ast.AST) -> tuple[str, bool] | None:
    """A literal key (``"a.b"``, exact) or the literal start of an f-string key (prefix)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value, True
    if isinstance(node, ast.JoinedStr) and node.values and isinstance(node.values[0], ast.Constant):
        return str(node.values[0].value), False
    return None


def used_keys() -> list[tuple[str, str, bool, str]]:
    """Every (section, key or prefix, exact, where) the source names."""
    sections = _section_names()
    uses = []
    for path in sorted(SRC.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        where = str(path.relative_to(SRC))
        report = "reporting" in path.relative_to(SRC).parts
        # names bound to a whole section's texts: w = LETTERS.texts(lang), self.words = ...
        bound: dict[str, str] = {}
        for node in ast.walk(tree):
            if (isinstance(node, ast.Assign) and isinstance(node.value, ast.Call)
                    and isinstance(node.value.func, ast.Attribute)
                    and node.value.func.attr == "texts"
                    and getattr(node.value.func.value, "id", None) in sections):
                for target in node.targets:
                    name = target.id if isinstance(target, ast.Name) else getattr(target, "attr", None)
                    if name:
                        bound[name] = sections[node.value.func.value.id]
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and node.args:
                func, key = node.func, _key(node.args[0])
                if key is None:
                    continue
                if isinstance(func, ast.Name) and func.id in sections:
                    uses.append((sections[func.id], *key, where))
                elif (isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name)
                      and func.value.id in sections):
                    if func.attr in KEY_METHODS:
                        uses.append((sections[func.value.id], *key, where))
                    elif func.attr == "plural" and key[1]:
                        for form in ("one", "other"):
                            uses.append((sections[func.value.id], f"{key[0]}.{form}", True, where))
                elif report and (getattr(func, "id", None) in REPORT_CALLS
                                 or getattr(func, "attr", None) == "t"):
                    uses.append(("report", *key, where))
            elif isinstance(node, ast.Subscript):
                owner = node.value
                name = owner.id if isinstance(owner, ast.Name) else getattr(owner, "attr", None)
                key = _key(node.slice)
                if name in bound and key is not None:
                    uses.append((bound[name], *key, where))
            elif (isinstance(node, ast.Compare) and len(node.ops) == 1
                  and isinstance(node.ops[0], (ast.In, ast.NotIn))
                  and getattr(node.comparators[0], "id", None) in sections):
                key = _key(node.left)
                if key is not None:
                    uses.append((sections[node.comparators[0].id], *key, where))
    return uses


def test_both_languages_have_the_same_sections_and_keys_in_the_same_order() -> None:
    en, zh = catalogue("en"), catalogue("zh")
    assert list(en) == list(zh)
    for section in en:
        assert list(en[section]) == list(zh[section]), section


def test_every_text_has_the_same_placeholders_in_both_languages() -> None:
    en, zh = catalogue("en"), catalogue("zh")
    differ = [f"{section}.{key}: {sorted(placeholders(text))} vs "
              f"{sorted(placeholders(zh[section][key]))}"
              for section, entries in en.items() for key, text in entries.items()
              if placeholders(text) != placeholders(zh[section][key])]
    assert not differ, differ


def test_the_files_are_plain_yaml_of_strings() -> None:
    for lang in LANGS:
        raw = yaml.safe_load((SRC / "texts" / f"{lang}.yaml").read_text(encoding="utf-8"))
        for section, entries in raw.items():
            assert isinstance(entries, dict), section
            bad = [k for k, v in entries.items() if not isinstance(v, str)]
            assert not bad, f"{lang}.yaml {section}: not text: {bad}"


def test_every_key_the_code_names_exists() -> None:
    uses = used_keys()
    assert len(uses) > 400  # the scan sees the code (a broken scan would pass vacuously)
    en = catalogue("en")
    missing = [f"{where}: {section}.{key}{'' if exact else '*'}"
               for section, key, exact, where in uses
               if section not in en or not (key in en[section] if exact
                                            else any(k.startswith(key) for k in en[section]))]
    assert not missing, missing


def test_the_scan_finds_a_key_that_is_not_there(tmp_path, monkeypatch) -> None:
    (tmp_path / "m.py").write_text('X = Words("letters")\nX("no.such.key", "en")\n'
                                   'X.plural("months", 2)\n', encoding="utf-8")
    monkeypatch.setattr(sys.modules[__name__], "SRC", tmp_path)
    found = {(s, k) for s, k, _, _ in used_keys()}
    assert found == {("letters", "no.such.key"), ("letters", "months.one"),
                     ("letters", "months.other")}


def test_words_fill_templates_choose_plurals_and_name_what_is_missing() -> None:
    levers = Words("levers")
    assert levers.plural("months", 1, "en") == "1 month"
    assert levers.plural("months", 3, "en") == "3 months"
    assert levers.plural("months", 1, "zh") == "1个月"
    assert Words("letters").pair("truth.is") == ("is", "是")
    with pytest.raises(KeyError, match="no key 'nope'"):
        levers("nope")
    with pytest.raises(KeyError, match="no section 'nope'"):
        Words("nope")("x")
    with pytest.raises(ValueError, match="fr"):
        check_lang("fr")


def test_no_chinese_text_outside_the_catalogue_but_recognition_words() -> None:
    """Chinese in code is either the catalogue's (moved) or words riskkit *reads*: column
    names and labels of a user's file (``data/``), and the probe a font is tested with."""
    han = re.compile(r"[\u4e00-\u9fff]")
    offenders = []
    for path in SRC.rglob("*.py"):
        if path.parent.name == "data" or path.name == "style.py":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        docstrings = {id(owner.body[0].value) for owner in ast.walk(tree)
                      if isinstance(owner, (ast.Module, ast.FunctionDef, ast.ClassDef,
                                            ast.AsyncFunctionDef))
                      and owner.body and isinstance(owner.body[0], ast.Expr)}
        offenders += [f"{path.relative_to(SRC)}:{node.lineno}" for node in ast.walk(tree)
                      if isinstance(node, ast.Constant) and isinstance(node.value, str)
                      and han.search(node.value) and id(node) not in docstrings]
    assert not offenders, offenders
