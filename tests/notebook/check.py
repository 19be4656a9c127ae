"""What a research notebook does with precis output: load it with pandas and numpy.

Run by tests/notebook.rs as: check.py DIR, where DIR holds summary.json, rows.jsonl, rows.csv,
vectors.npy and vectors.jsonl, all from `precis summarize` on the same input. Exits non-zero,
naming the mismatch, if counts, columns or shapes disagree with the JSON output.
"""

import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd

COLUMNS = ["doc", "index", "span_start", "span_end", "text", "cluster", "selected", "summary_rank", "score", "support", "reported_by"]


def main(out):
    whole = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert whole["schema_version"] == 1, whole["schema_version"]
    summary = whole["summary"]
    jsonl = pd.read_json(out / "rows.jsonl", lines=True)
    csv = pd.read_csv(out / "rows.csv")
    sidecar = pd.read_json(out / "vectors.jsonl", lines=True)
    vectors = np.load(out / "vectors.npy")

    for name, frame in (("jsonl", jsonl), ("csv", csv), ("sidecar", sidecar)):
        assert list(frame.columns) == COLUMNS, f"{name} columns {list(frame.columns)}"
        assert len(frame) == len(jsonl), f"{name} has {len(frame)} rows, jsonl {len(jsonl)}"
        assert int(frame["selected"].sum()) == len(summary), f"{name}: {frame['selected'].sum()} selected vs {len(summary)}"
        chosen = frame[frame["selected"]].sort_values("summary_rank")
        assert list(chosen["text"]) == [s["text"] for s in summary], f"{name}: selected texts differ from the JSON summary"
        assert list(chosen["doc"]) == [s["doc"] for s in summary], f"{name}: selected docs differ"
        assert list(chosen["reported_by"]) == [s["reported_by"] for s in summary], f"{name}: reported_by differs"
        assert (frame["reported_by"] >= 1).all() and (frame["reported_by"] <= frame["support"]).all(), f"{name}: reported_by out of range"
    assert (csv["text"] == jsonl["text"]).all(), "csv and jsonl texts differ"
    assert vectors.dtype == np.float32, vectors.dtype
    assert vectors.shape == (len(jsonl), 384), vectors.shape
    norms = np.linalg.norm(vectors, axis=1)
    assert np.allclose(norms, 1.0, atol=1e-4), "rows are not unit vectors"
    print(f"ok: {len(jsonl)} rows, {len(summary)} selected, vectors {vectors.shape}")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
