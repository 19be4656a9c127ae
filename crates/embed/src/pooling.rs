//! From token vectors to one sentence vector: pooling and L2 normalization.

use std::path::Path;

use candle_core::{D, DType, Tensor};
use serde::Deserialize;

use crate::error::{Error, Result};
use crate::json::read_json;

/// How a sentence-transformers `Pooling` module turns token vectors into a sentence vector.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Pooling {
    /// Mean of the vectors of real (unpadded) tokens: all-MiniLM-L6-v2 and most sentence models.
    Mean,
    /// The vector of the first token (`[CLS]`): the BGE family.
    Cls,
    /// Component-wise maximum over real tokens.
    Max,
    /// Sum over real tokens divided by the square root of their count.
    MeanSqrtLen,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct PoolingConfig {
    pooling_mode_cls_token: bool,
    pooling_mode_mean_tokens: bool,
    pooling_mode_max_tokens: bool,
    pooling_mode_mean_sqrt_len_tokens: bool,
    pooling_mode_weightedmean_tokens: bool,
    pooling_mode_lasttoken: bool,
}

impl Pooling {
    /// Reads a `1_Pooling/config.json`. Exactly one supported mode must be on; sentence-transformers
    /// concatenates several, which no model precis targets does.
    pub fn from_config_file(path: &Path) -> Result<Self> {
        let config: PoolingConfig = read_json(path)?;
        if config.pooling_mode_weightedmean_tokens || config.pooling_mode_lasttoken {
            return Err(Error::bad_file(path, "weighted-mean and last-token pooling are not supported"));
        }
        let modes = [
            (config.pooling_mode_mean_tokens, Pooling::Mean),
            (config.pooling_mode_cls_token, Pooling::Cls),
            (config.pooling_mode_max_tokens, Pooling::Max),
            (config.pooling_mode_mean_sqrt_len_tokens, Pooling::MeanSqrtLen),
        ];
        let mut on = modes.iter().filter(|(on, _)| *on).map(|(_, mode)| *mode);
        match (on.next(), on.next()) {
            (Some(mode), None) => Ok(mode),
            (None, _) => Err(Error::bad_file(path, "no pooling mode is switched on")),
            (Some(_), Some(_)) => Err(Error::bad_file(path, "several pooling modes at once are not supported")),
        }
    }

    /// Pools `hidden` of shape `(tokens, dim)`, holding sequences end to end with `lengths[i]`
    /// tokens each (no padding), into `(lengths.len(), dim)`, on the tensor's own device.
    ///
    /// ```
    /// use candle_core::{Device, Tensor};
    /// use precis_embed::Pooling;
    ///
    /// // Two sentences of 2 and 1 tokens.
    /// let hidden = Tensor::new(&[[1f32, 0.], [3., 2.], [5., 5.]], &Device::Cpu)?;
    /// let mean = Pooling::Mean.pool(&hidden, &[2, 1])?;
    /// assert_eq!(mean.to_vec2::<f32>()?, vec![vec![2., 1.], vec![5., 5.]]);
    /// let cls = Pooling::Cls.pool(&hidden, &[2, 1])?;
    /// assert_eq!(cls.to_vec2::<f32>()?, vec![vec![1., 0.], vec![5., 5.]]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn pool(self, hidden: &Tensor, lengths: &[usize]) -> Result<Tensor> {
        let hidden = hidden.to_dtype(DType::F32)?;
        let (tokens, device) = (hidden.dim(0)?, hidden.device().clone());
        let starts: Vec<usize> = lengths.iter().scan(0, |at, &len| Some(std::mem::replace(at, *at + len))).collect();
        if starts.last().map_or(0, |s| s + lengths[lengths.len() - 1]) != tokens {
            return Err(Error::Candle(candle_core::Error::Msg(format!(
                "pooling: lengths sum to {} but there are {tokens} token vectors",
                lengths.iter().sum::<usize>()
            ))));
        }
        let pooled = match self {
            Pooling::Cls => {
                let firsts: Vec<u32> = starts.iter().map(|&s| s as u32).collect();
                hidden.index_select(&Tensor::from_vec(firsts, lengths.len(), &device)?, 0)?
            }
            Pooling::Mean | Pooling::MeanSqrtLen if device.is_cpu() => {
                // Each sequence's own rows summed in order, then scaled: the result does not depend
                // on which other sequences share the batch (a product over all of the batch's
                // tokens would, in its last bits, as its blocking follows the batch's size).
                let dim = hidden.dim(1)?;
                let values = hidden.flatten_all()?.to_vec1::<f32>()?;
                let mut pooled = vec![0f32; lengths.len() * dim];
                for ((&start, &len), out) in starts.iter().zip(lengths).zip(pooled.chunks_exact_mut(dim)) {
                    for row in values[start * dim..(start + len) * dim].chunks_exact(dim) {
                        out.iter_mut().zip(row).for_each(|(o, v)| *o += v);
                    }
                    let scale = self.scale(len);
                    out.iter_mut().for_each(|o| *o *= scale);
                }
                Tensor::from_vec(pooled, (lengths.len(), dim), &device)?
            }
            Pooling::Mean | Pooling::MeanSqrtLen => {
                // One product with a (sequences × tokens) weight matrix: 1/len (or 1/√len) over
                // each sequence's own tokens.
                let mut weights = vec![0f32; lengths.len() * tokens];
                for (i, (&start, &len)) in starts.iter().zip(lengths).enumerate() {
                    weights[i * tokens + start..i * tokens + start + len].fill(self.scale(len));
                }
                Tensor::from_vec(weights, (lengths.len(), tokens), &device)?.matmul(&hidden)?
            }
            Pooling::Max => {
                let rows = starts
                    .iter()
                    .zip(lengths)
                    .map(|(&start, &len)| hidden.narrow(0, start, len)?.max_keepdim(0))
                    .collect::<candle_core::Result<Vec<_>>>()?;
                Tensor::cat(&rows, 0)?
            }
        };
        Ok(pooled)
    }

    /// The factor on a sequence's summed token vectors: 1/len or 1/√len. The clamp mirrors
    /// sentence-transformers' `torch.clamp(sum_mask, min=1e-9)` for empty sequences.
    fn scale(self, len: usize) -> f32 {
        let count = (len as f32).max(1e-9);
        if self == Pooling::Mean { 1.0 / count } else { 1.0 / count.sqrt() }
    }
}

/// Scales every row of `(batch, dim)` to unit L2 norm, as `torch.nn.functional.normalize`
/// (norms below 1e-12 are treated as 1e-12, so a zero row stays zero).
///
/// ```
/// use candle_core::{Device, Tensor};
/// let x = Tensor::new(&[[3f32, 4.], [0., 0.]], &Device::Cpu)?;
/// let unit = precis_embed::l2_normalize(&x)?;
/// assert_eq!(unit.to_vec2::<f32>()?, vec![vec![0.6, 0.8], vec![0., 0.]]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn l2_normalize(x: &Tensor) -> Result<Tensor> {
    let norm = x.sqr()?.sum_keepdim(D::Minus1)?.sqrt()?.clamp(1e-12f32, f32::MAX)?;
    Ok(x.broadcast_div(&norm)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use candle_core::Device;

    fn pooled(mode: Pooling) -> Vec<Vec<f32>> {
        // Two sentences end to end: the first has 2 tokens, the second 3.
        let hidden = Tensor::new(&[[1f32, -2.], [3., 4.], [1., 1.], [4., -1.], [1., 9.]], &Device::Cpu).unwrap();
        mode.pool(&hidden, &[2, 3]).unwrap().to_vec2().unwrap()
    }

    #[test]
    fn mean_stays_within_each_sentence() {
        assert_eq!(pooled(Pooling::Mean), vec![vec![2., 1.], vec![2., 3.]]);
    }

    #[test]
    fn max_stays_within_each_sentence() {
        assert_eq!(pooled(Pooling::Max), vec![vec![3., 4.], vec![4., 9.]]);
    }

    #[test]
    fn cls_takes_the_first_token() {
        assert_eq!(pooled(Pooling::Cls), vec![vec![1., -2.], vec![1., 1.]]);
    }

    #[test]
    fn mean_sqrt_len_divides_by_root_of_count() {
        let got = pooled(Pooling::MeanSqrtLen);
        let root2 = 2f32.sqrt();
        assert!((got[0][0] - 4. / root2).abs() < 1e-6 && (got[0][1] - 2. / root2).abs() < 1e-6);
    }

    fn config(json: &str) -> Result<Pooling> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.json");
        std::fs::write(&path, json).unwrap();
        Pooling::from_config_file(&path)
    }

    #[test]
    fn exactly_one_mode_must_be_on() {
        assert_eq!(config(r#"{"pooling_mode_cls_token": true}"#).unwrap(), Pooling::Cls);
        assert!(config("{}").is_err());
        assert!(config(r#"{"pooling_mode_cls_token": true, "pooling_mode_mean_tokens": true}"#).is_err());
        assert!(config(r#"{"pooling_mode_lasttoken": true}"#).is_err());
    }
}
