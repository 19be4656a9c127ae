//! The learned content model: how likely a content bigram of a document set is to appear in a
//! human summary of it, from features of where and how the sources use it (a supervised bigram
//! ILP, after Li, Qian & Liu 2013). A logistic regression over standardized features, fitted by
//! Newton's method so that retraining gives the same file bit for bit.

use std::path::{Path, PathBuf};
use std::sync::{Arc, LazyLock};

use serde::{Deserialize, Serialize};

/// What the model file says it is.
pub const FORMAT: &str = "precis-content-model";
/// The version of the file format (and of the feature definitions) this build reads.
pub const FORMAT_VERSION: u32 = 2;

/// The features of a bigram, in the order of every feature vector. Occurrences are the sentences
/// containing the bigram; positions are relative (0 = a document's first sentence, → 1 its last).
pub const FEATURES: [&str; 20] = [
    "doc_share",       // documents containing it / documents in the set
    "log_docs",        // ln(documents containing it)
    "log_sentences",   // ln(sentences containing it)
    "log_per_doc",     // ln(occurrences / documents containing it): burstiness
    "first_position",  // earliest relative position of an occurrence
    "mean_position",   // mean relative position of its occurrences
    "lead_share",      // share of the documents containing it that have it in their first 3 sentences
    "max_relevance",   // largest cosine of an occurrence to the set's mean embedding
    "mean_relevance",  // mean cosine of its occurrences to the set's mean embedding
    "max_support",     // largest share of sources reporting one of its sentences
    "mean_support",    // mean share of sources reporting its sentences
    "has_stopword",    // 1 if either word is a function word
    "has_digit",       // 1 if either word holds a digit
    "capitalized",     // share of occurrences with both words capitalized (names)
    "first_share",     // share of the documents containing it that have it in their first sentence
    "log_first_index", // ln(1 + smallest sentence index of an occurrence): how deep, not how far
    "min_word_share",  // documents containing its rarer word / documents in the set
    "max_word_share",  // documents containing its commoner word / documents in the set
    "log_set_docs",    // ln(documents in the set): shares mean more in a larger set
    "mean_log_words",  // mean ln(words) of its occurrences
];

/// Number of features.
pub const N_FEATURES: usize = FEATURES.len();

/// Why a content model could not be read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ModelError {
    /// The file could not be read.
    #[error("cannot read content model {}: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The file is not a content model, or is damaged.
    #[error("{}: not a precis content model ({reason}): retrain it with `cargo xtask train-summarizer`", path.display())]
    Corrupt {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// The file was written for another version of precis.
    #[error(
        "{}: content model format version {found}, but this precis reads version {FORMAT_VERSION}: retrain it with `cargo xtask train-summarizer`",
        path.display()
    )]
    Version {
        /// The file.
        path: PathBuf,
        /// The version it says it has.
        found: u32,
    },
}

/// How a model was trained and how well it did, kept inside the model file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Training {
    /// SHA-256 of the training data file.
    pub data_sha256: String,
    /// Document sets trained on.
    pub sets: usize,
    /// Bigrams trained on.
    pub examples: usize,
    /// Cross-validated scores (ROUGE recall × 100 per budget, and the protocol), as measured when
    /// the model was trained.
    pub cross_validation: serde_json::Value,
}

/// A logistic regression over [`FEATURES`], and how its probabilities become concept weights.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ContentModel {
    /// Always [`FORMAT`].
    pub format: String,
    /// Always [`FORMAT_VERSION`] for a model this build reads.
    pub version: u32,
    /// Names of the features, as [`FEATURES`].
    pub features: Vec<String>,
    /// Per feature, the training mean subtracted before scaling.
    pub mean: Vec<f64>,
    /// Per feature, the training standard deviation divided by.
    pub scale: Vec<f64>,
    /// Per standardized feature, its coefficient.
    pub coef: Vec<f64>,
    /// The intercept.
    pub intercept: f64,
    /// Bigrams less likely than this are not concepts.
    pub min_probability: f64,
    /// Most concepts per document set: the most likely ones.
    pub max_concepts: usize,
    /// Weight of a sentence's cross-source support (the share of sources that report it) against
    /// a concept of probability 1.
    pub sentence_weight: f64,
    /// Provenance and cross-validated scores.
    pub training: Training,
}

/// The model shipped with precis, trained on the DUC 2003 task 2 sets.
static SHIPPED: LazyLock<Arc<ContentModel>> = LazyLock::new(|| {
    let text = include_str!("../model/content-model.json");
    Arc::new(
        ContentModel::from_json(text, Path::new("content-model.json")).expect("the shipped model is checked by tests"),
    )
});

impl ContentModel {
    /// The model shipped with precis.
    ///
    /// ```
    /// let model = precis_summarize::ContentModel::shipped();
    /// assert_eq!(model.coef.len(), precis_summarize::content::N_FEATURES);
    /// ```
    pub fn shipped() -> Arc<ContentModel> {
        Arc::clone(&SHIPPED)
    }

    /// Reads a model file written by [`ContentModel::to_json`].
    pub fn load(path: &Path) -> Result<ContentModel, ModelError> {
        let text =
            std::fs::read_to_string(path).map_err(|source| ModelError::Read { path: path.to_path_buf(), source })?;
        Self::from_json(&text, path)
    }

    /// Parses and checks a model; `path` names it in errors.
    pub fn from_json(text: &str, path: &Path) -> Result<ContentModel, ModelError> {
        let corrupt = |reason: String| ModelError::Corrupt { path: path.to_path_buf(), reason };
        let value: serde_json::Value = serde_json::from_str(text).map_err(|e| corrupt(e.to_string()))?;
        if value.get("format").and_then(serde_json::Value::as_str) != Some(FORMAT) {
            return Err(corrupt(format!("no \"format\": \"{FORMAT}\"")));
        }
        match value.get("version").and_then(serde_json::Value::as_u64) {
            Some(v) if v == u64::from(FORMAT_VERSION) => {}
            Some(v) => return Err(ModelError::Version { path: path.to_path_buf(), found: v as u32 }),
            None => return Err(corrupt("no \"version\"".to_string())),
        }
        let model: ContentModel = serde_json::from_value(value).map_err(|e| corrupt(e.to_string()))?;
        if model.features != FEATURES {
            return Err(corrupt(format!("its features are not {FEATURES:?}")));
        }
        let sizes = [model.mean.len(), model.scale.len(), model.coef.len()];
        if sizes.iter().any(|&n| n != N_FEATURES) {
            return Err(corrupt(format!("{sizes:?} means, scales and coefficients for {N_FEATURES} features")));
        }
        let numbers = model.mean.iter().chain(&model.scale).chain(&model.coef);
        let finite =
            numbers.chain([&model.intercept, &model.min_probability, &model.sentence_weight]).all(|x| x.is_finite());
        if !finite || model.scale.iter().any(|&s| s <= 0.0) {
            return Err(corrupt("a number is not finite, or a scale is not positive".to_string()));
        }
        if !(0.0..1.0).contains(&model.min_probability) || model.sentence_weight < 0.0 {
            return Err(corrupt("min_probability must be in [0, 1) and sentence_weight ≥ 0".to_string()));
        }
        Ok(model)
    }

    /// The model as pretty JSON, numbers rounded to 6 significant digits: the file then does not
    /// change with the last bits of floating point (embeddings differ in them between CPU kernels).
    pub fn to_json(&self) -> String {
        let mut rounded = self.clone();
        for x in rounded.mean.iter_mut().chain(&mut rounded.scale).chain(&mut rounded.coef) {
            *x = round6(*x);
        }
        rounded.intercept = round6(rounded.intercept);
        let mut text = serde_json::to_string_pretty(&rounded).expect("plain data");
        text.push('\n');
        text
    }

    /// The probability that a bigram with these features is in a human summary.
    pub fn probability(&self, features: &[f64; N_FEATURES]) -> f64 {
        let z: f64 = self.intercept
            + features
                .iter()
                .zip(&self.mean)
                .zip(&self.scale)
                .zip(&self.coef)
                .map(|(((x, m), s), c)| c * (x - m) / s)
                .sum::<f64>();
        1.0 / (1.0 + (-z).exp())
    }

    /// Fits a model to bigrams (`features[i]`, and `targets[i]` in [0, 1]: 1 or 0 for in a
    /// summary or not, or the share of summaries it is in) by cross-entropy with an L2 penalty of
    /// `l2 / 2 · ‖coef‖²` on the standardized coefficients (scikit-learn's `C = 1 / l2`). Newton's
    /// method in a fixed order of operations: the same data give the same model.
    pub fn fit(features: &[[f64; N_FEATURES]], targets: &[f64], l2: f64) -> Fitted {
        let n = features.len().max(1) as f64;
        let mut mean = [0.0; N_FEATURES];
        for row in features {
            for (m, x) in mean.iter_mut().zip(row) {
                *m += x / n;
            }
        }
        let mut scale = [0.0; N_FEATURES];
        for row in features {
            for ((s, x), m) in scale.iter_mut().zip(row).zip(&mean) {
                *s += (x - m) * (x - m) / n;
            }
        }
        // A constant feature gets scale 1: it then only shifts the intercept.
        let scale = scale.map(|v| if v > 1e-12 { v.sqrt() } else { 1.0 });
        let rows: Vec<[f64; N_FEATURES + 1]> = features
            .iter()
            .map(|row| {
                let mut z = [1.0; N_FEATURES + 1];
                for j in 0..N_FEATURES {
                    z[j + 1] = (row[j] - mean[j]) / scale[j];
                }
                z
            })
            .collect();
        let mut w = [0.0; N_FEATURES + 1];
        for _ in 0..100 {
            let mut gradient = [0.0; N_FEATURES + 1];
            let mut hessian = [[0.0; N_FEATURES + 1]; N_FEATURES + 1];
            for (z, &y) in rows.iter().zip(targets) {
                let p = 1.0 / (1.0 + (-dot(&w, z)).exp());
                let r = p - y;
                let v = p * (1.0 - p);
                for a in 0..=N_FEATURES {
                    gradient[a] += r * z[a];
                    for b in 0..=N_FEATURES {
                        hessian[a][b] += v * z[a] * z[b];
                    }
                }
            }
            for a in 1..=N_FEATURES {
                gradient[a] += l2 * w[a];
                hessian[a][a] += l2;
            }
            let step = solve(hessian, gradient);
            for (wa, s) in w.iter_mut().zip(&step) {
                *wa -= s;
            }
            if step.iter().all(|s| s.abs() < 1e-12) {
                break;
            }
        }
        Fitted { mean, scale, coef: std::array::from_fn(|j| w[j + 1]), intercept: w[0] }
    }
}

/// The numbers [`ContentModel::fit`] finds.
#[derive(Debug, Clone, PartialEq)]
pub struct Fitted {
    /// Per feature, the training mean.
    pub mean: [f64; N_FEATURES],
    /// Per feature, the training standard deviation (1 for a constant feature).
    pub scale: [f64; N_FEATURES],
    /// Per standardized feature, its coefficient.
    pub coef: [f64; N_FEATURES],
    /// The intercept.
    pub intercept: f64,
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// Solves `a · x = b` for a symmetric positive definite `a` (Gaussian elimination with partial
/// pivoting; the L2 term keeps `a` well conditioned).
fn solve<const M: usize>(mut a: [[f64; M]; M], mut b: [f64; M]) -> [f64; M] {
    for col in 0..M {
        let pivot = (col..M).max_by(|&i, &j| a[i][col].abs().total_cmp(&a[j][col].abs())).expect("col < M");
        a.swap(col, pivot);
        b.swap(col, pivot);
        for row in col + 1..M {
            let factor = a[row][col] / a[col][col];
            let pivot_row = a[col];
            for (x, p) in a[row][col..].iter_mut().zip(&pivot_row[col..]) {
                *x -= factor * p;
            }
            b[row] -= factor * b[col];
        }
    }
    let mut x = [0.0; M];
    for row in (0..M).rev() {
        let rest: f64 = (row + 1..M).map(|k| a[row][k] * x[k]).sum();
        x[row] = (b[row] - rest) / a[row][row];
    }
    x
}

/// `x` rounded to 6 significant digits.
fn round6(x: f64) -> f64 {
    if x == 0.0 || !x.is_finite() {
        return x;
    }
    let digits = 5 - x.abs().log10().floor() as i32;
    let factor = 10f64.powi(digits);
    (x * factor).round() / factor
}

#[cfg(test)]
mod tests {
    use super::*;

    fn model() -> ContentModel {
        (*ContentModel::shipped()).clone()
    }

    #[test]
    fn the_shipped_model_reads_back_as_written() {
        let model = model();
        let again = ContentModel::from_json(&model.to_json(), Path::new("m.json")).unwrap();
        assert_eq!(again.to_json(), model.to_json());
    }

    #[test]
    fn missing_corrupt_and_wrong_version_files_are_one_line_errors() {
        let dir = tempfile::tempdir().unwrap();
        let missing = ContentModel::load(&dir.path().join("none.json")).unwrap_err().to_string();
        assert!(missing.starts_with("cannot read content model ") && missing.contains("none.json"), "{missing}");
        let path = dir.path().join("m.json");
        std::fs::write(&path, "{\"format\": \"precis-content-model\", \"version\": 1, \"coef\": [").unwrap();
        let corrupt = ContentModel::load(&path).unwrap_err().to_string();
        assert!(corrupt.contains("not a precis content model") && corrupt.contains("train-summarizer"), "{corrupt}");
        let mut other = serde_json::to_value(model()).unwrap();
        other["version"] = serde_json::json!(FORMAT_VERSION + 1);
        std::fs::write(&path, other.to_string()).unwrap();
        let version = ContentModel::load(&path).unwrap_err().to_string();
        assert!(version.contains(&format!("format version {}", FORMAT_VERSION + 1)), "{version}");
        let mut short = serde_json::to_value(model()).unwrap();
        short["coef"] = serde_json::json!([1.0]);
        std::fs::write(&path, short.to_string()).unwrap();
        assert!(matches!(ContentModel::load(&path), Err(ModelError::Corrupt { .. })));
        for error in [missing, corrupt, version] {
            assert!(!error.contains('\n'), "{error}");
        }
    }

    #[test]
    fn fitting_separates_the_labels_and_repeats_exactly() {
        // The label follows the first feature; the others are noise.
        let features: Vec<[f64; N_FEATURES]> = (0..200)
            .map(|i| std::array::from_fn(|j| if j == 0 { (i % 10) as f64 } else { ((i * 7 + j * 3) % 5) as f64 }))
            .collect();
        let labels: Vec<f64> = (0..200).map(|i| if i % 10 >= 6 { 1.0 } else { 0.0 }).collect();
        let fitted = ContentModel::fit(&features, &labels, 1.0);
        assert!(fitted.coef[0] > 1.0, "{:?}", fitted.coef);
        assert!(fitted.coef[1..].iter().all(|c| c.abs() < fitted.coef[0] / 4.0), "{:?}", fitted.coef);
        assert_eq!(ContentModel::fit(&features, &labels, 1.0), fitted);
        let mut model = model();
        (model.mean, model.scale, model.coef, model.intercept) =
            (fitted.mean.to_vec(), fitted.scale.to_vec(), fitted.coef.to_vec(), fitted.intercept);
        assert!(model.probability(&features[9]) > 0.9 && model.probability(&features[0]) < 0.1);
    }

    #[test]
    fn rounding_keeps_six_significant_digits() {
        assert_eq!(round6(1.234_567_891_23), 1.234_57);
        assert_eq!(round6(-0.000_123_456_789_12), -0.000_123_457);
        assert_eq!(round6(0.0), 0.0);
    }
}
