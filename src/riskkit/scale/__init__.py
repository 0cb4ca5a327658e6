"""Scale out on Dask: generate, score and explain, and train, partition by partition.

* :func:`write_population_dask` -- ``riskkit generate --engine dask``: every partition is
  generated on a worker from ``(seed, scenario, block range)`` and written as its own
  Parquet file; the rows and the data card equal the in-process engine's;
* :func:`score_partitions` -- PD, score, policy decision and per-feature contributions for
  every partition of a Parquet folder (or row-group ranges of one file), each on a worker
  that loads the model from its saved folder;
* :func:`fit_lgbm_dask` -- LightGBM's own distributed training (``DaskLGBMClassifier``)
  with the registry's monotone constraints, returned as a riskkit ``LGBMModel``.

Workers need riskkit installed, and every path given here must be on storage that the
workers and this machine share. Nothing here needs dask at import time: the ``dask`` extra
(``pip install 'riskkit[dask]'``) is asked for when a function is first called.
"""

from riskkit.scale._cluster import connect, dask_client
from riskkit.scale.generate import partition_plan, write_population_dask
from riskkit.scale.score import list_partitions, score_partitions
from riskkit.scale.train import fit_lgbm_dask

__all__ = ["connect", "dask_client", "fit_lgbm_dask", "list_partitions", "partition_plan",
           "score_partitions", "write_population_dask"]
