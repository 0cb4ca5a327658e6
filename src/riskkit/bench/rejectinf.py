"""``riskkit bench --section reject_inference``: riskkit's reject inference beside rejectkit's.

Not a timing: an accuracy comparison graded by the truth. The experiment is the repository's
``configs/reject_inference.yaml`` (its seed, its incumbent, both selection settings) at the
bench size's rows, with the rejectkit peer switched on; every method of both packages is
fitted on the same accepted sample and graded by riskkit's own grading on the held-out
applicants. The lines report, per selection, riskkit's best and rejectkit's best on the
rejects' bad-rate error and on the AUC over all applicants, and the accepted-only logistic
regression both packages start from.
"""

from __future__ import annotations

from typing import Any

import yaml

from riskkit.bench.sizes import BenchSizes
from riskkit.core.errors import ConfigError
from riskkit.core.paths import repo_root
from riskkit.experiment.config import resolve
from riskkit.experiment.splits import population_splits, run_world
from riskkit.rejectinf.peer import PEER_MODEL
from riskkit.rejectinf.study import run_studies, section_model_params
from riskkit.rejectinf.summary import single_row

CONFIG = "configs/reject_inference.yaml"


def reject_inference_section(sizes: BenchSizes, quiet: bool = True) -> dict[str, Any]:
    """Both packages' methods on the config's accepted sample; the table and the best rows."""
    path = repo_root() / CONFIG
    if not path.is_file():
        raise ConfigError(f"{path}: the reject-inference bench needs the source checkout's "
                          "config")
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    cfg = resolve(raw, rows=sizes.reject_rows)
    section = {**cfg["reject_inference"], "peer": True}
    world = run_world(cfg)
    splits = population_splits(cfg, world)
    studies = run_studies(splits["train"], splits["valid"], splits["test"], section,
                          cfg["seed"], world=world, quiet=quiet,
                          model_params=section_model_params(cfg))
    out: dict[str, Any] = {"rows": sizes.reject_rows, "seed": cfg["seed"], "config": CONFIG}
    for sel, study in studies.items():
        table = study.table()
        ours = table[(table["model"] != PEER_MODEL)
                     & ~table["method"].isin(["full_information", "incumbent"])]
        peer = table[table["model"] == PEER_MODEL]
        out[sel] = {
            "table": table.to_dict(orient="records"),
            "ours_best_error": _best(ours, "reject_abs_error", lowest=True),
            "ours_best_auc": _best(ours, "auc_all", lowest=False),
            "peer_best_error": _best(peer, "reject_abs_error", lowest=True),
            "peer_best_auc": _best(peer, "auc_all", lowest=False),
            "peer_accepted_only": _row(peer[peer["method"] == "accepted_only"]),
            "single_row": single_row(study.grades, study.peer),
        }
    return out


def _row(frame: Any) -> dict[str, Any]:
    if not len(frame):
        return {}
    row = frame.iloc[0]
    return {"model": row["model"], "method": row["method"],
            "reject_abs_error": float(row["reject_abs_error"]), "auc_all": float(row["auc_all"])}


def _best(frame: Any, column: str, lowest: bool) -> dict[str, Any]:
    if not len(frame):
        return {}
    ordered = frame.sort_values(column, ascending=lowest, kind="stable")
    return _row(ordered)


def reject_inference_lines(r: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    """(figure, riskkit, rejectkit, verdict) lines for the bench's table."""
    lines = []
    for sel in ("mar", "mnar"):
        if sel not in r:
            continue
        s = r[sel]
        for what, key, fmt in (("rejects' bad-rate error", "error", "{:.2%}"),
                               ("AUC over all applicants", "auc", "{:.4f}")):
            ours, peer = s[f"ours_best_{key}"], s[f"peer_best_{key}"]
            column = "reject_abs_error" if key == "error" else "auc_all"
            better = (ours[column] < peer[column]) if key == "error" else (
                ours[column] > peer[column])
            lines.append((f"{sel.upper()} best {what} ({ours['model']}/{ours['method']} vs "
                          f"{peer['method']})", fmt.format(ours[column]),
                          fmt.format(peer[column]), "riskkit better" if better else
                          "rejectkit better or equal"))
        one = s.get("single_row") or {}
        if one.get("error_to_beat") is not None:
            top = (one["rows"] or [{}])[0]
            lines.append((f"{sel.upper()} one row better on both (error < "
                          f"{one['error_to_beat']:.2%}, AUC > {one['auc_to_beat']:.4f})",
                          f"{top['model']}/{top['method']}" if top else "none",
                          "-", "riskkit better" if top else "no single row"))
    return lines
