//! Length-bucketed batching: which texts run together so little compute goes to padding.

use crate::error::ParamsError;

/// How texts are grouped into batches, unchecked. Check it with [`BatchParams::check`].
///
/// Defaults: `max_batch_size` 64, `max_batch_tokens` 8192 (so a batch of 256-token texts holds 32).
///
/// ```
/// use precis_embed::BatchParams;
/// let params = BatchParams::default().max_batch_size(16).check(256)?;
/// assert_eq!(params.max_batch_size(), 16);
/// assert!(BatchParams::default().max_batch_size(0).check(256).is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BatchParams {
    max_batch_size: usize,
    max_batch_tokens: usize,
}

/// Batching parameters that passed [`BatchParams::check`] for a model's `max_seq_length`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ValidBatchParams {
    max_batch_size: usize,
    max_batch_tokens: usize,
}

impl Default for BatchParams {
    fn default() -> Self {
        Self { max_batch_size: 64, max_batch_tokens: 8192 }
    }
}

impl BatchParams {
    /// Most texts in one batch.
    pub fn max_batch_size(mut self, max_batch_size: usize) -> Self {
        self.max_batch_size = max_batch_size;
        self
    }

    /// Most tokens in one batch, padding included (`texts × longest text`).
    pub fn max_batch_tokens(mut self, max_batch_tokens: usize) -> Self {
        self.max_batch_tokens = max_batch_tokens;
        self
    }

    /// Checks the parameters against the model's longest input, so every text fits some batch.
    pub fn check(self, max_seq_length: usize) -> Result<ValidBatchParams, ParamsError> {
        if self.max_batch_size == 0 {
            return Err(ParamsError::ZeroBatchSize);
        }
        if self.max_batch_tokens < max_seq_length {
            return Err(ParamsError::BatchTokensTooSmall { max_batch_tokens: self.max_batch_tokens, max_seq_length });
        }
        Ok(ValidBatchParams { max_batch_size: self.max_batch_size, max_batch_tokens: self.max_batch_tokens })
    }
}

impl ValidBatchParams {
    /// Most texts in one batch.
    pub fn max_batch_size(&self) -> usize {
        self.max_batch_size
    }

    /// Most tokens in one batch, padding included.
    pub fn max_batch_tokens(&self) -> usize {
        self.max_batch_tokens
    }

    /// Groups texts of the given token lengths into batches of indices.
    ///
    /// Texts are sorted longest first (ties by input position, so the plan is deterministic) and cut
    /// greedily: a batch grows while `texts × its first (longest) length` stays within the token
    /// budget and the count within `max_batch_size`. Every index appears exactly once.
    pub fn plan(&self, lengths: &[usize]) -> Vec<Vec<usize>> {
        let mut order: Vec<usize> = (0..lengths.len()).collect();
        order.sort_by_key(|&i| (std::cmp::Reverse(lengths[i]), i));
        let mut batches: Vec<Vec<usize>> = Vec::new();
        for i in order {
            match batches.last_mut() {
                Some(batch)
                    if batch.len() < self.max_batch_size
                        && (batch.len() + 1) * lengths[batch[0]].max(1) <= self.max_batch_tokens =>
                {
                    batch.push(i)
                }
                _ => batches.push(vec![i]),
            }
        }
        batches
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn max_batch_size_cannot_be_zero() {
        assert_eq!(BatchParams::default().max_batch_size(0).check(128), Err(ParamsError::ZeroBatchSize));
    }

    #[test]
    fn max_batch_tokens_must_hold_the_longest_text() {
        assert!(matches!(
            BatchParams::default().max_batch_tokens(100).check(128),
            Err(ParamsError::BatchTokensTooSmall { max_batch_tokens: 100, max_seq_length: 128 })
        ));
        assert!(BatchParams::default().max_batch_tokens(128).check(128).is_ok());
    }

    #[test]
    fn plan_sorts_longest_first_and_respects_both_limits() {
        let params = BatchParams::default().max_batch_size(3).max_batch_tokens(20).check(10).unwrap();
        let lengths = [2, 10, 3, 10, 2, 2, 5];
        let plan = params.plan(&lengths);
        assert_eq!(plan, vec![vec![1, 3], vec![6, 2, 0], vec![4, 5]]);
        for batch in &plan {
            assert!(batch.len() <= 3);
            assert!(batch.len() * lengths[batch[0]] <= 20);
        }
    }

    #[test]
    fn plan_covers_every_index_once() {
        let params = BatchParams::default().check(256).unwrap();
        let lengths: Vec<usize> = (0..1000).map(|i| (i * 7919) % 256 + 1).collect();
        let mut seen: Vec<usize> = params.plan(&lengths).into_iter().flatten().collect();
        seen.sort_unstable();
        assert_eq!(seen, (0..1000).collect::<Vec<_>>());
    }

    #[test]
    fn plan_of_nothing_is_empty() {
        assert!(BatchParams::default().check(8).unwrap().plan(&[]).is_empty());
    }
}
