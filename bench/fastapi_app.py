#!/usr/bin/python3
"""The seed's real-time app, for bench/http.mjs: FastAPI + uvicorn (one worker), POST /predict
{"features": [...]}, a scikit-learn forest with mlinfer's bench hyper-parameters (100 trees, max_features
sqrt, unlimited depth), trained at start-up on a bench/data set. Prints "ready" on stderr once it serves.

  /usr/bin/python3 bench/fastapi_app.py --port 8001 [--set synthetic-150k] [--rows 120000] [--async]
Needs Debian's python3-fastapi, python3-uvicorn and python3-sklearn (apt-get install -y ...).
"""

import argparse
import json
import os
import sys
import time
from typing import List

HERE = os.path.dirname(os.path.abspath(__file__))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, default=8001)
    ap.add_argument("--set", default="synthetic-150k")
    ap.add_argument("--rows", type=int, default=0, help="train on the first N rows (0: all)")
    ap.add_argument("--trees", type=int, default=100)
    ap.add_argument("--async", dest="use_async", action="store_true", help="async def endpoint")
    args = ap.parse_args()

    import numpy as np
    import uvicorn
    from fastapi import FastAPI
    from pydantic import BaseModel
    from sklearn.ensemble import RandomForestClassifier

    data = os.path.join(HERE, "data")
    with open(os.path.join(data, args.set + ".json")) as f:
        h = json.load(f)
    d = h["nFeatures"]
    X = np.fromfile(os.path.join(data, h["files"]["train"]["X"]), dtype="<f8").reshape(-1, d)
    y = np.fromfile(os.path.join(data, h["files"]["train"]["y"]), dtype="<f8")
    if args.rows:
        X, y = X[: args.rows], y[: args.rows]
    t0 = time.time()
    model = RandomForestClassifier(n_estimators=args.trees, max_features="sqrt", n_jobs=2, random_state=0)
    model.fit(X, y)
    model.set_params(n_jobs=1)  # per-request predict on one core, as the seed did
    print("trained %d rows in %.1fs" % (len(y), time.time() - t0), file=sys.stderr, flush=True)

    app = FastAPI()

    class Features(BaseModel):
        features: List[float]

    def predict(req: Features):
        x = np.asarray(req.features, dtype=np.float64).reshape(1, -1)
        proba = model.predict_proba(x)[0]
        return {
            "prediction": str(model.classes_[int(proba.argmax())]),
            "probabilities": {str(c): float(p) for c, p in zip(model.classes_, proba)},
        }

    if args.use_async:

        async def predict_async(req: Features):
            return predict(req)

        app.post("/predict")(predict_async)
    else:
        app.post("/predict")(predict)

    @app.on_event("startup")
    async def ready():
        print("ready", file=sys.stderr, flush=True)

    uvicorn.run(app, host="127.0.0.1", port=args.port, workers=1, log_level="warning", access_log=False)


if __name__ == "__main__":
    main()
