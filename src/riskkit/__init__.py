"""riskkit: credit-risk research on synthetic borrowers whose truth is known.

    import riskkit
    pop = riskkit.generate(rows=100_000, seed=7, scenario="baseline")
    run = riskkit.load_run("runs/baseline-20261130-101500")
    m = run.model("lgbm"); m.predict_pd(run.data("test")); m.contributions(run.data("test"))
"""

__version__ = "0.2.0"

# the version must exist before submodules import it
from riskkit.experiment.runfolder import compare, load_run
from riskkit.synth import generate

__all__ = ["__version__", "compare", "generate", "load_run"]
