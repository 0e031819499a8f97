#!/usr/bin/python3
"""Write the benchmark data sets to bench/data/ (gitignored).

Run with Debian's python (it has scikit-learn): /usr/bin/python3 bench/datasets.py [--sets a,b] [--csv]

Per data set NAME it writes:
  NAME.json           header: nTrain, nTest, nFeatures, task, classes, source, files
  NAME.train.X.f64    training features, raw little-endian float64, row-major (nTrain * nFeatures)
  NAME.train.y.f64    training target, raw little-endian float64 (class index 0..k-1, or the value)
  NAME.test.X.f64     test features
  NAME.test.y.f64     test target
  with --csv also NAME.train.csv and NAME.test.csv (header f0..f{d-1},target), for the batch/CSV benches.

Raw float64 is what numpy.fromfile and Node (a Float64Array over the file's bytes) read fastest.
Split: 80/20, train_test_split(random_state=0), stratified for classification.
"""

import argparse
import json
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_OUT = os.path.join(HERE, "data")

SYNTHETIC_SIZES = {"1k": 1000, "2k": 2000, "30k": 30000, "120k": 120000, "150k": 150000}
ALL_SETS = (
    ["breast_cancer", "digits"]
    + ["synthetic-" + k for k in SYNTHETIC_SIZES]
    + ["regression-60k"]
)


def die_no_sklearn(err):
    print(
        "scikit-learn is not importable (%s).\n"
        "Install Debian's build:  apt-get install -y python3-sklearn\n"
        "and run this script with /usr/bin/python3 (the pyenv python3 on PATH has no sklearn)." % err,
        file=sys.stderr,
    )
    sys.exit(2)


def make(name):
    """Return (X, y, task, classes, source) for a data set name."""
    from sklearn import datasets

    if name == "breast_cancer":
        d = datasets.load_breast_cancer()
        return d.data, d.target, "classification", [str(c) for c in d.target_names], "sklearn load_breast_cancer"
    if name == "digits":
        d = datasets.load_digits()
        return d.data, d.target, "classification", [str(c) for c in d.target_names], "sklearn load_digits"
    if name.startswith("synthetic-"):
        key = name[len("synthetic-"):]
        if key not in SYNTHETIC_SIZES:
            raise SystemExit("unknown synthetic size %r (known: %s)" % (key, ", ".join(SYNTHETIC_SIZES)))
        n = SYNTHETIC_SIZES[key]
        X, y = datasets.make_classification(
            n_samples=n, n_features=20, n_informative=10, n_redundant=5, n_classes=3, random_state=0
        )
        src = "make_classification(n_samples=%d, n_features=20, n_informative=10, n_redundant=5, n_classes=3, random_state=0)" % n
        return X, y, "classification", ["0", "1", "2"], src
    if name == "regression-60k":
        X, y = datasets.make_regression(n_samples=60000, n_features=15, n_informative=10, noise=10, random_state=0)
        src = "make_regression(n_samples=60000, n_features=15, n_informative=10, noise=10, random_state=0)"
        return X, y, "regression", None, src
    raise SystemExit("unknown data set %r (known: %s)" % (name, ", ".join(ALL_SETS)))


def write_csv(path, X, y, task):
    import numpy as np

    d = X.shape[1]
    header = ",".join(["f%d" % j for j in range(d)] + ["target"])
    # %.17g round-trips float64 exactly, so CSV and binary hold the same numbers
    fmt = ["%.17g"] * d + (["%d"] if task == "classification" else ["%.17g"])
    with open(path, "w") as f:
        f.write(header + "\n")
        np.savetxt(f, np.hstack([X, y.reshape(-1, 1)]), delimiter=",", fmt=fmt)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sets", default=",".join(ALL_SETS), help="comma-separated (default: all): " + ", ".join(ALL_SETS))
    ap.add_argument("--out", default=DEFAULT_OUT, help="output directory (default bench/data)")
    ap.add_argument("--csv", action="store_true", help="also write NAME.train.csv / NAME.test.csv")
    ap.add_argument("--force", action="store_true", help="rewrite even if the files exist")
    args = ap.parse_args()

    try:
        import numpy as np
        from sklearn.model_selection import train_test_split
    except ImportError as e:  # pragma: no cover
        die_no_sklearn(e)

    os.makedirs(args.out, exist_ok=True)
    for name in [s.strip() for s in args.sets.split(",") if s.strip()]:
        header_path = os.path.join(args.out, name + ".json")
        csv_wanted = [os.path.join(args.out, "%s.%s.csv" % (name, p)) for p in ("train", "test")] if args.csv else []
        if not args.force and os.path.exists(header_path) and all(os.path.exists(p) for p in csv_wanted):
            print("%-16s exists, skipped (--force to rewrite)" % name)
            continue
        t0 = time.perf_counter()
        X, y, task, classes, source = make(name)
        X = np.ascontiguousarray(X, dtype="<f8")
        y = np.asarray(y, dtype="<f8")
        Xtr, Xte, ytr, yte = train_test_split(
            X, y, test_size=0.2, random_state=0, stratify=y if task == "classification" else None
        )
        files = {}
        for part, XX, yy in (("train", Xtr, ytr), ("test", Xte, yte)):
            fx = "%s.%s.X.f64" % (name, part)
            fy = "%s.%s.y.f64" % (name, part)
            np.ascontiguousarray(XX, dtype="<f8").tofile(os.path.join(args.out, fx))
            np.ascontiguousarray(yy, dtype="<f8").tofile(os.path.join(args.out, fy))
            files[part] = {"X": fx, "y": fy}
            if args.csv:
                fc = "%s.%s.csv" % (name, part)
                write_csv(os.path.join(args.out, fc), XX, yy, task)
                files[part]["csv"] = fc
        header = {
            "name": name,
            "task": task,
            "nTrain": int(Xtr.shape[0]),
            "nTest": int(Xte.shape[0]),
            "nFeatures": int(X.shape[1]),
            "classes": classes,
            "nClasses": len(classes) if classes else None,
            "dtype": "float64-le",
            "layout": "row-major",
            "split": "train_test_split(test_size=0.2, random_state=0%s)"
            % (", stratify=y" if task == "classification" else ""),
            "source": source,
            "files": files,
        }
        with open(header_path, "w") as f:
            json.dump(header, f, indent=2)
            f.write("\n")
        print(
            "%-16s %s train %d x %d, test %d  (%.1f s)"
            % (name, task, Xtr.shape[0], X.shape[1], Xte.shape[0], time.perf_counter() - t0)
        )


if __name__ == "__main__":
    main()
