"""Is the tracking store there? Asked before a run starts, answered within seconds.

MLflow's client retries an unreachable server for minutes (seven retries with a doubling
back-off by default) and logs every retry through urllib3, so a run tracked to a server
that is down used to finish its work, then spend four minutes retrying and printing, then
fail. :func:`preflight` asks the store once, with a timeout of :data:`TIMEOUT` seconds and
no retry, *before* the run: a server that does not answer, or answers as something other
than an MLflow tracking server, stops the command with one line naming the store and what
to do. A local store (``sqlite:///...``, a folder) is checked for a folder that exists and
can be written, without creating anything.

:func:`bounded_retries` caps MLflow's own retries for the logging after the run (unless the
user set ``MLFLOW_HTTP_REQUEST_*`` themselves), so a server that goes down mid-run costs
seconds, and the run folder, written first, is never lost (see
:func:`riskkit.experiment.runner.run_from_config`).
"""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from riskkit.core.errors import ConfigError

__all__ = ["DEFAULT_STORE", "RETRY_SETTINGS", "TIMEOUT", "bounded_retries", "preflight",
           "store_uri"]

#: Seconds the store has to answer before the run is refused.
TIMEOUT = 3.0
#: MLflow's default store when neither the command line, the config nor the environment names one.
DEFAULT_STORE = "sqlite:///mlflow.db"
#: MLflow's HTTP retry settings riskkit uses unless the environment sets them.
RETRY_SETTINGS = {"MLFLOW_HTTP_REQUEST_MAX_RETRIES": "2",
                  "MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR": "1",
                  "MLFLOW_HTTP_REQUEST_TIMEOUT": "30"}
_WHAT_TO_DO = ("start it (e.g. `mlflow server --host 127.0.0.1 --port {port}`), give another "
               "--tracking-uri, or run without --track; nothing was run")


def store_uri(uri: str | None) -> str:
    """The store a run will log to: ``uri``, else ``MLFLOW_TRACKING_URI``, else MLflow's default."""
    return uri or os.environ.get("MLFLOW_TRACKING_URI") or DEFAULT_STORE


def bounded_retries() -> None:
    """MLflow's HTTP retries capped (see :data:`RETRY_SETTINGS`) unless set by the user."""
    for key, value in RETRY_SETTINGS.items():
        os.environ.setdefault(key, value)


def _check_http(uri: str, experiment: str) -> None:
    parts = urllib.parse.urlsplit(uri)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    query = urllib.parse.urlencode({"experiment_name": experiment})
    url = f"{uri.rstrip('/')}/api/2.0/mlflow/experiments/get-by-name?{query}"
    todo = _WHAT_TO_DO.format(port=port)
    try:
        with urllib.request.urlopen(url, timeout=TIMEOUT) as answer:
            answer.read(1 << 16)
        return
    except urllib.error.HTTPError as exc:
        body = exc.read(1 << 16).decode("utf-8", "replace")
        if exc.code in (401, 403):
            return  # it is there; credentials are MLflow's (MLFLOW_TRACKING_TOKEN ...)
        if exc.code == 404 and _mlflow_error(body):
            return  # MLflow's answer for an experiment that does not exist yet
        raise ConfigError(f"tracking server {uri} answered HTTP {exc.code} to MLflow's "
                          f"experiment look-up: it is not an MLflow tracking server (or not "
                          f"at this path); {todo}") from None
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        text = "no answer" if "timed out" in str(reason) else str(
            getattr(reason, "strerror", None) or reason)
        raise ConfigError(f"tracking server {uri} cannot be reached ({text}; asked with a "
                          f"{TIMEOUT:g} s timeout before the run): {todo}") from None


def _mlflow_error(body: str) -> bool:
    try:
        return "error_code" in json.loads(body)
    except ValueError:
        return False


def _check_folder(folder: Path, uri: str) -> None:
    folder = folder if str(folder) else Path(".")
    if not folder.is_dir():
        raise ConfigError(f"tracking store {uri}: folder {folder} does not exist; create it, "
                          "give another --tracking-uri, or run without --track; nothing was run")
    if not os.access(folder, os.W_OK):
        raise ConfigError(f"tracking store {uri}: folder {folder} cannot be written; give "
                          "another --tracking-uri, or run without --track; nothing was run")


def preflight(uri: str | None, experiment: str) -> None:
    """Refuse, before any work, a tracking store that cannot take a run.

    Parameters
    ----------
    uri : str or None
        The tracking URI (``--tracking-uri`` or the config's); None for MLflow's default.
    experiment : str
        The experiment name (looked up on a server; nothing is created).
    """
    store = store_uri(uri)
    scheme = urllib.parse.urlsplit(store).scheme.lower()
    if scheme in ("http", "https"):
        _check_http(store, experiment)
    elif scheme == "sqlite":
        path = store.split("://", 1)[1]
        if path.startswith("/") and not store.startswith("sqlite:////"):
            path = path[1:]  # sqlite:///mlflow.db is relative; sqlite:////abs is absolute
        if path and path != ":memory:":
            _check_folder(Path(path).parent, store)
    elif scheme in ("", "file"):
        path = Path(urllib.parse.urlsplit(store).path if scheme == "file" else store)
        _check_folder(path if path.is_dir() else path.parent, store)
    # other schemes (databricks, ...) authenticate through MLflow itself: checked when used
