"""Peers of `precis bench` for `cargo xtask bench-peers`: sentence-transformers (PyTorch fp32) and
ONNX Runtime (fp32 and int8) embedding the same texts with the same model, threads and batching.

Prints one JSON object per line:
  {"kind": "peak", "gflops": ...}                              measured sgemm peak (2 threads)
  {"kind": "run", "engine": ..., "batch_size": ..., "sentences_per_s": ..., "tokens_per_s": ...}
  {"kind": "fidelity", "engine": "ort-int8", "min_cosine_vs_fp32": ...}

Recipe (as the issue asks): export with torch.onnx.export (opset 17), tokenizer from the model
folder (truncate at max_seq_length, pad to the longest of each batch), mean pooling and L2
normalization in numpy, sentence-transformers' batching (texts sorted by length, longest first).
"""

import argparse
import json
import os
import sys
import time
from pathlib import Path


def emit(**record):
    print(json.dumps(record), flush=True)


def read_lines(path):
    return [line.strip() for line in Path(path).read_text(encoding="utf-8").splitlines() if line.strip()]


def sgemm_peak(threads):
    import numpy as np
    import torch

    torch.set_num_threads(threads)
    best = 0.0
    for m, k, n in [(2048, 2048, 2048), (1536, 384, 1536), (1536, 1536, 384)]:
        a = torch.randn(m, k)
        b = torch.randn(k, n)
        an, bn = a.numpy(), b.numpy()
        for mul in (lambda: a @ b, lambda: an @ bn):
            mul()
            reps = 10
            start = time.perf_counter()
            for _ in range(reps):
                mul()
            best = max(best, 2 * m * k * n * reps / (time.perf_counter() - start) / 1e9)
    return best


def export(model_dir, out_dir, max_len):
    """fp32 ONNX via torch.onnx.export (opset 17), and its int8 dynamic per-channel quantization."""
    fp32 = out_dir / "minilm-fp32.onnx"
    int8 = out_dir / "minilm-int8.onnx"
    if not fp32.exists():
        import torch
        from transformers import AutoModel

        class LastHiddenState(torch.nn.Module):
            """Keyword arguments: positional ones do not map onto BertModel.forward in every
            transformers version (a silent mismatch gives a model that runs and is wrong)."""

            def __init__(self, model):
                super().__init__()
                self.model = model

            def forward(self, input_ids, attention_mask, token_type_ids):
                return self.model(input_ids=input_ids, attention_mask=attention_mask,
                                  token_type_ids=token_type_ids).last_hidden_state

        model = LastHiddenState(AutoModel.from_pretrained(model_dir, attn_implementation="eager").eval()).eval()
        example = (torch.randint(1000, 2000, (2, 16)), torch.ones(2, 16, dtype=torch.long),
                   torch.zeros(2, 16, dtype=torch.long))
        axes = {0: "batch", 1: "tokens"}
        kwargs = dict(
            input_names=["input_ids", "attention_mask", "token_type_ids"],
            output_names=["last_hidden_state"],
            dynamic_axes={"input_ids": axes, "attention_mask": axes, "token_type_ids": axes,
                          "last_hidden_state": axes},
            opset_version=17,
        )
        try:
            torch.onnx.export(model, example, str(fp32), dynamo=False, **kwargs)
        except TypeError:  # torch before the dynamo flag
            torch.onnx.export(model, example, str(fp32), **kwargs)
    if not int8.exists():
        from onnxruntime.quantization import QuantType, quantize_dynamic

        quantize_dynamic(str(fp32), str(int8), per_channel=True, weight_type=QuantType.QInt8)
    return fp32, int8


class OrtEngine:
    def __init__(self, onnx_path, tokenizer_path, max_len, threads):
        import onnxruntime as ort
        from tokenizers import Tokenizer

        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        self.session = ort.InferenceSession(str(onnx_path), options, providers=["CPUExecutionProvider"])
        self.tokenizer = Tokenizer.from_file(str(tokenizer_path))
        self.tokenizer.enable_truncation(max_len)
        self.tokenizer.enable_padding()  # pad to the longest text of each batch

    def encode(self, texts, batch_size):
        import numpy as np

        order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))  # sentence-transformers' order
        out = [None] * len(texts)
        for start in range(0, len(texts), batch_size):
            batch = order[start:start + batch_size]
            encodings = self.tokenizer.encode_batch([texts[i] for i in batch])
            ids = np.array([e.ids for e in encodings], dtype=np.int64)
            mask = np.array([e.attention_mask for e in encodings], dtype=np.int64)
            types = np.array([e.type_ids for e in encodings], dtype=np.int64)
            hidden = self.session.run(None, {"input_ids": ids, "attention_mask": mask, "token_type_ids": types})[0]
            weights = mask[:, :, None].astype(np.float32)
            pooled = (hidden * weights).sum(1) / np.clip(weights.sum(1), 1e-9, None)
            pooled /= np.clip(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12, None)
            for row, i in enumerate(batch):
                out[i] = pooled[row]
        return np.stack(out)


class SentenceTransformersEngine:
    def __init__(self, model_dir):
        from sentence_transformers import SentenceTransformer

        self.model = SentenceTransformer(str(model_dir), device="cpu")

    def encode(self, texts, batch_size):
        return self.model.encode(texts, batch_size=batch_size, normalize_embeddings=False)


def count_tokens(tokenizer_path, max_len, texts):
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(tokenizer_path))
    tokenizer.enable_truncation(max_len)
    tokenizer.no_padding()
    return sum(len(e.ids) for e in tokenizer.encode_batch(texts))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", required=True, type=Path)
    parser.add_argument("--corpus", required=True)
    parser.add_argument("--reference", help="texts for the int8 fidelity check, one per line")
    parser.add_argument("--work", required=True, type=Path, help="where exported models are kept")
    parser.add_argument("--engines", default="sentence-transformers,ort-fp32,ort-int8")
    parser.add_argument("--batch-sizes", default="16,32,64,128")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--peak", action="store_true", help="measure the sgemm peak first")
    args = parser.parse_args()

    os.environ.setdefault("OMP_NUM_THREADS", str(args.threads))
    import torch

    torch.set_num_threads(args.threads)
    torch.set_num_interop_threads(1) if hasattr(torch, "set_num_interop_threads") else None
    max_len = json.loads((args.model / "sentence_bert_config.json").read_text())["max_seq_length"]
    tokenizer_path = args.model / "tokenizer.json"
    texts = read_lines(args.corpus)
    tokens = count_tokens(tokenizer_path, max_len, texts)
    args.work.mkdir(parents=True, exist_ok=True)
    fp32, int8 = export(args.model, args.work, max_len)

    if args.peak:
        emit(kind="peak", gflops=sgemm_peak(args.threads))

    engines = {}
    for name in args.engines.split(","):
        if name == "sentence-transformers":
            engines[name] = SentenceTransformersEngine(args.model)
        elif name == "ort-fp32":
            engines[name] = OrtEngine(fp32, tokenizer_path, max_len, args.threads)
        elif name == "ort-int8":
            engines[name] = OrtEngine(int8, tokenizer_path, max_len, args.threads)
        else:
            sys.exit(f"unknown engine {name}")

    if args.reference and "ort-fp32" in engines:
        import numpy as np

        reference = read_lines(args.reference)
        exact = engines["ort-fp32"].encode(reference, 64)
        for name in ("sentence-transformers", "ort-int8"):
            if name in engines:
                other = engines[name].encode(reference, 64)
                other = other / np.linalg.norm(other, axis=1, keepdims=True)
                worst = float(np.min(np.sum(exact * other, axis=1)))
                emit(kind="fidelity", engine=name, min_cosine_vs_ort_fp32=worst)
                if name == "sentence-transformers" and worst < 0.9999:
                    sys.exit(f"the ONNX export disagrees with sentence-transformers (min cosine {worst}); "
                             f"delete {args.work} and retry")

    for batch_size in [int(b) for b in args.batch_sizes.split(",")]:
        for name, engine in engines.items():
            engine.encode(texts[:batch_size * 2], batch_size)  # warm-up
            start = time.perf_counter()
            engine.encode(texts, batch_size)
            seconds = time.perf_counter() - start
            emit(kind="run", engine=name, batch_size=batch_size, sentences_per_s=len(texts) / seconds,
                 tokens_per_s=tokens / seconds)


if __name__ == "__main__":
    main()
