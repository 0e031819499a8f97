#!/usr/bin/env python3
"""scikit-learn's side of bench/train-large.mjs: pandas read_csv of the whole file, then
RandomForestClassifier.fit, with the time and peak RSS of each stage, or the stage where it fails.

An address-space limit (--mem-gb) makes a run that needs more memory fail with MemoryError instead of
pushing the machine into swap or the OOM killer. Prints one JSON line.

A full fit on 10M rows takes about an hour here: --max-seconds caps the fit. The forest then grows --jobs
trees at a time (warm_start: scikit-learn derives each tree's seed from random_state in tree order, so the
trees are those of one fit(), and X goes to float32 once, as fit() does itself), with a progress line per
step on stderr. A capped run reports the trees finished, their fit time, and the full fit's time extrapolated
from them ("fitSecondsExtrapolated", labelled as such in the table); its accuracy is that of the trees done.
"""
import argparse
import json
import resource
import sys
import time


def peak_mb():
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)


def grow_capped(rf, X, y, a, t_start, out):
    """Grows rf --jobs trees at a time until all are done or --max-seconds have passed; returns the count."""
    import numpy as np

    # fit() turns X into float32 itself; doing it once here keeps each step from copying it again. X (float64)
    # stays alive beside it, as it does in a caller of fit(), so that the peak RSS is fit()'s.
    X32 = np.ascontiguousarray(X, dtype=np.float32)
    rf.set_params(warm_start=True)
    done = 0
    while done < a.trees:
        done = min(a.trees, done + a.jobs)
        rf.set_params(n_estimators=done)
        rf.fit(X32, y)
        elapsed = time.perf_counter() - t_start
        print(f"scikit-learn: {done}/{a.trees} trees, {elapsed:.0f} s, peak RSS {peak_mb()} MB", file=sys.stderr, flush=True)
        out["trees"] = done
        if elapsed >= a.max_seconds:
            break
    return done


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dir", required=True)
    ap.add_argument("--trees", type=int, default=100)
    ap.add_argument("--max-depth", type=int, default=12)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--mem-gb", type=float, default=8)
    ap.add_argument("--max-seconds", type=float, default=0, help="cap on the fit's time (0: none)")
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
        if a.max_seconds > 0:
            done = grow_capped(rf, X, y, a, t1, out)
        else:
            rf.fit(X, y)
            done = a.trees
        t2 = time.perf_counter()
        out["trees"] = done
        out["seconds"]["fit"] = t2 - t1
        if done < a.trees:
            out["capped"] = True
            out["seconds"]["fitExtrapolated"] = (t2 - t1) * a.trees / max(done, 1)
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
