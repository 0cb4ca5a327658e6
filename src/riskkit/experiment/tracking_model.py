"""The deployed model and the run's data, logged the way MLflow's users look for them.

Metrics and charts say how a model did; a validator also wants the model itself and what it
was fitted on. :func:`log_model_and_data` adds both to a tracked run:

* **the model**: the deployed LightGBM's booster, saved in MLflow's ``lightgbm`` flavour
  (``model/MLmodel`` and the booster as LightGBM's own text file: no pickle) with its
  signature: one ``double`` input per feature in the model's order (categoricals as the
  level codes the booster reads) and its raw output, the log-odds before calibration.
  Other model kinds stay in the ``run/models/`` artifact, in riskkit's own format;
* **the data**: one MLflow dataset per split (``train``, ``valid``, ``test``, ``oot``),
  named after the run, its digest the split's fingerprint, its source the world and seed
  that regenerate it (riskkit runs store no rows by default: the world is the data's
  source), its profile the rows and bad rate from the data card.

Why not ``mlflow.lightgbm.log_model``: it logs into the *active* run of MLflow's fluent API,
which the tracked run is not (riskkit logs through one ``MlflowClient``), so the flavour is
saved to a temporary folder and logged as artifacts of the run.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from riskkit.core.io import read_json

__all__ = ["log_model_and_data"]

BOOSTER = "booster.txt"


def log_model_and_data(client: Any, run_id: str, run_dir: Path,
                       cfg: Mapping[str, Any]) -> list[str]:
    """Log the deployed LightGBM (``model/``) and the run's datasets; return what was logged.

    Parameters
    ----------
    client : mlflow.tracking.MlflowClient
    run_id : str
        The tracked run.
    run_dir : pathlib.Path
        The run folder.
    cfg : mapping
        The run's resolved config (``policy.model`` names the deployed model).

    Returns
    -------
    list of str
        ``"model"`` when a model was logged, then the split of every dataset logged.
    """
    logged = []
    deployed = str((cfg.get("policy") or {}).get("model") or "")
    booster = run_dir / "models" / deployed / BOOSTER
    if deployed and booster.is_file():
        _log_booster(client, run_id, booster)
        logged.append("model")
    card_file = run_dir / "datacard.json"
    if card_file.is_file():
        logged += _log_datasets(client, run_id, read_json(card_file), cfg)
    return logged


def _log_booster(client: Any, run_id: str, path: Path) -> None:
    import lightgbm
    import mlflow.lightgbm
    from mlflow.models import ModelSignature
    from mlflow.types import ColSpec, Schema

    model = lightgbm.Booster(model_file=str(path))
    signature = ModelSignature(inputs=Schema([ColSpec("double", n) for n in model.feature_name()]),
                               outputs=Schema([ColSpec("double", "log_odds")]))
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "model"
        # the requirement is named, not inferred: inference imports the model in a subprocess
        mlflow.lightgbm.save_model(model, str(folder), signature=signature,
                                   pip_requirements=[f"lightgbm=={lightgbm.__version__}"])
        client.log_artifacts(run_id, str(folder), "model")


def _log_datasets(client: Any, run_id: str, card: Mapping[str, Any],
                  cfg: Mapping[str, Any]) -> list[str]:
    from mlflow.entities import Dataset, DatasetInput, InputTag

    rows, prints = card.get("rows") or {}, card.get("fingerprints") or {}
    bad = card.get("bad_rate") or {}
    source = {"generator": "riskkit", "world": card.get("world") or card.get("scenario"),
              "seed": cfg.get("seed")}
    inputs = []
    for split, digest in prints.items():
        profile = {"num_rows": rows.get(split), "bad_rate": bad.get(split)}
        dataset = Dataset(name=f"{card.get('name') or cfg.get('name')}-{split}",
                          digest=str(digest)[:16], source_type="riskkit",
                          source=json.dumps({**source, "split": split}, ensure_ascii=False,
                                            default=str),
                          profile=json.dumps(profile))
        inputs.append(DatasetInput(dataset, tags=[InputTag("mlflow.data.context", split)]))
    if inputs:
        client.log_inputs(run_id, datasets=inputs)
    return list(prints)
