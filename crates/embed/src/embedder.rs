//! The sentence embedder: tokenizer + BERT + pooling, run in length-sorted batches.

use std::path::{Path, PathBuf};

use candle_core::Device;
use candle_nn::VarBuilder;
use ndarray::Array2;
use rayon::prelude::*;
use tokenizers::{Encoding, Tokenizer, TruncationDirection, TruncationParams, TruncationStrategy};

use crate::batch::{BatchParams, ValidBatchParams};
#[cfg(doc)]
use crate::device::DeviceSpec;
use crate::encoder::{Encoder, Kernels, TokenBatch};
use crate::error::{Error, Result};
use crate::folder::{ModelFolder, WEIGHTS};
use crate::pooling::l2_normalize;
use crate::precision::Precision;

/// A loaded sentence model. Embeddings equal sentence-transformers' `model.encode(texts)` for the
/// same folder: same truncation (`max_seq_length` from `sentence_bert_config.json`, not the
/// tokenizer file's own), same pooling, same normalization.
///
/// ```no_run
/// use precis_embed::Embedder;
///
/// let embedder = Embedder::builder("models/minilm").build()?;
/// let vectors = embedder.embed(&["Both sides agreed to swap prisoners.", "The talks ended early."])?;
/// assert_eq!(vectors.dim(), (2, 384));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct Embedder {
    folder: ModelFolder,
    tokenizer: Tokenizer,
    model: Encoder,
    device: Device,
    precision: Precision,
    batch: ValidBatchParams,
}

/// Options for [`Embedder`]; defaults: CPU, [`Precision::F32`], fused kernels, [`BatchParams::default`].
#[derive(Debug, Clone)]
pub struct EmbedderBuilder {
    dir: PathBuf,
    device: Device,
    batch: BatchParams,
    precision: Precision,
    reference_kernels: bool,
}

impl EmbedderBuilder {
    /// The device to run on, opened with [`DeviceSpec::open`].
    pub fn device(mut self, device: Device) -> Self {
        self.device = device;
        self
    }

    /// How texts are grouped into batches.
    pub fn batch(mut self, batch: BatchParams) -> Self {
        self.batch = batch;
        self
    }

    /// The float type of weights and activations (default f32).
    pub fn precision(mut self, precision: Precision) -> Self {
        self.precision = precision;
        self
    }

    /// Runs candle's own ops instead of the fused CPU kernels: slower, for checking that both agree.
    pub fn reference_kernels(mut self, on: bool) -> Self {
        self.reference_kernels = on;
        self
    }

    /// Reads the folder, checks the parameters against it, opens the device and loads the weights.
    pub fn build(self) -> Result<Embedder> {
        let folder = ModelFolder::read(&self.dir)?;
        let batch = self.batch.check(folder.max_seq_length)?;
        let device = self.device;
        let tokenizer = load_tokenizer(&folder)?;

        let weights = folder.path(WEIGHTS);
        check_finite(&weights)?;
        // SAFETY: the file is mapped read-only; like every mmap user we rely on nobody truncating or
        // rewriting it while it is mapped. Model folders are written once, atomically (see `store`).
        let kernels = Kernels::choose(&device, self.precision, self.reference_kernels);
        #[allow(unsafe_code)]
        let vb =
            unsafe { VarBuilder::from_mmaped_safetensors(&[&weights], kernels.load_dtype(self.precision), &device) }
                .map_err(|e| corrupt_weights(&weights, e))?;
        let model = Encoder::load(vb, &folder.bert, kernels).map_err(|e| corrupt_weights(&weights, e))?;
        tracing::debug!(dir = %self.dir.display(), device = ?device, kernels = ?model.kernels(), "model loaded");
        Ok(Embedder { folder, tokenizer, model, device, precision: self.precision, batch })
    }
}

fn corrupt_weights(path: &Path, e: candle_core::Error) -> Error {
    Error::bad_file(
        path,
        format!("not a usable BERT safetensors file ({e}); it may be truncated or corrupt: fetch the model again"),
    )
}

/// Refuses weights with NaN or infinite values, naming the first such tensor: they would turn
/// every embedding into NaN without any error.
fn check_finite(path: &Path) -> Result<()> {
    // SAFETY: as for the weights' mapping in `build`.
    #[allow(unsafe_code)]
    let tensors =
        unsafe { candle_core::safetensors::MmapedSafetensors::new(path) }.map_err(|e| corrupt_weights(path, e))?;
    for (name, view) in tensors.tensors() {
        let data = view.data();
        let finite = match view.dtype() {
            safetensors::Dtype::F32 => {
                data.chunks_exact(4).all(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]) & 0x7F80_0000 != 0x7F80_0000)
            }
            safetensors::Dtype::F16 => {
                data.chunks_exact(2).all(|b| u16::from_le_bytes([b[0], b[1]]) & 0x7C00 != 0x7C00)
            }
            safetensors::Dtype::BF16 => {
                data.chunks_exact(2).all(|b| u16::from_le_bytes([b[0], b[1]]) & 0x7F80 != 0x7F80)
            }
            _ => true,
        };
        if !finite {
            return Err(Error::bad_file(
                path,
                format!("tensor {name} holds NaN or infinite values: the weights are corrupt; fetch the model again"),
            ));
        }
    }
    Ok(())
}

/// A prefix of `text` that tokenizes to the same first `max_tokens` tokens as the whole text, so a
/// megabyte-long line is not tokenized whole only to be truncated. Every run between ASCII
/// whitespace that holds an ASCII letter or digit yields at least one token whatever the
/// normalizer does, and tokens never span ASCII whitespace; so the text up to the end of the
/// `max_tokens`-th such run is enough. Past [`MAX_TOKENIZED_BYTES`] (only text with almost no ASCII
/// letters gets there) the cut is made at that length.
fn tokenizable_prefix(text: &str, max_tokens: usize) -> &str {
    let mut runs = 0;
    for run in text.split([' ', '\t', '\n', '\r']) {
        let end = run.as_ptr() as usize - text.as_ptr() as usize + run.len();
        if end > MAX_TOKENIZED_BYTES {
            let mut cut = MAX_TOKENIZED_BYTES;
            while !text.is_char_boundary(cut) {
                cut -= 1;
            }
            return &text[..cut];
        }
        if run.bytes().any(|b| b.is_ascii_alphanumeric()) {
            runs += 1;
            if runs == max_tokens {
                return &text[..end];
            }
        }
    }
    text
}

/// Longest prefix of one text handed to the tokenizer.
const MAX_TOKENIZED_BYTES: usize = 1 << 20;

fn load_tokenizer(folder: &ModelFolder) -> Result<Tokenizer> {
    let path = folder.path("tokenizer.json");
    let mut tokenizer = Tokenizer::from_file(&path).map_err(|e| Error::bad_file(&path, e))?;
    // all-MiniLM-L6-v2's tokenizer.json truncates at 128 and pads to a fixed 128; sentence-transformers
    // ignores both and truncates at max_seq_length, padding each batch to its longest text. So do we.
    tokenizer
        .with_truncation(Some(TruncationParams {
            max_length: folder.max_seq_length,
            strategy: TruncationStrategy::LongestFirst,
            stride: 0,
            direction: TruncationDirection::Right,
        }))
        .map_err(|e| Error::Tokenizer(e.to_string()))?;
    tokenizer.with_padding(None);
    Ok(tokenizer)
}

impl Embedder {
    /// Starts loading the model folder at `dir`.
    pub fn builder(dir: impl Into<PathBuf>) -> EmbedderBuilder {
        EmbedderBuilder {
            dir: dir.into(),
            device: Device::Cpu,
            batch: BatchParams::default(),
            precision: Precision::F32,
            reference_kernels: false,
        }
    }

    /// Length of every embedding.
    pub fn dim(&self) -> usize {
        self.folder.bert.hidden_size
    }

    /// Longest input in tokens (special tokens included); longer texts are truncated.
    pub fn max_seq_length(&self) -> usize {
        self.folder.max_seq_length
    }

    /// The model folder in use.
    pub fn folder(&self) -> &Path {
        &self.folder.dir
    }

    /// The device the model runs on.
    pub fn device(&self) -> &Device {
        &self.device
    }

    /// The float type it computes in.
    pub fn precision(&self) -> Precision {
        self.precision
    }

    /// Token ids of each text, special tokens included, truncated as for embedding.
    pub fn token_ids<S: AsRef<str>>(&self, texts: &[S]) -> Result<Vec<Vec<u32>>> {
        Ok(self.encode(texts)?.into_iter().map(|e| e.get_ids().to_vec()).collect())
    }

    /// Embeds `texts`, returning `(texts.len(), dim)` in input order.
    pub fn embed<S: AsRef<str>>(&self, texts: &[S]) -> Result<Array2<f32>> {
        self.embed_with_progress(texts, |_| {})
    }

    /// Like [`Embedder::embed`], calling `done(n)` after each batch of `n` texts.
    ///
    /// Each text's vector does not depend on which texts share its batch: sequences are never
    /// padded, so results agree across batch sizes and input orders to float rounding (well under
    /// 1e-6 per component).
    pub fn embed_with_progress<S: AsRef<str>>(&self, texts: &[S], mut done: impl FnMut(usize)) -> Result<Array2<f32>> {
        let encodings = self.encode(texts)?;
        let lengths: Vec<usize> = encodings.iter().map(Encoding::len).collect();
        let mut out = Array2::<f32>::zeros((texts.len(), self.dim()));
        for batch in self.batch.plan(&lengths) {
            let members: Vec<&Encoding> = batch.iter().map(|&i| &encodings[i]).collect();
            let vectors = self.forward(&members)?;
            for (row, &i) in batch.iter().enumerate() {
                out.row_mut(i).assign(&ndarray::ArrayView1::from(&vectors[row * self.dim()..(row + 1) * self.dim()]));
            }
            done(batch.len());
        }
        Ok(out)
    }

    fn encode<S: AsRef<str>>(&self, texts: &[S]) -> Result<Vec<Encoding>> {
        let max = self.folder.max_seq_length;
        let inputs: Vec<&str> = texts.iter().map(|t| tokenizable_prefix(t.as_ref(), max)).collect();
        self.tokenizer.encode_batch(inputs, true).map_err(|e| Error::Tokenizer(e.to_string()))
    }

    /// Runs one batch; returns `batch × dim` values, row-major. On the CPU the batch is cut into one
    /// part per thread, with about equal tokens, and the parts run side by side: each thread then
    /// runs whole layers on its own rows, instead of every layer's kernels forking and joining
    /// across threads (each fork wakes a sleeping thread; each join waits for the slowest chunk).
    fn forward(&self, batch: &[&Encoding]) -> Result<Vec<f32>> {
        let parts = if self.device.is_cpu() { rayon::current_num_threads().min(batch.len()) } else { 1 };
        if parts <= 1 {
            return self.forward_part(batch);
        }
        let lengths: Vec<usize> = batch.iter().map(|e| e.len()).collect();
        let pieces: Vec<&[&Encoding]> = split_even(&lengths, parts).into_iter().map(|r| &batch[r]).collect();
        let outputs: Vec<Result<Vec<f32>>> = pieces.into_par_iter().map(|piece| self.forward_part(piece)).collect();
        let mut all = Vec::with_capacity(batch.len() * self.dim());
        for output in outputs {
            all.extend(output?);
        }
        Ok(all)
    }

    /// Runs one part of a batch on the calling thread's share of the pool.
    fn forward_part(&self, batch: &[&Encoding]) -> Result<Vec<f32>> {
        let mut tokens = TokenBatch::default();
        for encoding in batch {
            tokens.push(encoding.get_ids(), encoding.get_type_ids());
        }
        let hidden = self.model.forward(&tokens)?;
        let mut pooled = self.folder.pooling.pool(&hidden, &tokens.lengths)?;
        if self.folder.normalize {
            pooled = l2_normalize(&pooled)?;
        }
        Ok(pooled.flatten_all()?.to_vec1::<f32>()?)
    }
}

/// Cuts `0..weights.len()` into at most `parts` contiguous, non-empty ranges of about equal total
/// weight.
fn split_even(weights: &[usize], parts: usize) -> Vec<std::ops::Range<usize>> {
    let total: usize = weights.iter().sum();
    let mut ranges = Vec::with_capacity(parts);
    let (mut start, mut sum) = (0, 0);
    for (i, &w) in weights.iter().enumerate() {
        sum += w;
        // Close the current range once it reaches its share of the total.
        if sum * parts >= total * (ranges.len() + 1) && ranges.len() + 1 < parts {
            ranges.push(start..i + 1);
            start = i + 1;
        }
    }
    if start < weights.len() {
        ranges.push(start..weights.len());
    }
    ranges
}

#[cfg(test)]
mod tests {
    use super::{MAX_TOKENIZED_BYTES, split_even, tokenizable_prefix};

    #[test]
    fn prefixes_keep_enough_words_and_cut_at_ascii_whitespace() {
        assert_eq!(tokenizable_prefix("one two three four", 2), "one two");
        assert_eq!(tokenizable_prefix("a , b", 2), "a , b");
        assert_eq!(tokenizable_prefix("short", 10), "short");
        assert_eq!(tokenizable_prefix("", 10), "");
        let huge = "é".repeat(MAX_TOKENIZED_BYTES);
        let prefix = tokenizable_prefix(&huge, 256);
        assert!(prefix.len() <= MAX_TOKENIZED_BYTES && prefix.len() + 2 > MAX_TOKENIZED_BYTES);
    }

    #[test]
    fn splits_cover_every_item_once_with_even_weight() {
        assert_eq!(split_even(&[5, 5, 5, 5], 2), vec![0..2, 2..4]);
        assert_eq!(split_even(&[30, 10, 10, 10], 2), vec![0..1, 1..4]);
        assert_eq!(split_even(&[1, 1, 1], 3), vec![0..1, 1..2, 2..3]);
        assert_eq!(split_even(&[7], 4), vec![0..1]);
        let weights: Vec<usize> = (0..37).map(|i| 3 + i % 11).collect();
        let ranges = split_even(&weights, 4);
        assert_eq!(ranges.len(), 4);
        assert_eq!(ranges.first().unwrap().start, 0);
        assert_eq!(ranges.last().unwrap().end, weights.len());
        assert!(ranges.windows(2).all(|w| w[0].end == w[1].start && !w[0].is_empty()));
        let total: usize = weights.iter().sum();
        for r in &ranges {
            let share: usize = weights[r.clone()].iter().sum();
            assert!(share.abs_diff(total / 4) <= 13, "{r:?} holds {share} of {total}");
        }
    }
}
