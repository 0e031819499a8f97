"""Nightly batch scoring with `mlinfer batch`, as an Airflow DAG.

One task scores the day's file: /data/incoming/{ds}/customers.csv -> /data/scored/{ds}/predictions.csv.

Retries rely on two properties of `mlinfer batch`:

- Atomic output. Predictions, rejects and the run report are written to temp files and renamed when the run
  ends, so a failed or killed attempt leaves nothing half-written where the next task would look, and a
  retry simply writes the whole output again. No cleanup step is needed between attempts.
- Fixed exit codes (README, "Errors and exit codes"). 0: done. 1: an error that may pass on a retry (the
  input lands late, a storage hiccup). 2: a usage error (a wrong flag or value), and 3: more rows were
  rejected than --max-errors allows. Those two fail the same way on every attempt, so the task fails at
  once (AirflowFailException: no retry) instead of spending its retries on them; anything else raises
  AirflowException and Airflow retries it. A signal (a killed process) comes back negative and is retried.

Why not BashOperator: its `skip_on_exit_code` turns an exit code into *skipped*, which would hide a bad
night from downstream tasks and alerts; we want *failed, do not retry*. The PythonOperator below runs the
CLI with subprocess and chooses the exception. On Kubernetes, run the same command line in
KubernetesPodOperator, or trigger examples/k8s/batch-cronjob.yaml, whose podFailurePolicy does the same.

Environment (set on the worker): MLINFER_BIN (default `mlinfer`: `npm i -g mlinfer`, or for example
`node /opt/mlinfer/bin/mlinfer.js`), MLINFER_DATA (default /data), MLINFER_MODEL (default
/models/model.mlinfer). test/deploy runs this file's task against the real CLI with stand-ins for Airflow.
"""

from __future__ import annotations

import os
import shlex
import subprocess
from datetime import datetime, timedelta

from airflow import DAG
from airflow.exceptions import AirflowException, AirflowFailException

try:  # Airflow 3 moved the core operators into the standard provider.
    from airflow.providers.standard.operators.python import PythonOperator
except ImportError:  # Airflow 2
    from airflow.operators.python import PythonOperator

# Exit codes of mlinfer that a retry cannot fix.
DO_NOT_RETRY = {
    2: "usage error: a flag or its value is wrong",
    3: "too many rejected rows (--max-errors): the input data is bad",
}


def batch_command(ds: str) -> list[str]:
    """The mlinfer command line for one logical date (ds, YYYY-MM-DD)."""
    data = os.environ.get("MLINFER_DATA", "/data")
    model = os.environ.get("MLINFER_MODEL", "/models/model.mlinfer")
    out = f"{data}/scored/{ds}"
    return [
        *shlex.split(os.environ.get("MLINFER_BIN", "mlinfer")),
        "batch",
        f"{data}/incoming/{ds}/customers.csv",
        f"{out}/predictions.csv",
        "--model",
        model,
        "--proba",
        "--keep",
        "customer_id",
        "--rejects",
        f"{out}/rejects.jsonl",
        "--report",
        f"{out}/report.json",
        "--max-errors",
        "100",
    ]


def run_mlinfer(command: list[str]) -> None:
    """Runs mlinfer; raises AirflowFailException (no retry) on exit codes 2 and 3, AirflowException otherwise."""
    # The output folder must exist; mlinfer creates only the files (atomically).
    os.makedirs(os.path.dirname(command[command.index("batch") + 2]), exist_ok=True)
    proc = subprocess.run(command, capture_output=True, text=True, check=False)
    # mlinfer writes its summary and errors on stderr: keep them in the task log.
    print(proc.stderr, end="")
    if proc.returncode == 0:
        return
    if proc.returncode in DO_NOT_RETRY:
        raise AirflowFailException(
            f"mlinfer exited {proc.returncode} ({DO_NOT_RETRY[proc.returncode]}); not retrying"
        )
    raise AirflowException(f"mlinfer exited {proc.returncode}; Airflow will retry")


def score(ds: str, **_context) -> None:
    run_mlinfer(batch_command(ds))


with DAG(
    dag_id="mlinfer_nightly_batch",
    schedule="0 2 * * *",
    start_date=datetime(2025, 1, 1),
    catchup=False,
    # One run at a time, as concurrencyPolicy: Forbid in the CronJob.
    max_active_runs=1,
    default_args={
        "retries": 3,
        "retry_delay": timedelta(minutes=5),
        "retry_exponential_backoff": True,
        "execution_timeout": timedelta(hours=4),
    },
    tags=["mlinfer"],
) as dag:
    PythonOperator(task_id="score", python_callable=score)
