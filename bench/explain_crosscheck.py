"""Reads a forest in shap's custom tree-dictionary form, explains the rows with shap.TreeExplainer
(path-dependent), and prints the largest absolute difference from mlinfer's values as JSON (see
explain-crosscheck.mjs)."""
import json
import sys
import time

import numpy as np
import shap

with open(sys.argv[1]) as f:
    data = json.load(f)

trees = []
for t in data["trees"]:
    trees.append({
        "children_left": np.array(t["children_left"], dtype=np.int32),
        "children_right": np.array(t["children_right"], dtype=np.int32),
        "children_default": np.array(t["children_default"], dtype=np.int32),
        "features": np.array(t["features"], dtype=np.int32),
        "thresholds": np.array(t["thresholds"], dtype=np.float64),
        "values": np.array(t["values"], dtype=np.float64),
        "node_sample_weight": np.array(t["node_sample_weight"], dtype=np.float64),
    })
X = np.array([[np.nan if v is None else v for v in row] for row in data["X"]], dtype=np.float64)
explainer = shap.TreeExplainer({"trees": trees}, feature_perturbation="tree_path_dependent")
t0 = time.perf_counter()
theirs = np.asarray(explainer.shap_values(X, check_additivity=False))
seconds = time.perf_counter() - t0
ours = np.asarray(data["phi"], dtype=np.float64)  # rows x features (x classes)
if theirs.ndim == 3 and theirs.shape != ours.shape:
    theirs = np.moveaxis(theirs, 0, -1)  # older shap: a list per class
base = np.asarray(explainer.expected_value, dtype=np.float64).reshape(-1)
print(json.dumps({
    "shapVersion": shap.__version__,
    "maxAbsDiff": float(np.max(np.abs(theirs - ours))),
    "maxAbsValue": float(np.max(np.abs(ours))),
    "baseDiff": float(np.max(np.abs(base - np.asarray(data["base"], dtype=np.float64).reshape(-1)))),
    "shapSeconds": seconds,
}))
