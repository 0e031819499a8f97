"""Writes the imported-model benchmark's models (issue 13) into bench/data, from the 20-feature batch set:

- lgbm-500.txt / lgbm-500.onnx: LightGBM binary (is the label 1?), 500 trees of 31 leaves (LightGBM's default num_leaves), as
  LightGBM's save_model writes it and as onnxmltools would convert it (fixtures/onnx/make.py imitates the
  converter, since onnxmltools is not installable here);
- skl-rf-100.onnx: scikit-learn RandomForestClassifier, 100 trees, as skl2onnx would convert it;
- *.tensor.onnx: the same graphs without ZipMap (skl2onnx's zipmap=False), for onnxruntime-node.

Run from the repository root:  /opt/fixenv/bin/python bench/imported_models.py
(venv: lightgbm 4.7.0, scikit-learn 1.9.1, onnx 1.23.1; see bench/README.md.)
"""

import os
import sys

import lightgbm
import numpy as np
import pandas as pd
from sklearn.ensemble import RandomForestClassifier

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "fixtures", "onnx"))
import make  # noqa: E402  (the converter imitations)

DATA = os.path.join(ROOT, "bench", "data")


def without_zipmap(model):
    """The graph skl2onnx writes with options={'zipmap': False}: probabilities as a tensor, which onnxruntime-node
    returns (it cannot return ZipMap's sequence of maps)."""
    import copy

    from onnx import TensorProto, helper

    m = copy.deepcopy(model)
    g = m.graph
    zipmap = next(n for n in g.node if n.op_type == "ZipMap")
    g.node.remove(zipmap)
    kept = [o for o in g.output if o.name != zipmap.output[0]]
    del g.output[:]
    g.output.extend(kept)
    g.output.append(helper.make_tensor_value_info(zipmap.input[0], TensorProto.FLOAT, [None, None]))
    return m


def write(model, name):
    with open(os.path.join(DATA, name + ".onnx"), "wb") as f:
        f.write(model.SerializeToString())
    with open(os.path.join(DATA, name + ".tensor.onnx"), "wb") as f:
        f.write(without_zipmap(model).SerializeToString())


def main():
    train = pd.read_csv(os.path.join(DATA, "batch-train-20f-20000.csv"))
    X = train.drop(columns=["label"]).to_numpy(dtype=np.float32)
    y = train["label"].to_numpy()
    n = X.shape[1]

    lgb = lightgbm.LGBMClassifier(n_estimators=500, num_leaves=31, learning_rate=0.05, random_state=0, verbose=-1)
    lgb.fit(X, (y == 1).astype(int))
    lgb.booster_.save_model(os.path.join(DATA, "lgbm-500.txt"))
    k = len(lgb.classes_)
    attrs = dict(make.lightgbm_attrs(lgb.booster_, 1 if k == 2 else k), post_transform="LOGISTIC" if k == 2 else "SOFTMAX")
    m = make.onnxmltools_classifier(attrs, lgb.classes_, n, "LightGbmLGBMClassifier", True)
    write(m, "lgbm-500")

    rf = RandomForestClassifier(n_estimators=100, min_samples_leaf=1, random_state=0, n_jobs=2).fit(X, y)
    m = make.skl2onnx_classifier(make.forest_attrs(rf, True), rf.classes_, n)
    write(m, "skl-rf-100")
    for name in ["lgbm-500.txt", "lgbm-500.onnx", "skl-rf-100.onnx"]:
        print(name, os.path.getsize(os.path.join(DATA, name)), "bytes")


if __name__ == "__main__":
    main()
