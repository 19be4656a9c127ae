#!/usr/bin/env python3
"""Summarize a dataset of document sets with precis on Apache Spark.

Each executor runs `precis batch` on its partitions, reading the partition's JSON lines on stdin
and writing one result line per set; the binary and the model folder are shipped to executors
once (SparkContext.addFile), not per record. Results are written as JSON lines (one file, in input
order) and as Parquet (id, summary, sentences as JSON, error, line).

    spark-submit examples/spark/precis_spark.py DATA.jsonl OUT_DIR \\
        --precis target/release/precis --model models/minilm [--threads 1] [--partitions N] \\
        [-- PRECIS_BATCH_FLAGS...]

DATA.jsonl: one set per line, {"id", "docs": [{"id", "text", ...}], ...} (as ../shared/data).
See README.md ("Running on Spark") for cluster settings.
"""

import argparse
import json
import os
import stat
import subprocess
import sys
import threading
from pathlib import Path

from pyspark import SparkFiles
from pyspark.sql import SparkSession
from pyspark.sql.types import LongType, StringType, StructField, StructType

SCHEMA = StructType([
    StructField("id", StringType()),
    StructField("summary", StringType()),
    StructField("sentences", StringType()),
    StructField("error", StringType()),
    StructField("line", LongType()),
])


def summarize_partition(lines, binary_name, model_name, threads, extra):
    """Runs one `precis batch` process over a partition, streaming lines in and results out."""
    lines = list(lines)
    if not lines:
        return
    binary = SparkFiles.get(binary_name)
    os.chmod(binary, os.stat(binary).st_mode | stat.S_IXUSR)
    model = SparkFiles.get(model_name)
    command = [binary, "batch", "-", "--quiet", "--threads", str(threads), "--model", model, *extra]
    process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)

    def feed():
        for line in lines:
            process.stdin.write(line.encode("utf-8") + b"\n")
        process.stdin.close()

    writer = threading.Thread(target=feed)
    writer.start()
    for out in process.stdout:
        yield out.decode("utf-8").rstrip("\n")
    writer.join()
    stderr = process.stderr.read().decode("utf-8", "replace")
    # Exit 1 means some records failed; their error lines are in the output. Anything else is a crash.
    if process.wait() not in (0, 1):
        raise RuntimeError(f"precis batch failed: {stderr.strip()}")


def as_row(line):
    record = json.loads(line)
    sentences = record.get("sentences")
    return (record.get("id"), record.get("summary"), json.dumps(sentences) if sentences is not None else None,
            record.get("error"), record.get("line"))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", help="JSON lines, one document set per line")
    parser.add_argument("out", help="output folder: jsonl/ and parquet/ are written inside")
    parser.add_argument("--precis", required=True, help="the precis binary (built for the executors' platform)")
    parser.add_argument("--model", required=True, help="the model folder, e.g. models/minilm")
    parser.add_argument("--threads", type=int, default=1, help="inference threads per task (= spark.task.cpus)")
    parser.add_argument("--partitions", type=int, default=None, help="input partitions [default: Spark's]")
    parser.add_argument("--master", default=None, help="Spark master, e.g. local[2] (spark-submit sets it)")
    parser.epilog = "Flags after a lone -- go to `precis batch` (e.g. -- --precision bf16)."
    # Split at `--` by hand: argparse would match a trailing nargs="*" positional, empty, before
    # it reached the flags after `--`, and then reject them.
    argv = sys.argv[1:]
    own, precis_args = (argv[: argv.index("--")], argv[argv.index("--") + 1:]) if "--" in argv else (argv, [])
    args = parser.parse_args(own)

    builder = SparkSession.builder.appName("precis")
    if args.master:
        builder = builder.master(args.master)
    spark = builder.getOrCreate()
    sc = spark.sparkContext
    sc.addFile(str(Path(args.precis).resolve()))
    sc.addFile(str(Path(args.model).resolve()), recursive=True)
    binary_name, model_name = Path(args.precis).name, Path(args.model).resolve().name

    data = str(Path(args.data).resolve())
    lines = sc.textFile(data, minPartitions=args.partitions) if args.partitions else sc.textFile(data)
    lines = lines.filter(lambda line: line.strip())
    threads, extra = args.threads, precis_args
    results = lines.mapPartitions(lambda part: summarize_partition(part, binary_name, model_name, threads, extra))
    # Summarize every partition in parallel once; both outputs then read the cached results.
    results.cache()
    count = results.count()

    out = Path(args.out).resolve()
    # coalesce(1) without a shuffle keeps partition order, so lines come out in input order.
    results.coalesce(1).saveAsTextFile(str(out / "jsonl"))
    spark.createDataFrame(results.map(as_row), SCHEMA).write.mode("overwrite").parquet(str(out / "parquet"))
    print(f"precis: wrote {count} results to {out}")
    spark.stop()


if __name__ == "__main__":
    main()
