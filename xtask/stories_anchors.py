"""The anchors of `cargo xtask eval-stories`: BERTopic and scikit-learn's agglomerative clustering on
the same feed and the same vectors (the mean of each article's all-MiniLM-L6-v2 sentence vectors,
written by `cargo run --release --example stories`).

    python stories_anchors.py DIR METHOD      # METHOD: bertopic, bertopic-min3, agglomerative

Prints one JSON row: B-cubed precision, recall, F1, adjusted Rand index, stories, seconds and the
peak resident memory of this process (one method per process, so peaks do not mix). Outliers
(BERTopic's topic -1) are each counted as an article alone, which is what precis does with
articles that fit no story.
"""

import json
import resource
import sys
import time
from pathlib import Path

import numpy as np
from sklearn.metrics import adjusted_rand_score


def bcubed_points(pred, truth):
    pred, truth = np.asarray(pred), np.asarray(truth)
    points = []
    for i in range(len(pred)):
        same_cluster, same_class = pred == pred[i], truth == truth[i]
        both = (same_cluster & same_class).sum()
        points.append((both / same_cluster.sum(), both / same_class.sum()))
    return np.array(points)


def f1(points):
    p, r = points[:, 0].mean(), points[:, 1].mean()
    return p, r, 2 * p * r / (p + r)


def singletons_for_outliers(labels):
    labels = np.asarray(labels).copy()
    next_label = labels.max() + 1
    for i in np.where(labels == -1)[0]:
        labels[i] = next_label
        next_label += 1
    return labels


def agglomerative(vectors, threshold):
    from sklearn.cluster import AgglomerativeClustering

    model = AgglomerativeClustering(
        n_clusters=None, metric="cosine", linkage="average", distance_threshold=threshold
    )
    return model.fit_predict(vectors)


def main():
    out, method = Path(sys.argv[1]), sys.argv[2]
    texts = [json.loads(line)["text"] for line in open(out / "feed.jsonl", encoding="utf-8")]
    truth = np.array(json.load(open(out / "truth.json")))
    folds = json.load(open(out / "folds.json"))
    vectors = np.load(out / "mean_vectors.npy")
    note = ""
    started = time.perf_counter()
    if method.startswith("bertopic"):
        from bertopic import BERTopic
        from umap import UMAP

        # BERTopic's default UMAP, seeded so that runs repeat.
        umap = UMAP(n_neighbors=15, n_components=5, min_dist=0.0, metric="cosine", low_memory=False, random_state=42)
        kwargs = {"min_topic_size": 3} if method == "bertopic-min3" else {}
        labels, _ = BERTopic(umap_model=umap, **kwargs).fit_transform(texts, embeddings=vectors)
        outliers = int((np.asarray(labels) == -1).sum())
        labels = singletons_for_outliers(labels)
        note = f"{outliers} outliers, each alone" + ("; min_topic_size=3" if kwargs else "; defaults")
    elif method == "agglomerative":
        thresholds = [0.3, 0.4, 0.5, 0.6, 0.7]
        runs = {t: agglomerative(vectors, t) for t in thresholds}
        best = max(thresholds, key=lambda t: f1(bcubed_points(runs[t], truth))[2])
        labels = runs[best]
        # The same five folds of whole sets as precis' cross-validated row.
        per_point = np.zeros((len(truth), 2))
        chosen = []
        for fold in sorted(set(folds)):
            held = np.array([folds[t] == fold for t in truth])
            pick = max(thresholds, key=lambda t: f1(bcubed_points(runs[t], truth)[~held])[2])
            per_point[held] = bcubed_points(runs[pick], truth)[held]
            chosen.append(pick)
        cp, cr, cf = f1(per_point)
        note = (
            f"cosine distance {best}, the best of {thresholds} on this feed (optimistic); "
            f"cross-validated: P {cp:.3f} R {cr:.3f} F1 {cf:.3f} (chosen {chosen})"
        )
    else:
        sys.exit(f"unknown method {method!r}: use bertopic, bertopic-min3 or agglomerative")
    seconds = time.perf_counter() - started
    p, r, f = f1(bcubed_points(labels, truth))
    row = {
        "method": method,
        "precision": p,
        "recall": r,
        "f1": f,
        "ari": adjusted_rand_score(truth, labels),
        "stories": int(len(set(labels))),
        "seconds": seconds,
        "peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "note": note,
    }
    print(json.dumps(row))


if __name__ == "__main__":
    main()
