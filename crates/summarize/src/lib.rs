//! Extractive multi-document summaries with the evidence of which sources say what, and ROUGE.
//!
//! [`SummaryParams`] (checked into [`SummaryValidParams`]) choose a [`Strategy`] and a
//! [`Budget`]; [`SummaryValidParams::summarize`] takes the sentences of several documents with
//! their embeddings and clustering ([`Inputs`]) and returns a [`Summary`]: sentences in reading
//! order, each with the supporting sentences of other sources, and an [`Agreement`] report.
//! [`rouge`] scores summaries as ROUGE-1.5.5 does.
//!
//! ```
//! use ndarray::array;
//! use precis_cluster::AgglomerativeParams;
//! use precis_summarize::{Budget, Inputs, ParamGuard, SummaryParams};
//! use precis_text::{sentences, Document};
//!
//! let documents = [
//!     Document::new("a", "The council approved the new bike lanes on Monday night. Shops opposed them."),
//!     Document::new("b", "Councillors voted on Monday night to approve new bike lanes downtown."),
//! ];
//! let found = sentences(&documents);
//! // Embeddings would come from precis-embed; any vectors work here.
//! let embeddings = array![[0.9f32, 0.1, 0.0], [0.0, 0.2, 1.0], [0.8, 0.2, 0.1]];
//! let sources: Vec<usize> = found.iter().map(|s| s.doc).collect();
//! let clustering = AgglomerativeParams::new().check()?.fit(embeddings.view(), &sources)?;
//! let inputs = Inputs { documents: &documents, sentences: &found, embeddings: embeddings.view(), clustering: &clustering };
//! let summary = SummaryParams::new().budget(Budget::Sentences(1)).check()?.summarize(&inputs)?;
//! assert_eq!(summary.sentences.len(), 1);
//! assert_eq!(summary.sentences[0].reported_by, 2); // both sources say it
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![deny(missing_docs)]

mod concepts;
pub mod content;
mod error;
mod params;
mod rouge;
mod summary;
mod tokens;
mod trim;

pub use concepts::is_stopword;
pub use content::{ContentModel, ModelError};
pub use error::{Error, ParamsError, Result};
/// The convention every checked parameter set of precis follows (linfa's): build, then `check`.
pub use linfa::ParamGuard;
pub use params::{Budget, Strategy, SummaryParams, SummaryValidParams};
pub use rouge::{Limit, Prf, RougeScores, rouge, summary_lines, truncate};
pub use summary::{Agreement, BigramExamples, Group, Inputs, MAX_PAIRWISE_SENTENCES, Selected, Summary, Support};
pub use tokens::{stem, stemmed_tokens};
pub use trim::trim_relative_dates;
