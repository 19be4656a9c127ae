//! precis: extractive summaries of several texts about one subject, with the evidence of which
//! sources say what.
//!
//! This crate is the facade over the workspace's libraries, one per stage of the pipeline
//! (text → embed → ...), and the home of the `precis` binary.
//!
//! - [`text`]: reading inputs strictly (UTF-8, byte offsets in errors) and splitting them.
//! - [`embed`]: sentence embeddings equal to sentence-transformers, on candle.
//! - [`cluster`]: cross-source sentence clustering on cosine geometry, and event grouping of
//!   whole articles.
//! - [`summarize`]: extractive selection with evidence, and ROUGE.
//! - [`config`]: a run's settings, checked once, and the [`Pipeline`] they describe.
//! - [`Pipeline`]: all of them in order for one document set.
//! - [`batch`]: many document sets in parallel, written in input order, resumable.
//! - [`report`]: the output schema (JSON, JSON lines, CSV, text) and the HTML page of results.
//! - [`evaluate`]: ROUGE of system summaries against reference summaries.
//! - [`train`]: a content model trained on reference summaries, cross-validated.
//! - [`stories`]: a mixed feed grouped into stories (events), each summarized; also as a stream.
//! - [`bench`](mod@bench): batched inference measured per device, precision and batch size.
//!
//! ```no_run
//! let model = precis::embed::ModelStore::new("models").resolve("minilm")?;
//! let embedder = precis::embed::Embedder::builder(&model.dir).build()?;
//! let vectors = embedder.embed(&["A first sentence.", "A second one."])?;
//! assert_eq!(vectors.nrows(), 2);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![deny(missing_docs)]

pub mod batch;
pub mod bench;
pub mod config;
pub mod evaluate;
mod pipeline;
pub mod report;
pub mod stories;
pub mod train;

pub use pipeline::{Clustered, Error, Outcome, Pipeline};
pub use precis_cluster as cluster;
/// How every parameter set is checked once, at construction (linfa's convention, shared by the
/// cluster and summarize stages).
pub use precis_cluster::ParamGuard;
pub use precis_embed as embed;
pub use precis_summarize as summarize;
pub use precis_text as text;
