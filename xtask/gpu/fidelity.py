"""Fidelity of a precis binary on any device against sentence-transformers' reference embeddings,
for machines that have a GPU but no Rust toolchain (where `cargo test` cannot run).

    python3 xtask/gpu/fidelity.py --precis ./precis --model models/minilm \
        --reference ../shared/reference/minilm_reference.jsonl --device cuda --precision f16 --min 0.999

Embeds the reference texts with `precis embed`, prints the smallest cosine to the reference and
exits 1 if it is below --min. Standard library only.
"""

import argparse
import json
import math
import subprocess
import sys
import tempfile


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--precis", required=True)
    parser.add_argument("--model", required=True)
    parser.add_argument("--reference", required=True)
    parser.add_argument("--device", default="cuda")
    parser.add_argument("--precision", default="f32")
    parser.add_argument("--batch-size", default="64")
    parser.add_argument("--min", type=float, default=0.9999)
    args = parser.parse_args()

    with open(args.reference, encoding="utf-8") as f:
        reference = [json.loads(line) for line in f if line.strip()]
    with tempfile.NamedTemporaryFile("w", suffix=".txt", encoding="utf-8", delete=False) as f:
        f.write("\n".join(r["text"] for r in reference) + "\n")
        texts = f.name
    out = subprocess.run(
        [args.precis, "embed", texts, "--model", args.model, "--device", args.device,
         "--precision", args.precision, "--batch-size", args.batch_size],
        check=True, capture_output=True, text=True,
    ).stdout
    rows = [json.loads(line) for line in out.splitlines() if line.strip()]
    if len(rows) != len(reference):
        sys.exit(f"expected {len(reference)} embeddings, got {len(rows)}")

    def cosine(a, b):
        dot = sum(x * y for x, y in zip(a, b))
        return dot / (math.sqrt(sum(x * x for x in a)) * math.sqrt(sum(y * y for y in b)))

    worst = min((cosine(r["embedding"], ref["embedding"]), ref["text"]) for r, ref in zip(rows, reference))
    print(f"{args.device} {args.precision}: min cosine {worst[0]:.7f} over {len(rows)} texts ({worst[1][:60]!r})")
    if worst[0] < args.min:
        sys.exit(f"below the required {args.min}")


if __name__ == "__main__":
    main()
