//! Clustering real sentence embeddings agrees with scikit-learn (fixtures from
//! `tests/fixtures/cluster/generate.py`, which documents how to regenerate them).

mod util;

use ndarray::Array2;
use precis::ParamGuard;
use precis::cluster::{AgglomerativeParams, KMeansParams, adjusted_rand_index};
use precis::embed::Embedder;
use precis::text::{Document, InputFormat, ReadOptions, read_document_sets, read_documents, sentences};
use sha2::{Digest, Sha256};

struct Reference {
    name: &'static str,
    json: serde_json::Value,
    embeddings: Array2<f32>,
    sources: Vec<usize>,
}

fn reference(name: &'static str, documents: &[Document]) -> Reference {
    let path = format!("{}/tests/fixtures/cluster/{name}.json", env!("CARGO_MANIFEST_DIR"));
    let json: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let found = sentences(documents);
    let texts: Vec<&str> = found.iter().map(|s| s.text.as_str()).collect();
    let digest: String = Sha256::digest(texts.join("\n")).iter().map(|b| format!("{b:02x}")).collect();
    assert_eq!(texts.len() as u64, json["n"].as_u64().unwrap(), "{name}: sentence count drifted; regenerate fixtures");
    assert_eq!(digest, json["sha256"].as_str().unwrap(), "{name}: sentences drifted; regenerate fixtures");
    let embedder = Embedder::builder(util::model_dir()).build().unwrap();
    let embeddings = embedder.embed(&texts).unwrap();
    Reference { name, json, embeddings, sources: found.iter().map(|s| s.doc).collect() }
}

fn corpus() -> Reference {
    let dir = util::shared().join("corpus/istanbul-talks");
    let docs = read_documents(&[dir], InputFormat::Auto, &ReadOptions::default(), false).unwrap().documents;
    reference("istanbul-talks", &docs)
}

fn duc_set() -> Reference {
    let path = util::shared().join("data/duc2003_task2.jsonl");
    let set =
        read_document_sets(&path, &ReadOptions::default()).unwrap().map(Result::unwrap).find(|s| s.id == "d30003t");
    reference("duc-d30003t", &set.unwrap().docs)
}

fn agrees_with_scikit_learn(r: &Reference) {
    for (threshold, labels) in r.json["agglomerative"].as_object().unwrap() {
        let t: f32 = threshold.parse().unwrap();
        let expected: Vec<Option<usize>> =
            labels.as_array().unwrap().iter().map(|l| Some(l.as_u64().unwrap() as usize)).collect();
        let ours =
            AgglomerativeParams::new().threshold(t).check().unwrap().fit(r.embeddings.view(), &r.sources).unwrap();
        let ari = adjusted_rand_index(&ours.labels, &expected);
        eprintln!("{}: threshold {t}: {} clusters, ARI {ari:.4}", r.name, ours.clusters.len());
        assert!(ari >= 0.99, "{}: threshold {t}: adjusted Rand index {ari}", r.name);
    }
    for (k, best) in r.json["kmeans_best_objective"].as_object().unwrap() {
        let k: usize = k.parse().unwrap();
        let ours = KMeansParams::new().k(k).check().unwrap().fit(r.embeddings.view(), &r.sources).unwrap();
        let reference = best.as_f64().unwrap();
        eprintln!("{}: k={k}: objective {:.3} / reference {reference:.3}", r.name, ours.objective());
        assert!(
            ours.objective() >= 0.99 * reference,
            "{}: k={k}: objective {} vs reference {reference}",
            r.name,
            ours.objective()
        );
    }
}

#[test]
fn agglomerative_and_kmeans_agree_with_scikit_learn_on_the_corpus() {
    agrees_with_scikit_learn(&corpus());
}

#[test]
fn agglomerative_and_kmeans_agree_with_scikit_learn_on_a_duc_set() {
    agrees_with_scikit_learn(&duc_set());
}

#[test]
fn cli_formats_agree_on_rows_and_clusters() {
    util::model_dir();
    let dir = util::shared().join("corpus/istanbul-talks");
    let json: serde_json::Value =
        serde_json::from_str(&util::ok(util::precis().arg("cluster").arg(&dir).args(["--threshold", "0.6"]))).unwrap();
    assert_eq!(json["schema_version"], 1);
    let sentences = json["sentences"].as_array().unwrap();
    let clusters = json["clusters"].as_array().unwrap();
    assert_eq!(sentences.len(), 121);
    assert_eq!(clusters.len(), 32);
    assert_eq!(sentences.iter().filter(|s| s["is_medoid"] == true).count(), clusters.len());
    let sizes: u64 = clusters.iter().map(|c| c["size"].as_u64().unwrap()).sum();
    assert_eq!(sizes, 121);
    let biggest = &clusters[0];
    assert_eq!(biggest["n_sources"].as_u64().unwrap() as usize, biggest["sources"].as_array().unwrap().len());

    let rows = util::json_lines(&util::ok(util::precis().arg("cluster").arg(&dir).args(["--format", "jsonl"])));
    assert_eq!(rows.len(), sentences.len());
    let cluster_csv = util::ok(util::precis().arg("cluster").arg(&dir).args(["--format", "csv", "--rows", "clusters"]));
    let mut reader = csv::Reader::from_reader(cluster_csv.as_bytes());
    assert_eq!(reader.records().count(), clusters.len());
}

#[test]
fn one_sentence_and_identical_sentences_are_well_defined() {
    util::model_dir();
    let dir = tempfile::tempdir().unwrap();
    let one = dir.path().join("one.txt");
    std::fs::write(&one, "The council approved the plan.").unwrap();
    // The same sentence from three sources (repeats inside one document are dropped as chrome).
    let same = dir.path().join("same");
    std::fs::create_dir(&same).unwrap();
    for name in ["a.txt", "b.txt", "c.txt"] {
        std::fs::write(same.join(name), "Same words from every outlet.").unwrap();
    }
    for (input, method, clusters) in [
        (&one, "agglomerative", 1),
        (&one, "kmeans", 1),
        (&one, "dbscan", 0), // one point cannot be dense: it is noise
        (&same, "agglomerative", 1),
        (&same, "kmeans", 1),
        (&same, "dbscan", 1),
    ] {
        let out = util::ok(util::precis().arg("cluster").arg(input).args(["--method", method]));
        let json: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(json["clusters"].as_array().unwrap().len(), clusters, "{input:?} {method}: {out}");
    }
}
