#!/usr/bin/python3
"""scikit-learn random forest on one bench data set; prints one JSON object on stdout.

Run with Debian's python:  /usr/bin/python3 bench/sklearn_rf.py --set synthetic-1k --n-jobs 2
(data from bench/datasets.py). Install scikit-learn with:  apt-get install -y python3-sklearn

Always: fit time (n_jobs=N), test accuracy + log loss (classification) or R2 (regression),
predict time for the test set with n_jobs=1, peak RSS (ru_maxrss).
Optional: --dump (joblib file size, load time), --big-predict ROWS (predict on a generated ROWS x d
matrix, n_jobs=1 and 2), --single CALLS (single-row predict latency p50/p99).
When scikit-learn is missing it prints {"skipped": "..."} and exits 0, so drivers can skip the column.
"""

import argparse
import json
import os
import resource
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
INSTALL_HINT = "apt-get install -y python3-sklearn  (then run with /usr/bin/python3)"


def peak_rss_kb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KB on Linux


def load(data_dir, name):
    import numpy as np

    header_path = os.path.join(data_dir, name + ".json")
    if not os.path.exists(header_path):
        raise SystemExit(
            "missing %s: run  /usr/bin/python3 bench/datasets.py --sets %s" % (header_path, name)
        )
    with open(header_path) as f:
        h = json.load(f)
    d = h["nFeatures"]

    def part(p, n):
        X = np.fromfile(os.path.join(data_dir, h["files"][p]["X"]), dtype="<f8").reshape(n, d)
        y = np.fromfile(os.path.join(data_dir, h["files"][p]["y"]), dtype="<f8")
        return X, y

    Xtr, ytr = part("train", h["nTrain"])
    Xte, yte = part("test", h["nTest"])
    return h, Xtr, ytr, Xte, yte


def percentile(sorted_vals, q):
    """Nearest-rank percentile of an ascending list (q in 0..100)."""
    if not sorted_vals:
        return None
    k = max(0, min(len(sorted_vals) - 1, int(-(-q * len(sorted_vals) // 100)) - 1))
    return sorted_vals[k]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--set", required=True, help="data set name (bench/data/NAME.json)")
    ap.add_argument("--data-dir", default=os.path.join(HERE, "data"))
    ap.add_argument("--n-jobs", type=int, default=1, help="n_jobs for fit (predict is timed with n_jobs=1)")
    ap.add_argument("--trees", type=int, default=100, help="n_estimators (default 100)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--dump", action="store_true", help="joblib.dump the forest: file size and load time")
    ap.add_argument("--big-predict", type=int, default=0, metavar="ROWS", help="time predict on ROWS generated rows")
    ap.add_argument("--single", type=int, default=0, metavar="CALLS", help="single-row predict latency over CALLS calls")
    args = ap.parse_args()

    try:
        import numpy as np
        import sklearn
        from sklearn.ensemble import RandomForestClassifier, RandomForestRegressor
        from sklearn.metrics import accuracy_score, log_loss, r2_score
    except ImportError as e:
        print("scikit-learn not available (%s); install it with: %s" % (e, INSTALL_HINT), file=sys.stderr)
        print(json.dumps({"impl": "sklearn", "skipped": "scikit-learn not installed: " + INSTALL_HINT}))
        return

    h, Xtr, ytr, Xte, yte = load(args.data_dir, args.set)
    task = h["task"]
    out = {
        "impl": "sklearn",
        "version": sklearn.__version__,
        "set": args.set,
        "task": task,
        "nTrain": h["nTrain"],
        "nTest": h["nTest"],
        "nFeatures": h["nFeatures"],
        "trees": args.trees,
        "nJobs": args.n_jobs,
        "rssBeforeFitKB": peak_rss_kb(),
    }

    if task == "classification":
        model = RandomForestClassifier(
            n_estimators=args.trees, max_features="sqrt", n_jobs=args.n_jobs, random_state=args.seed
        )
        y_fit = ytr.astype(np.int64)
    else:
        model = RandomForestRegressor(
            n_estimators=args.trees, max_features=1.0, n_jobs=args.n_jobs, random_state=args.seed
        )
        y_fit = ytr

    t0 = time.perf_counter()
    model.fit(Xtr, y_fit)
    out["fitSeconds"] = time.perf_counter() - t0
    out["peakRssFitKB"] = peak_rss_kb()

    model.n_jobs = 1
    t0 = time.perf_counter()
    pred = model.predict(Xte)
    out["predictSeconds"] = time.perf_counter() - t0
    if task == "classification":
        out["accuracy"] = float(accuracy_score(yte.astype(np.int64), pred))
        t0 = time.perf_counter()
        proba = model.predict_proba(Xte)
        out["predictProbaSeconds"] = time.perf_counter() - t0
        out["logLoss"] = float(log_loss(yte.astype(np.int64), proba, labels=list(range(h["nClasses"]))))
    else:
        out["r2"] = float(r2_score(yte, pred))
    out["nodes"] = int(sum(est.tree_.node_count for est in model.estimators_))

    if args.dump:
        import joblib

        fd, path = tempfile.mkstemp(suffix=".joblib", dir=os.environ.get("TMPDIR", "/tmp"))
        os.close(fd)
        try:
            t0 = time.perf_counter()
            joblib.dump(model, path)
            out["dumpSeconds"] = time.perf_counter() - t0
            out["modelFileBytes"] = os.path.getsize(path)
            t0 = time.perf_counter()
            loaded = joblib.load(path)
            out["loadSeconds"] = time.perf_counter() - t0
            del loaded
        finally:
            os.unlink(path)

    if args.big_predict > 0:
        Xbig = np.random.default_rng(0).standard_normal((args.big_predict, h["nFeatures"]))
        out["bigPredictRows"] = args.big_predict
        for nj in (1, 2):
            model.n_jobs = nj
            t0 = time.perf_counter()
            model.predict(Xbig)
            out["bigPredictSeconds_nJobs%d" % nj] = time.perf_counter() - t0
        model.n_jobs = 1
        del Xbig

    if args.single > 0:
        n = h["nTest"]
        for i in range(min(50, args.single)):  # warm-up
            model.predict(Xte[i % n: i % n + 1])
        times = []
        for i in range(args.single):
            row = Xte[i % n: i % n + 1]
            t0 = time.perf_counter()
            model.predict(row)
            times.append(time.perf_counter() - t0)
        times.sort()
        out["singleCalls"] = args.single
        out["singleP50Us"] = percentile(times, 50) * 1e6
        out["singleP99Us"] = percentile(times, 99) * 1e6

    out["peakRssKB"] = peak_rss_kb()
    print(json.dumps(out))


if __name__ == "__main__":
    main()
