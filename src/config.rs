//! The settings of a run, checked once: a [`Config`] is built from flags (or by a program) before
//! any input is read or model loaded, so a bad setting never waits on either.

use precis_cluster::Method;
use precis_embed::{BatchParams, DeviceSpec, Embedder, ModelStore, Precision};
use precis_summarize::SummaryValidParams;

use crate::Pipeline;

/// Why a configured model could not be made ready.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LoadError {
    /// The device could not be opened, or the model not found or fetched (boxed: model errors
    /// are large and rare).
    #[error(transparent)]
    Resolve(Box<precis_embed::Error>),
    /// The batch settings do not fit the model (its `max_seq_length` is read only when loading).
    #[error(transparent)]
    Batch(precis_embed::ParamsError),
    /// The model folder could not be loaded.
    #[error("cannot load model {model}")]
    Load {
        /// The model's name or folder, as configured.
        model: String,
        /// What went wrong.
        #[source]
        source: Box<precis_embed::Error>,
    },
}

/// Which sentence model runs where, and how texts are batched.
///
/// ```no_run
/// use precis::config::ModelConfig;
/// use precis::embed::ModelStore;
///
/// let embedder = ModelConfig::new("minilm").load(&ModelStore::new("models"))?;
/// assert_eq!(embedder.dim(), 384);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct ModelConfig {
    /// A model name known to [`ModelStore`], or the path of a sentence-transformers folder.
    pub model: String,
    /// Where inference runs.
    pub device: DeviceSpec,
    /// How texts are grouped into batches.
    pub batch: BatchParams,
    /// The number format of inference.
    pub precision: Precision,
}

impl ModelConfig {
    /// `model` on the CPU in f32, with the default batching.
    pub fn new(model: impl Into<String>) -> Self {
        Self {
            model: model.into(),
            device: DeviceSpec::default(),
            batch: BatchParams::default(),
            precision: Precision::default(),
        }
    }

    /// Opens the device, resolves the model in `store` (fetching a known one on first use) and
    /// loads it. The device comes first: it is cheap to check and a download is not.
    pub fn load(&self, store: &ModelStore) -> Result<Embedder, LoadError> {
        let device = self.device.open().map_err(|e| LoadError::Resolve(Box::new(e)))?;
        let model = store.resolve(&self.model).map_err(|e| LoadError::Resolve(Box::new(e)))?;
        let built = Embedder::builder(&model.dir).device(device).batch(self.batch).precision(self.precision).build();
        built.map_err(|source| match source {
            precis_embed::Error::Params(e) => LoadError::Batch(e),
            source => LoadError::Load { model: self.model.clone(), source: Box::new(source) },
        })
    }
}

/// Everything a [`Pipeline`] needs, each part checked.
///
/// ```no_run
/// use precis::ParamGuard;
/// use precis::cluster::{AgglomerativeParams, Method};
/// use precis::config::{Config, ModelConfig};
/// use precis::summarize::SummaryParams;
///
/// let config = Config {
///     model: ModelConfig::new("minilm"),
///     clustering: Method::Agglomerative(AgglomerativeParams::new().check()?),
///     summary: SummaryParams::new().check()?,
/// };
/// let pipeline = config.pipeline(&precis::embed::ModelStore::new("models"))?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct Config {
    /// The sentence model.
    pub model: ModelConfig,
    /// How sentences are grouped across sources.
    pub clustering: Method,
    /// How the summary is chosen, and how long it is.
    pub summary: SummaryValidParams,
}

impl Config {
    /// Loads the model and returns the pipeline these settings describe.
    pub fn pipeline(self, store: &ModelStore) -> Result<Pipeline, LoadError> {
        Ok(Pipeline::new(self.model.load(store)?, self.clustering, self.summary))
    }
}
