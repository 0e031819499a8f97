#!/usr/bin/env python3
"""scikit-learn's side of bench/train-large.mjs: pandas read_csv of the whole file, then
RandomForestClassifier.fit, with the time and peak RSS of each stage, or the stage where it fails.

An address-space limit (--mem-gb) makes a run that needs more memory fail with MemoryError instead of
pushing the machine into swap or the OOM killer. Prints one JSON line.
"""
import argparse
import json
import resource
import sys
import time


def peak_mb():
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dir", required=True)
    ap.add_argument("--trees", type=int, default=100)
    ap.add_argument("--max-depth", type=int, default=12)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--mem-gb", type=float, default=8)
    a = ap.parse_args()
    if a.mem_gb > 0:
        lim = int(a.mem_gb * 2**30)
        resource.setrlimit(resource.RLIMIT_AS, (lim, lim))
    out = {"stage": "import", "seconds": {}}
    try:
        import numpy as np
        import pandas as pd
        import sklearn
        from sklearn.ensemble import RandomForestClassifier

        if tuple(int(p) for p in sklearn.__version__.split(".")[:2]) < (1, 4):
            raise RuntimeError(f"scikit-learn {sklearn.__version__}: forests take missing values from 1.4 on; set BENCH_PYTHON")

        def prepare(df, cats=None):
            # categories as codes (the same codes for the test file), booleans as 0/1, NaN kept (sklearn >= 1.4)
            y = (df.pop("label") == "yes").to_numpy()
            cats = cats or {c: pd.Index(df[c].dropna().unique()) for c in ("color", "city")}
            for c, idx in cats.items():
                codes = idx.get_indexer(df[c]).astype("float64")
                codes[codes < 0] = np.nan
                df[c] = codes
            df["member"] = df["member"].map({True: 1.0, False: 0.0, "true": 1.0, "false": 0.0})
            return df.to_numpy(dtype="float64"), y, cats

        t0 = time.perf_counter()
        out["stage"] = "read_csv"
        df = pd.read_csv(f"{a.dir}/train.csv")
        out["rows"] = len(df)
        X, y, cats = prepare(df)
        del df
        t1 = time.perf_counter()
        out["seconds"]["read"] = t1 - t0
        out["peakRssAfterReadMb"] = peak_mb()
        out["stage"] = "fit"
        rf = RandomForestClassifier(n_estimators=a.trees, max_depth=a.max_depth, n_jobs=a.jobs, random_state=0)
        rf.fit(X, y)
        t2 = time.perf_counter()
        out["seconds"]["fit"] = t2 - t1
        out["seconds"]["total"] = t2 - t0
        out["peakRssMb"] = peak_mb()
        out["stage"] = "score"
        del X, y
        Xt, yt, _ = prepare(pd.read_csv(f"{a.dir}/test.csv"), cats)
        out["accuracy"] = float((rf.predict(Xt) == yt).mean())
        out["stage"] = "done"
    except MemoryError as e:
        out["error"] = f"MemoryError ({a.mem_gb} GB address-space limit): {e}"
        out["peakRssMb"] = peak_mb()
    except Exception as e:  # noqa: BLE001 - report where it failed, whatever it was
        out["error"] = f"{type(e).__name__}: {e}"
        out["peakRssMb"] = peak_mb()
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
