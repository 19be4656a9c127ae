//! The whole pipeline for one document set: text → embed → cluster → summarize.

use std::collections::HashMap;

use ndarray::{Array2, Axis};
use precis_cluster::{Clustering, Method};
use precis_embed::Embedder;
use precis_summarize::{Inputs, Summary, SummaryValidParams};
use precis_text::{Document, Sentence};

/// Why a document set could not be summarized.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The set has no documents.
    #[error("the document set is empty")]
    NoDocuments,
    /// Cleaning left no sentence.
    #[error("the documents hold no sentences after cleaning (see `precis text --explain`)")]
    NoSentences,
    /// Embedding failed (boxed: the model errors are large and rare).
    #[error(transparent)]
    Embed(#[from] Box<precis_embed::Error>),
    /// Clustering failed.
    #[error(transparent)]
    Cluster(#[from] precis_cluster::Error),
    /// Selection failed.
    #[error(transparent)]
    Summarize(#[from] precis_summarize::Error),
}

/// Everything the pipeline computed for one set, for any output format.
#[derive(Debug)]
pub struct Outcome {
    /// The documents, as given.
    pub documents: Vec<Document>,
    /// Their story sentences.
    pub sentences: Vec<Sentence>,
    /// One unit-length embedding per sentence.
    pub embeddings: Array2<f32>,
    /// The clustering of the embeddings.
    pub clustering: Clustering,
    /// The summary.
    pub summary: Summary,
}

/// A document set up to clustering: what [`Pipeline::cluster_with_progress`] computes.
#[derive(Debug)]
pub struct Clustered {
    /// The documents, as given.
    pub documents: Vec<Document>,
    /// Their story sentences.
    pub sentences: Vec<Sentence>,
    /// One unit-length embedding per sentence.
    pub embeddings: Array2<f32>,
    /// The clustering of the embeddings.
    pub clustering: Clustering,
}

/// A loaded model with clustering and summary settings, reusable across document sets.
///
/// ```no_run
/// use precis::ParamGuard;
/// use precis::cluster::{AgglomerativeParams, Method};
/// use precis::embed::Embedder;
/// use precis::summarize::SummaryParams;
/// use precis::text::Document;
///
/// let pipeline = precis::Pipeline::new(
///     Embedder::builder("models/minilm").build()?,
///     Method::Agglomerative(AgglomerativeParams::new().check()?),
///     SummaryParams::new().check()?,
/// );
/// let outcome = pipeline.run(vec![Document::new("a", "One outlet's story."), Document::new("b", "Another's.")])?;
/// println!("{}", outcome.summary.text());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct Pipeline {
    embedder: Embedder,
    clustering: Method,
    summary: SummaryValidParams,
}

impl Pipeline {
    /// A pipeline from its three stages' settings.
    pub fn new(embedder: Embedder, clustering: Method, summary: SummaryValidParams) -> Self {
        Self { embedder, clustering, summary }
    }

    /// The embedder in use.
    pub fn embedder(&self) -> &Embedder {
        &self.embedder
    }

    /// Summarizes one document set.
    pub fn run(&self, documents: Vec<Document>) -> Result<Outcome, Error> {
        self.run_with_progress(documents, |_, _| {})
    }

    /// Like [`Pipeline::run`], calling `embedded(done, total)` as batches of sentences are embedded.
    pub fn run_with_progress(
        &self,
        documents: Vec<Document>,
        embedded: impl FnMut(usize, usize),
    ) -> Result<Outcome, Error> {
        let summary_fits = |sentences: usize| Ok(self.summary.check_size(sentences)?);
        let Clustered { documents, sentences, embeddings, clustering } =
            self.cluster_checked(documents, embedded, summary_fits)?;
        let inputs = Inputs {
            documents: &documents,
            sentences: &sentences,
            embeddings: embeddings.view(),
            clustering: &clustering,
        };
        let summary = self.summary.summarize(&inputs)?;
        Ok(Outcome { documents, sentences, embeddings, clustering, summary })
    }

    /// The pipeline up to clustering (what `precis cluster` shows), calling `embedded(done, total)`
    /// as batches of sentences are embedded.
    pub fn cluster_with_progress(
        &self,
        documents: Vec<Document>,
        embedded: impl FnMut(usize, usize),
    ) -> Result<Clustered, Error> {
        self.cluster_checked(documents, embedded, |_| Ok(()))
    }

    /// Clusters `documents` once `fits(sentence count)` and the clustering's own limit allow it.
    fn cluster_checked(
        &self,
        documents: Vec<Document>,
        embedded: impl FnMut(usize, usize),
        fits: impl Fn(usize) -> Result<(), Error>,
    ) -> Result<Clustered, Error> {
        if documents.is_empty() {
            return Err(Error::NoDocuments);
        }
        let sentences = precis_text::sentences(&documents);
        if sentences.is_empty() {
            return Err(Error::NoSentences);
        }
        // Before embedding, which takes minutes at the sizes these limits stop.
        self.clustering.check_size(sentences.len())?;
        fits(sentences.len())?;
        let texts: Vec<&str> = sentences.iter().map(|s| s.text.as_str()).collect();
        let embeddings = embed_distinct(&self.embedder, &texts, embedded)?;
        let sources: Vec<usize> = sentences.iter().map(|s| s.doc).collect();
        let clustering = self.clustering.fit(embeddings.view(), &sources)?;
        Ok(Clustered { documents, sentences, embeddings, clustering })
    }
}

/// One embedding per text, each distinct text embedded once, calling `embedded(n, distinct)` after
/// each batch of `n`. Outlets reprint wire copy, so a set often holds the same sentence several
/// times (15% of the DUC 2003 sentences). A vector does not depend on its batch (on the CPU to the
/// bit), so the copies get the vector they would have got.
pub(crate) fn embed_distinct(
    embedder: &Embedder,
    texts: &[&str],
    mut embedded: impl FnMut(usize, usize),
) -> Result<Array2<f32>, Box<precis_embed::Error>> {
    let mut distinct: Vec<&str> = Vec::with_capacity(texts.len());
    let mut index_of: HashMap<&str, usize> = HashMap::with_capacity(texts.len());
    let row_of: Vec<usize> = texts
        .iter()
        .map(|&text| {
            *index_of.entry(text).or_insert_with(|| {
                distinct.push(text);
                distinct.len() - 1
            })
        })
        .collect();
    let total = distinct.len();
    let vectors = embedder.embed_with_progress(&distinct, |n| embedded(n, total)).map_err(Box::new)?;
    Ok(vectors.select(Axis(0), &row_of))
}
