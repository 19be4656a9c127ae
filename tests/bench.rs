//! `precis bench` measures every requested configuration and reports it in JSON.

mod util;

use util::{model_dir, ok, precis};

#[test]
fn bench_reports_every_batch_size_with_a_cpu_baseline() {
    model_dir();
    let out =
        ok(precis().args(["bench", "--limit", "24", "--batch-sizes", "1,8", "--repeats", "1", "--format", "json"]));
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(json["texts"], 24);
    let results = json["results"].as_array().unwrap();
    assert_eq!(results.len(), 2);
    for (row, batch) in results.iter().zip([1, 8]) {
        assert_eq!(row["batch_size"], batch);
        assert_eq!(row["device"], "cpu");
        assert_eq!(row["batches"], 24 / batch);
        assert!(row["sentences_per_s"].as_f64().unwrap() > 0.0);
        assert!(row["tokens_per_s"].as_f64().unwrap() > row["sentences_per_s"].as_f64().unwrap());
        assert_eq!(row["speedup_vs_cpu_f32"], 1.0);
    }
}
