#!/usr/bin/python3
"""The seed's batch job, for bench/batch.mjs: pandas read_csv, scikit-learn predict, to_csv.

Run with Debian's python (bench/batch.mjs calls it):
  /usr/bin/python3 bench/batch_sklearn.py train --train bench/data/batch-train.csv --model /tmp/rf.joblib --trees 100 --n-jobs 2
  /usr/bin/python3 bench/batch_sklearn.py score --model /tmp/rf.joblib --input in.csv --output out.csv --n-jobs 2
Training and scoring are separate processes, so the scoring run's peak RSS is the batch job's alone.
Prints one JSON object on stdout. Needs:  apt-get install -y python3-pandas python3-sklearn
When pandas or scikit-learn is missing it prints {"skipped": "..."} and exits 0.
"""

import argparse
import json
import resource
import sys
import time

INSTALL_HINT = "apt-get install -y python3-pandas python3-sklearn  (then run with /usr/bin/python3)"


def peak_rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KB on Linux


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("mode", choices=["train", "score"])
    ap.add_argument("--train")
    ap.add_argument("--target", default="label")
    ap.add_argument("--model", required=True)
    ap.add_argument("--input")
    ap.add_argument("--output")
    ap.add_argument("--trees", type=int, default=100)
    ap.add_argument("--n-jobs", type=int, default=2)
    # --proba: the class probabilities too, as `mlinfer batch --proba` writes them (one predict_proba call)
    ap.add_argument("--proba", action="store_true")
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args()
    try:
        import joblib
        import pandas as pd
        from sklearn.ensemble import RandomForestClassifier
    except ImportError as e:
        print(json.dumps({"skipped": "%s; install with: %s" % (e, INSTALL_HINT)}))
        return 0

    if a.mode == "train":
        t0 = time.perf_counter()
        df = pd.read_csv(a.train)
        y = df.pop(a.target)
        # The same hyper-parameters as the mlinfer model in bench/batch.mjs (scikit-learn's defaults).
        rf = RandomForestClassifier(
            n_estimators=a.trees, max_features="sqrt", max_depth=None, min_samples_leaf=1,
            bootstrap=True, n_jobs=a.n_jobs, random_state=a.seed,
        )
        rf.fit(df.values, y.values)
        joblib.dump(rf, a.model)
        print(json.dumps({"trainSeconds": time.perf_counter() - t0, "rows": len(df)}))
        return 0

    rf = joblib.load(a.model)
    rf.n_jobs = a.n_jobs
    t0 = time.perf_counter()
    df = pd.read_csv(a.input)
    t1 = time.perf_counter()
    X = df[[c for c in df.columns if c != a.target]].values
    if a.proba:
        proba = rf.predict_proba(X)
        out = pd.DataFrame({"prediction": rf.classes_[proba.argmax(axis=1)]})
        for k, c in enumerate(rf.classes_):
            out["p_%s" % c] = proba[:, k]
    else:
        out = pd.DataFrame({"prediction": rf.predict(X)})
    t2 = time.perf_counter()
    out.to_csv(a.output, index=False)
    t3 = time.perf_counter()
    rows = len(df)
    print(json.dumps({
        "rows": rows,
        "seconds": t3 - t0,
        "readSeconds": t1 - t0,
        "predictSeconds": t2 - t1,
        "writeSeconds": t3 - t2,
        "rowsPerSecond": rows / (t3 - t0),
        "peakRssMB": peak_rss_mb(),
        "nJobs": a.n_jobs,
    }))
    return 0


if __name__ == "__main__":
    sys.exit(main())
