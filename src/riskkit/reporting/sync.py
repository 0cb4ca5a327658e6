"""Make the ``.ipynb`` partner of every notebook source, for JupyterLab (``make lab``).

The reviewed file is ``notebooks/NN_name.py`` (jupytext ``py:percent``); the ``.ipynb`` is
git-ignored. This writes it next to its source, without outputs, with jupytext pairing
metadata (``formats: ipynb,py:percent``) so that JupyterLab, through jupytext's contents
manager, opens it ready to run and writes every save back to the ``.py`` as well.

Rules, so that running it never loses work:

* no ``.ipynb`` yet: created from the source;
* same cells as the source: left alone (outputs from the last session stay);
* different cells and the source is newer (a ``git pull``, an edit in an editor):
  rewritten from the source, without outputs, since they belong to the old code;
* different cells and the ``.ipynb`` is newer: kept, with a warning; those edits exist
  only in the ``.ipynb`` (saved without jupytext) and would otherwise be overwritten.

The ``.ipynb`` gets the source's modification time: jupytext refuses to open a pair whose
``.ipynb`` is newer than its text file, as that usually means the text file is outdated.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

from riskkit.core.errors import RiskkitError
from riskkit.core.io import write_text
from riskkit.reporting.notebooks import find_notebooks

PAIRING = "ipynb,py:percent"
#: jupytext's default ``outdated_text_notebook_margin``, in seconds.
MARGIN_S = 1.0


def _cells(nb: Any) -> list[tuple[str, str, tuple[str, ...]]]:
    """What a user edits: cell kinds, sources and tags (not outputs, ids or counts)."""
    return [(c.cell_type, c.source.strip(), tuple(c.get("metadata", {}).get("tags", [])))
            for c in nb.cells]


def paired_notebook(source: Path) -> Any:
    """The source as a paired notebook without outputs, ready for JupyterLab."""
    import jupytext

    nb = jupytext.read(source, fmt="py:percent")
    nb.metadata.setdefault("jupytext", {})["formats"] = PAIRING
    nb.metadata.setdefault("kernelspec", {"display_name": "Python 3 (ipykernel)",
                                          "language": "python", "name": "python3"})
    return nb


def sync_notebook(source: Path) -> str:
    """Bring ``source``'s ``.ipynb`` up to date; return what was done (see module doc)."""
    import jupytext

    target = source.with_suffix(".ipynb")
    nb = paired_notebook(source)
    if target.exists():
        try:
            current = jupytext.read(target, fmt="ipynb")
        except Exception as exc:  # nbformat raises many types for a broken file
            raise RiskkitError(f"{target} is not a readable notebook ({exc}); delete it to "
                               "regenerate it from the source") from None
        if _cells(current) == _cells(nb):
            return "up to date"
        if target.stat().st_mtime > source.stat().st_mtime + MARGIN_S:
            return "kept"
        action = "updated"
    else:
        action = "created"
    write_text(target, jupytext.writes(nb, fmt="ipynb"))
    stamp = source.stat().st_mtime
    os.utime(target, (stamp, stamp))
    return action


def sync_all(folder: str | os.PathLike[str] | None = None) -> dict[Path, str]:
    """:func:`sync_notebook` for every ``NN_name.py`` in ``folder`` (default: the repo's)."""
    return {source: sync_notebook(source) for source in find_notebooks(source_dir=folder)}


def main(argv: list[str] | None = None) -> int:
    """``python -m riskkit.reporting.sync [--dir FOLDER]``: print one line per notebook."""
    parser = argparse.ArgumentParser(prog="python -m riskkit.reporting.sync",
                                     description="Create or refresh notebooks/*.ipynb from "
                                                 "their jupytext .py sources.")
    parser.add_argument("--dir", type=Path, default=None,
                        help="folder of NN_name.py sources (default: the repo's notebooks/)")
    args = parser.parse_args(argv)
    try:
        done = sync_all(args.dir)
    except RiskkitError as exc:
        print(f"notebooks_sync: error: {exc}", file=sys.stderr)
        return 2
    for source, action in done.items():
        ipynb = source.with_suffix(".ipynb").name
        if action == "kept":
            print(f"warning: {ipynb} has edits that are not in {source.name} and is newer; "
                  f"kept as is (save it in JupyterLab to update {source.name}, or delete it "
                  "to regenerate it)", file=sys.stderr)
        else:
            print(f"{ipynb}: {action}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
