"""The ``riskkit`` command.

Every sub-command is a thin wrapper around a library call. On bad input the library raises a
:class:`~riskkit.core.errors.RiskkitError`; here it becomes one line on stderr and exit code 2,
never a traceback. Argument errors from argparse are shortened to one line as well.
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from riskkit.cli_support import (
    Handler,
    Terminated,
    fairness_line,
    metric_text,
    run_handler,
    setup_logging,
)
from riskkit.core.argtypes import OneLineParser, non_negative_int, positive_int, rate
from riskkit.core.errors import ConfigError
from riskkit.core.machinery import on_main_thread, quick_thread_switching
from riskkit.reporting.cli import add_validate_commands  # riskkit validate, validate-power

log = logging.getLogger("riskkit")

#: The name older tests and callers use for the logging set-up.
_setup_logging = setup_logging

#: Longest lifecycle simulation without ``--force``: the simulated borrowers keep their age,
#: occupation and city for the whole run, which stays plausible for a few years, not decades.
MAX_MONTHS = 120


__all__ = ["OneLineParser", "build_parser", "main", "non_negative_int", "positive_int", "rate"]


# ----------------------------------------------------------------------------- generate
def _add_generate(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("generate", help="generate a synthetic borrower population",
                       description="Generate applicants with a known ground truth into "
                                   "DIR/population.parquet and DIR/datacard.json.")
    p.add_argument("--rows", type=positive_int, default=200_000, help="applicants (default 200000)")
    p.add_argument("--seed", type=non_negative_int, default=7, help="random seed (default 7)")
    p.add_argument("--scenario", default="baseline", help="baseline | downturn")
    p.add_argument("--bad-rate", type=rate, default=None,
                   help="target bad rate: 0.04 or 4%% (default 0.04)")
    p.add_argument("--world", default="baseline",
                   help="shape of the true log-odds: baseline | additive | interacting | "
                        "nonmonotone | threshold, or a '+' combination (default baseline)")
    p.add_argument("--engine", default="local", choices=["local", "dask"],
                   help="local (in-process) or dask (partitioned Parquet)")
    p.add_argument("--scheduler", default=None,
                   help="address of a running Dask scheduler (default: a LocalCluster)")
    p.add_argument("--partition-blocks", type=positive_int, default=4,
                   help="65,536-row blocks per Dask partition (default 4)")
    p.add_argument("--out", type=Path, required=True, help="output folder")
    p.add_argument("--force", action="store_true",
                   help="start even when the size estimate says it cannot fit the free disk "
                        "or memory, or would take over a day")
    p.set_defaults(handler=_cmd_generate)


def _cmd_generate(args: argparse.Namespace) -> int:
    from riskkit.synth import DEFAULT_BAD_RATE, World, write_population
    from riskkit.synth.store import CHECK_FROM_ROWS, check_room, size_estimate

    # every part of the world is checked before any work (a misspelt scenario or shape)
    world = World(args.world, DEFAULT_BAD_RATE if args.bad_rate is None else args.bad_rate,
                  scenario=args.scenario)
    if args.rows >= CHECK_FROM_ROWS and not args.force:
        check_room(size_estimate(args.rows, args.seed, world), args.out)
    if args.engine == "dask":
        from riskkit.scale import write_population_dask

        card = write_population_dask(args.out, rows=args.rows, seed=args.seed, world=world,
                                     scheduler=args.scheduler,
                                     partition_blocks=args.partition_blocks, quiet=args.quiet)
    else:
        card = write_population(args.out, rows=args.rows, seed=args.seed, world=world,
                                quiet=args.quiet)
    auc = card["oracle_auc"]
    auc_text = "n/a (one class)" if auc is None else f"{auc:.3f}"
    print(f"{card['rows']:,} applicants, bad rate {card['bad_rate']:.2%}, "
          f"oracle AUC {auc_text}, {world.label()} -> {args.out}")
    return 0


# ----------------------------------------------------------------------------- run / compare
def _add_run(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("run", help="run an experiment: data, models, policy, explanations, charts",
                       description="Run the experiment a YAML config describes into one new "
                                   "run folder RUNS_DIR/<name>-<timestamp>.")
    p.add_argument("config", type=Path, help="experiment config (e.g. configs/baseline.yaml)")
    p.add_argument("--out", type=Path, default=Path("runs"), help="runs folder (default runs/)")
    p.add_argument("--rows", type=positive_int, default=None, help="override data.rows")
    p.add_argument("--seed", type=non_negative_int, default=None, help="override seed")
    p.add_argument("--track", action="store_true", default=None,
                   help="log the run to MLflow (default store: sqlite:///mlflow.db here)")
    p.add_argument("--tracking-uri", default=None, metavar="URI",
                   help="MLflow tracking URI, e.g. a team's server (implies --track)")
    p.set_defaults(handler=_cmd_run)


def _cmd_run(args: argparse.Namespace) -> int:
    from riskkit.experiment import run_from_config
    from riskkit.experiment.runfolder import load_run

    path = run_from_config(args.config, args.out, rows=args.rows, seed=args.seed, quiet=args.quiet,
                           track=args.track, tracking_uri=args.tracking_uri)
    run = load_run(path)
    print(f"run written to {path}")
    for name, entry in run.metrics["models"].items():
        test = entry.get("test", {})
        print(f"  {name:<10} test AUC {metric_text(test.get('auc'))}  "
              f"KS {metric_text(test.get('ks'))}  ECE {metric_text(test.get('ece'))}  "
              f"PSI {metric_text(entry.get('psi'))}")
    fairness = fairness_line(run.metrics)
    if fairness:
        print(fairness)
    pol = run.metrics.get("policy", {})
    if pol:
        print(f"  policy     approval rate {pol.get('approval_rate', 0):.1%}, bad rate among "
              f"approved {pol.get('bad_rate_approved') or 0:.2%}")
    return 0


def _add_sweep(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("sweep", help="run the cross product of config values, one run per point",
                       description="Run every combination of the --grid values as an ordinary "
                                   "run folder under DIR and tabulate them in DIR/sweep.csv and "
                                   "DIR/sweep.parquet; a sweep started again redoes only the "
                                   "points without a complete run folder.")
    p.add_argument("config", type=Path, help="base experiment config")
    p.add_argument("--grid", action="append", required=True, metavar="KEY=V1,V2",
                   help="a dotted config key and its values (repeatable), e.g. "
                        "data.world=additive,interacting")
    p.add_argument("--out", type=Path, required=True, help="sweep folder")
    p.add_argument("--workers", type=positive_int, default=1, help="parallel processes (default 1)")
    p.add_argument("--scheduler", default=None,
                   help="address of a running Dask scheduler to run the points on instead")
    p.add_argument("--track", action="store_true", default=None,
                   help="log the sweep to MLflow: one parent run, a child per grid point")
    p.add_argument("--tracking-uri", default=None, metavar="URI",
                   help="MLflow tracking URI, e.g. a team's server (implies --track)")
    p.set_defaults(handler=_cmd_sweep)


def _cmd_sweep(args: argparse.Namespace) -> int:
    from riskkit.experiment import tracking
    from riskkit.experiment.config import load_config
    from riskkit.experiment.sweep import parse_grid, run_sweep_from_config

    settings = tracking.settings_from(load_config(args.config), args.track, args.tracking_uri)

    if args.scheduler is None:
        table = run_sweep_from_config(args.config, args.grid, args.out, workers=args.workers,
                                      quiet=args.quiet)
    else:
        from riskkit.scale import connect

        with connect(args.scheduler) as client:
            table = run_sweep_from_config(args.config, args.grid, args.out,
                                          executor=client.get_executor(), quiet=args.quiet)
    print(f"{len(table)} runs tabulated in {args.out / 'sweep.csv'} and "
          f"{args.out / 'sweep.parquet'}")
    if settings.enabled:
        parent, _ = tracking.track_sweep([args.out / name for name in table["run"]], settings,
                                         args.out.name, parse_grid(args.grid), args.out)
        print(f"logged to MLflow ({settings.uri or 'sqlite:///mlflow.db'}): parent run {parent}")
    return 0


def _add_compare(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("compare", help="metrics of two runs side by side",
                       description="Print every metric of two runs side by side with B - A.")
    p.add_argument("run_a", type=Path)
    p.add_argument("run_b", type=Path)
    p.add_argument("--all", action="store_true", help="also rows where nothing differs")
    p.epilog = ("status: same, differs, or not measured (in A, in B or in neither: too few "
                "rows, one class); runs of the same name are labelled by their folders")
    p.set_defaults(handler=_cmd_compare)


def _cmd_compare(args: argparse.Namespace) -> int:
    import pandas as pd

    from riskkit.experiment.runfolder import compare

    table = compare(args.run_a, args.run_b)
    print("\n".join(table.attrs["header"]))
    compared = len(table)
    if not args.all:  # "not measured" rows stay: not measured is not "no difference"
        table = table[table["status"] != "same"]
    with pd.option_context("display.max_rows", None, "display.width", 160,
                           "display.float_format", "{:.6g}".format):
        print(table.to_string(index=False) if len(table)
              else f"no metric differs (all {compared} measured in both runs and equal)")
    return 0


# ----------------------------------------------------------------------------- explain
def _add_explain(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("explain", help="why an applicant was approved or denied",
                       description="Decision, reasons (English and Chinese), recourse and "
                                   "whether it was verified, for one applicant of a run.")
    p.add_argument("run", type=Path, help="run folder")
    p.add_argument("--applicant", required=True, help="applicant id, zhang_san or li_si")
    p.add_argument("--format", choices=["text", "json"], default="text")
    p.add_argument("--lang", choices=["en", "zh"], default="en", help="language of the text output")
    p.add_argument("--model", default=None, help="model to explain (default: the deployed one)")
    p.set_defaults(handler=_cmd_explain)


def _cmd_explain(args: argparse.Namespace) -> int:
    import json

    from riskkit.experiment import load_run
    from riskkit.explain.in_run import explain_in_run

    result, text = explain_in_run(load_run(args.run), args.applicant, model_name=args.model, lang=args.lang)
    if args.format == "json":
        print(json.dumps(result, indent=2, ensure_ascii=False))
    else:
        print(text)
    return 0


# ----------------------------------------------------------------------------- simulate
def _add_simulate(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("simulate", help="month-by-month lifecycle: borrow, repay, re-score",
                       description="Simulate borrowers month by month into DIR/panel.parquet "
                                   "and DIR/summary.json (plus figures).")
    p.add_argument("--borrowers", type=positive_int, default=20_000)
    p.add_argument("--months", type=positive_int, default=12,
                   help=f"months to simulate (1 to {MAX_MONTHS} unless --force)")
    p.add_argument("--force", action="store_true",
                   help=f"simulate more than {MAX_MONTHS} months anyway")
    p.add_argument("--seed", type=non_negative_int, default=3)
    p.add_argument("--run", type=Path, default=None,
                   help="score with this run's model and policy, in the run's world")
    p.add_argument("--world", default=None,
                   help="shape of the truth without --run: baseline (default), additive, "
                        "interacting, nonmonotone, threshold or a '+' combination")
    p.add_argument("--bad-rate", type=rate, default=None,
                   help="target bad rate of the world without --run: 0.04 or 4%% "
                        "(default 0.04)")
    p.add_argument("--downturn-from", type=non_negative_int, default=None,
                   help="month from which the downturn scenario applies")
    p.add_argument("--retrain-every", type=positive_int, default=None, metavar="K",
                   help="the lender refits on its approved borrowers' outcomes every K months")
    p.add_argument("--reject-inference", default=None, metavar="METHOD",
                   help="with --retrain-every: also refit with this reject-inference method "
                        "(accepted_only, reweighting, hard_cutoff, fuzzy, parcelling, "
                        "extrapolation, self_learning)")
    p.add_argument("--out", type=Path, required=True)
    p.set_defaults(handler=_cmd_simulate)


def _cmd_simulate(args: argparse.Namespace) -> int:
    if args.months > MAX_MONTHS and not args.force:
        raise ConfigError(f"--months {args.months}: at most {MAX_MONTHS} months (10 years) "
                          "unless --force: borrowers in the simulation never age, move or "
                          "change occupation, so decades of months describe nobody real")
    if args.reject_inference is not None and args.retrain_every is None:
        raise ConfigError("--reject-inference needs --retrain-every K")
    if args.retrain_every is not None and args.retrain_every >= args.months:
        raise ConfigError(f"--retrain-every {args.retrain_every} with --months {args.months}: "
                          "the lender would never refit, so every variant would equal the "
                          f"model never retrained; give K below {args.months}")
    from riskkit.synth import DEFAULT_BAD_RATE, World

    if args.run is not None and (args.world is not None or args.bad_rate is not None):
        raise ConfigError("--run simulates in the run's own world; drop --world/--bad-rate")
    world = None if args.run is not None else World(
        args.world or "baseline", DEFAULT_BAD_RATE if args.bad_rate is None else args.bad_rate)
    if args.retrain_every is not None:
        return _cmd_retrain(args, world)

    # helper threads (the lender's fit, the panel's encoder) wait up to the GIL switch
    # interval each time they return from C: a tenth of it, the lender's fit 1.7 -> 1.45 s
    quick_thread_switching()
    run = None
    if args.run is not None:
        from riskkit.experiment import load_run  # only then: the run-folder machinery is large

        run = load_run(args.run)
    else:
        from riskkit.synth.truth import start_truth_fit

        # the truth's reference sample is drawn while the models import
        start_truth_fit(world.bad_rate, world.spec)
        from riskkit.lifecycle.lender import start_default_lender

        # the default lender trains (LightGBM, no GIL) while the charts are imported below
        start_default_lender(world, args.seed)
    from riskkit.lifecycle.analysis import run_simulation

    summary = run_simulation(args.out, args.borrowers, args.months, args.seed, run=run,
                             world=world, downturn_from=args.downturn_from, quiet=args.quiet)
    cohort = summary["borrowed_once_then_ineligible"]
    print(f"{args.borrowers:,} borrowers x {args.months} months of {summary['world_label']} "
          f"-> {args.out}")
    print(f"  borrowed once, repaid on time, then ineligible: {cohort['count']:,} "
          f"({cohort['share']:.1%} of one-time borrowers who repaid on time)")
    for cause, share in sorted(cohort["causes"].items(), key=lambda kv: -kv[1]):
        print(f"    {cause:<22} {share:.1%}")
    return 0


def _cmd_retrain(args: argparse.Namespace, world: Any) -> int:
    from riskkit.rejectinf.loop import retraining_lines, run_retraining

    if args.run is not None:
        raise ConfigError("--retrain-every starts from the default lender; drop --run")
    summary = run_retraining(args.out, args.borrowers, args.months, args.seed,
                             args.retrain_every, args.reject_inference, world=world,
                             downturn_from=args.downturn_from, quiet=args.quiet)
    print("\n".join(retraining_lines(summary, args.out)))
    return 0


# ----------------------------------------------------------------------------- monitor
def _add_monitor(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("monitor", help="vintages, roll rates, migrations, PSI, lifetime PD",
                       description="Monitor a riskkit simulate folder: tables and charts "
                                   "into SIM_DIR/monitor/, figures into its summary.json.")
    p.add_argument("sim_dir", type=Path, help="a folder written by riskkit simulate")
    p.set_defaults(handler=_cmd_monitor)


def _cmd_monitor(args: argparse.Namespace) -> int:
    from riskkit.lifecycle.monitor.folder import report_lines, run_monitor

    print("\n".join(report_lines(run_monitor(args.sim_dir), args.sim_dir)))
    return 0


# ----------------------------------------------------------------------------- fit (BYOD)
def _add_fit(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("fit", help="fit scorecard and LightGBM on your own data",
                       description="Read a CSV or Parquet file, infer types, and run the same "
                                   "models, evaluation, policy and explanations into a run folder.")
    p.add_argument("--data", type=Path, required=True, help="CSV or Parquet file")
    p.add_argument("--target", required=True, help="the 0/1 (or two-label) outcome column")
    p.add_argument("--bad-label", default=None, help="which target label means 'bad'")
    p.add_argument("--encoding", default=None, help="CSV encoding (default: detected)")
    p.add_argument("--delimiter", default=None, help="CSV delimiter (default: detected)")
    p.add_argument("--no-header", dest="header", action="store_false",
                   help="the CSV has no header row: columns are column_1, column_2 ...")
    p.add_argument("--config", type=Path, default=None, help="YAML with model/policy settings")
    p.add_argument("--name", default=None, help="run name (default: the file's name)")
    p.add_argument("--seed", type=non_negative_int, default=7)
    p.add_argument("--out", type=Path, default=Path("runs"), help="runs folder (default runs/)")
    p.set_defaults(handler=_cmd_fit)


def _cmd_fit(args: argparse.Namespace) -> int:
    from riskkit.experiment.byod import fit_file

    path = fit_file(args.data, args.target, runs_dir=args.out, config_path=args.config,
                    bad_label=args.bad_label, encoding=args.encoding, delimiter=args.delimiter,
                    name=args.name, seed=args.seed, quiet=args.quiet, header=args.header)
    print(f"run written to {path}")
    return 0


# ----------------------------------------------------------------------------- notebooks / report
def _add_notebooks(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("notebooks", help="execute every notebook headless",
                       description="Execute every notebook with papermill; write the executed "
                                   "notebooks, HTML without code and the charts.")
    p.add_argument("--rows", type=positive_int, default=20_000)
    p.add_argument("--seed", type=non_negative_int, default=7)
    p.add_argument("--run", type=Path, default=None, help="run folder the notebooks should use")
    p.add_argument("--out", type=Path, default=Path("reports/notebooks"))
    p.add_argument("--kernels", type=positive_int, default=None,
                   help="notebooks run at once (default: one per core, as memory allows)")
    p.set_defaults(handler=_cmd_notebooks)


def _cmd_notebooks(args: argparse.Namespace) -> int:
    from riskkit.reporting.notebooks import run_notebooks

    results = run_notebooks(args.out, rows=args.rows, seed=args.seed, run_dir=args.run,
                            quiet=args.quiet, kernels=args.kernels)
    print(f"{len(results)} notebooks executed -> {args.out}")
    return 0


def _add_report(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("report", help="self-contained HTML report of a run",
                       description="Write one HTML validation report of a run (summary, "
                                   "interpreted sections, model card; charts embedded) that "
                                   "can be mailed as is or saved as PDF from a browser.")
    p.add_argument("run", type=Path)
    p.add_argument("--out", type=Path, default=None,
                   help="HTML file (default RUN/report.html, RUN/report.zh.html for --lang zh); "
                        "its claims record is written beside it (report.claims.json)")
    p.add_argument("--lang", choices=("en", "zh"), default="en", help="language of the report")
    p.set_defaults(handler=_cmd_report)


def _cmd_report(args: argparse.Namespace) -> int:
    from riskkit.reporting.report import write_report

    path = write_report(args.run, args.out, lang=args.lang)
    print(f"report written to {path}")
    return 0


# ----------------------------------------------------------------------------- bench
def _add_bench(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("bench", help="performance figures as ratios against references",
                       description="Benchmarks in one process, each as a ratio to a reference "
                                   "run side by side: TreeSHAP, generator, lifecycle, monitor, "
                                   "run stages, interventional TreeSHAP, validate-power.")
    p.add_argument("--quick", action="store_true", help="small sizes, about a minute")
    p.add_argument("--json", type=Path, default=None, help="also write the figures as JSON")
    p.add_argument("--section", action="append", default=None, metavar="NAME",
                   help="only this section (repeatable), e.g. reject_inference")
    p.set_defaults(handler=_cmd_bench)


def _cmd_bench(args: argparse.Namespace) -> int:
    from riskkit.bench.runner import SECTIONS, main

    return main(quick=args.quick, json_path=args.json, quiet=args.quiet,
                sections=tuple(args.section or SECTIONS))


def _add_compile(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("compile", help="compile the kernels a run uses (make install does)",
                       description="CONFIG's experiment, small and without charts, in a temporary "
                                   "folder: every numba kernel its runs call is compiled and cached.")
    p.add_argument("config", type=Path, help="experiment config (e.g. configs/baseline.yaml)")
    p.set_defaults(handler=_cmd_compile)


def _cmd_compile(args: argparse.Namespace) -> int:
    from riskkit.experiment.warmup import compile_kernels

    print(f"kernels compiled and cached in {compile_kernels(args.config, args.quiet):.1f} s")
    return 0


COMMANDS: list[Callable[[argparse._SubParsersAction], None]] = [
    _add_generate, _add_run, _add_sweep, _add_compare, _add_explain, _add_simulate,
    _add_monitor, _add_fit, _add_notebooks, _add_report, _add_bench, _add_compile,
    add_validate_commands,
]


def build_parser() -> argparse.ArgumentParser:
    parser = OneLineParser(prog="riskkit", description="Credit-risk research on synthetic "
                           "borrowers whose truth is known.")
    parser.add_argument("--quiet", action="store_true", help="no progress bars or info logs")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=OneLineParser)
    sub.required = True
    for add in COMMANDS:
        add(sub)
    for action in sub.choices.values():
        action.add_argument("--quiet", action="store_true", default=argparse.SUPPRESS,
                            help="no progress bars or info logs")
    return parser


def _raise_terminated(signum: int, frame: object) -> None:
    raise Terminated


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    args.quiet = bool(getattr(args, "quiet", False))
    setup_logging(args.quiet)
    handler: Handler = args.handler
    # `kill PID` would end the process without running any clean-up code and leave a
    # temporary file or a staging folder; raised as an exception it unwinds like Ctrl-C.
    on_main = on_main_thread()
    previous = signal.signal(signal.SIGTERM, _raise_terminated) if on_main else None
    try:
        return run_handler(args, handler)
    finally:
        if on_main and previous is not None:
            signal.signal(signal.SIGTERM, previous)


if __name__ == "__main__":
    sys.exit(main())
