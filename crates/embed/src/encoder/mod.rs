//! The BERT encoder, written on candle-core for sentence embedding: every sequence of a batch is
//! laid end to end with no padding (`tokens × hidden`), so no work is spent on padding and no
//! attention mask is needed.
//!
//! Two ways to run the same weights:
//! - **fused** (CPU, f32): candle custom ops over the fused kernels of [`kernels`]: one product per
//!   linear layer over all tokens against weights packed at load time, bias and GELU or residual
//!   folded into it, and attention computed per sequence without materializing padded tensors;
//! - **composed** (any device, any float type): candle's own ops; attention gathers the unpadded
//!   rows into a padded `(batch, heads, length, head_dim)` layout, masks with a large finite
//!   negative (so f16 and bf16 stay finite) and scatters back.
//!
//! Both load the safetensors candle-transformers' `BertModel` loads, under the same names.

pub mod kernels;

use candle_core::{CpuStorage, CustomOp1, CustomOp2, DType, Device, Layout, Module, Shape, Tensor};
use candle_nn::{LayerNorm, VarBuilder};
use candle_transformers::models::bert::{Config, HiddenAct};

use kernels::{Epilogue, Format, Isa, PackedLinear};

use crate::precision::Precision;

/// How the encoder runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kernels {
    /// Fused CPU kernels; activations in f32, matrix products in `format`.
    Fused { isa: Isa, format: Format },
    /// candle's ops: any device and float type.
    Composed,
}

impl Kernels {
    /// The fused kernels on CPU for f32 and bf16 (unless `reference`), else candle's ops.
    pub fn choose(device: &Device, precision: Precision, reference: bool) -> Kernels {
        let format = match precision {
            Precision::F32 => Format::F32,
            Precision::Bf16 => Format::Bf16,
            Precision::F16 => return Kernels::Composed,
        };
        if !device.is_cpu() || reference {
            return Kernels::Composed;
        }
        let isa = Isa::detect();
        if format == Format::Bf16 && !isa.has_bf16_products() {
            tracing::warn!(
                "this CPU has no AVX-512 BF16: bf16 products run a portable kernel, slower than f32 (about 2.6x on an AVX2 machine); use f32"
            );
        }
        Kernels::Fused { isa, format }
    }

    /// The type to load the checkpoint's tensors as: the fused kernels keep f32 tensors (embedding
    /// tables, norms) and pack the matrices themselves.
    pub fn load_dtype(self, precision: Precision) -> DType {
        match self {
            Kernels::Fused { .. } => DType::F32,
            Kernels::Composed => precision.dtype(),
        }
    }
}

/// The tokens of one batch, sequences end to end.
#[derive(Debug, Default)]
pub(crate) struct TokenBatch {
    pub ids: Vec<u32>,
    pub type_ids: Vec<u32>,
    pub positions: Vec<u32>,
    pub lengths: Vec<usize>,
}

impl TokenBatch {
    /// Appends one sequence.
    pub fn push(&mut self, ids: &[u32], type_ids: &[u32]) {
        self.ids.extend_from_slice(ids);
        self.type_ids.extend_from_slice(type_ids);
        self.positions.extend(0..ids.len() as u32);
        self.lengths.push(ids.len());
    }
}

pub(crate) struct Encoder {
    word: Tensor,
    position: Tensor,
    token_type: Tensor,
    embedding_norm: Norm,
    layers: Vec<EncoderLayer>,
    heads: usize,
    activation: Activation,
    kernels: Kernels,
    device: Device,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Activation {
    Gelu,
    GeluTanh,
    Relu,
}

struct EncoderLayer {
    qkv: Dense,
    attention_out: Dense,
    attention_norm: Norm,
    intermediate: Dense,
    output: Dense,
    output_norm: Norm,
}

/// A layer norm: candle's op for the composed path; for the fused one its parameters on the host,
/// applied in the epilogue of the product before it.
struct Norm {
    layer: LayerNorm,
    gamma: Vec<f32>,
    beta: Vec<f32>,
    eps: f32,
}

impl Norm {
    fn load(vb: VarBuilder, size: usize, eps: f64) -> candle_core::Result<Self> {
        let layer = candle_nn::layer_norm(size, eps, vb)?;
        let host = |t: &Tensor| t.to_dtype(DType::F32)?.to_vec1::<f32>();
        let gamma = host(layer.weight())?;
        let beta = match layer.bias() {
            Some(bias) => host(bias)?,
            None => vec![0.0; size],
        };
        Ok(Norm { layer, gamma, beta, eps: eps as f32 })
    }

    fn rows(&self) -> kernels::RowNorm<'_> {
        kernels::RowNorm { gamma: &self.gamma, beta: &self.beta, eps: self.eps }
    }

    fn forward(&self, x: &Tensor) -> candle_core::Result<Tensor> {
        self.layer.forward(x)
    }
}

/// A linear layer: candle tensors for the composed path, packed panels for the fused one (which
/// then holds the only copy of the weights).
enum Dense {
    Tensors { weight: Tensor, bias: Tensor },
    Packed(PackedLinear),
}

impl Encoder {
    /// Loads the weights from `vb` (a BERT checkpoint with or without a `bert.` / model-type prefix),
    /// loaded as [`Kernels::load_dtype`] says, to run with `kernels`.
    pub fn load(vb: VarBuilder, config: &Config, kernels: Kernels) -> candle_core::Result<Self> {
        let vb = if vb.contains_tensor("bert.embeddings.word_embeddings.weight") {
            vb.pp("bert")
        } else if let Some(prefix) = config
            .model_type
            .as_deref()
            .filter(|t| vb.contains_tensor(&format!("{t}.embeddings.word_embeddings.weight")))
        {
            vb.pp(prefix)
        } else {
            vb
        };
        let pack = match kernels {
            Kernels::Fused { format, .. } => Some(format),
            Kernels::Composed => None,
        };
        let (h, eps) = (config.hidden_size, config.layer_norm_eps);
        let emb = vb.pp("embeddings");
        let word = emb.get((config.vocab_size, h), "word_embeddings.weight")?;
        let position = emb.get((config.max_position_embeddings, h), "position_embeddings.weight")?;
        let token_type = emb.get((config.type_vocab_size, h), "token_type_embeddings.weight")?;
        let embedding_norm = Norm::load(emb.pp("LayerNorm"), h, eps)?;

        let mut layers = Vec::with_capacity(config.num_hidden_layers);
        for i in 0..config.num_hidden_layers {
            let vb = vb.pp(format!("encoder.layer.{i}"));
            let attention = vb.pp("attention");
            let part = |name: &str| -> candle_core::Result<(Tensor, Tensor)> {
                let vb = attention.pp("self").pp(name);
                Ok((vb.get((h, h), "weight")?, vb.get(h, "bias")?))
            };
            let (q, k, v) = (part("query")?, part("key")?, part("value")?);
            let qkv = Dense::new(Tensor::cat(&[q.0, k.0, v.0], 0)?, Tensor::cat(&[q.1, k.1, v.1], 0)?, pack)?;
            layers.push(EncoderLayer {
                qkv,
                attention_out: Dense::load(attention.pp("output.dense"), h, h, pack)?,
                attention_norm: Norm::load(attention.pp("output.LayerNorm"), h, eps)?,
                intermediate: Dense::load(vb.pp("intermediate.dense"), h, config.intermediate_size, pack)?,
                output: Dense::load(vb.pp("output.dense"), config.intermediate_size, h, pack)?,
                output_norm: Norm::load(vb.pp("output.LayerNorm"), h, eps)?,
            });
        }
        let activation = match config.hidden_act {
            HiddenAct::Gelu => Activation::Gelu,
            HiddenAct::GeluApproximate => Activation::GeluTanh,
            HiddenAct::Relu => Activation::Relu,
        };
        Ok(Encoder {
            word,
            position,
            token_type,
            embedding_norm,
            layers,
            heads: config.num_attention_heads,
            activation,
            kernels,
            device: vb.device().clone(),
        })
    }

    /// How this encoder runs.
    pub fn kernels(&self) -> Kernels {
        self.kernels
    }

    /// Token vectors of the last layer, `tokens × hidden`, sequences end to end as in `batch`.
    pub fn forward(&self, batch: &TokenBatch) -> candle_core::Result<Tensor> {
        let tokens = batch.ids.len();
        let mut x = match self.kernels {
            Kernels::Fused { isa, .. } => {
                let hidden = self.word.dim(1)?;
                let tables = [&self.word, &self.position, &self.token_type];
                let mut summed = summed_embeddings(tables, [&batch.ids, &batch.positions, &batch.type_ids], hidden)?;
                kernels::layer_norm_rows(isa, &mut summed, self.embedding_norm.rows());
                Tensor::from_vec(summed, (tokens, hidden), &self.device)?
            }
            Kernels::Composed => {
                let ids = Tensor::from_slice(&batch.ids, tokens, &self.device)?;
                let type_ids = Tensor::from_slice(&batch.type_ids, tokens, &self.device)?;
                let positions = Tensor::from_slice(&batch.positions, tokens, &self.device)?;
                let embedded = ((self.word.embedding(&ids)? + self.position.embedding(&positions)?)?
                    + self.token_type.embedding(&type_ids)?)?;
                self.embedding_norm.forward(&embedded)?
            }
        };
        for layer in &self.layers {
            x = self.layer_forward(layer, &x, &batch.lengths)?;
        }
        Ok(x)
    }

    fn layer_forward(&self, layer: &EncoderLayer, x: &Tensor, lengths: &[usize]) -> candle_core::Result<Tensor> {
        match self.kernels {
            Kernels::Fused { isa, .. } => {
                let qkv = x.apply_op1_no_bwd(&FusedLinear { isa, dense: &layer.qkv, activation: None })?;
                let context = qkv.apply_op1_no_bwd(&FusedAttention { isa, lengths, heads: self.heads })?;
                let attended = context.apply_op2_no_bwd(
                    x,
                    &FusedLinearAdd { isa, dense: &layer.attention_out, norm: &layer.attention_norm },
                )?;
                let act = Some(self.activation);
                let inner =
                    attended.apply_op1_no_bwd(&FusedLinear { isa, dense: &layer.intermediate, activation: act })?;
                inner.apply_op2_no_bwd(
                    &attended,
                    &FusedLinearAdd { isa, dense: &layer.output, norm: &layer.output_norm },
                )
            }
            Kernels::Composed => {
                let qkv = layer.qkv.forward(x)?;
                let context = self.padded_attention(&qkv, lengths)?;
                let attended = layer.attention_norm.forward(&(layer.attention_out.forward(&context)? + x)?)?;
                let inner = layer.intermediate.forward(&attended)?;
                let inner = match self.activation {
                    Activation::Gelu => inner.gelu_erf()?,
                    Activation::GeluTanh => inner.gelu()?,
                    Activation::Relu => inner.relu()?,
                };
                layer.output_norm.forward(&(layer.output.forward(&inner)? + attended)?)
            }
        }
    }

    /// Attention with candle's ops: gather into `(batch, heads, width, head_dim)`, mask the padding
    /// slots, softmax, and gather the real rows back.
    fn padded_attention(&self, qkv: &Tensor, lengths: &[usize]) -> candle_core::Result<Tensor> {
        let (batch, width) = (lengths.len(), lengths.iter().copied().max().unwrap_or(0));
        let hidden = qkv.dim(1)? / 3;
        let head_dim = hidden / self.heads;
        let mut gather = Vec::with_capacity(batch * width);
        let mut scatter = Vec::with_capacity(qkv.dim(0)?);
        let mut mask = Vec::with_capacity(batch * width);
        let mut start = 0u32;
        for (b, &len) in lengths.iter().enumerate() {
            for t in 0..width {
                let real = t < len;
                gather.push(if real { start + t as u32 } else { start });
                mask.push(if real { 0f32 } else { -1e4 });
                if real {
                    scatter.push((b * width + t) as u32);
                }
            }
            start += len as u32;
        }
        let gather = Tensor::from_vec(gather, batch * width, &self.device)?;
        let scatter = Tensor::from_vec(scatter, start as usize, &self.device)?;
        let mask = Tensor::from_vec(mask, (batch, 1, 1, width), &self.device)?.to_dtype(qkv.dtype())?;
        let padded = qkv.index_select(&gather, 0)?.reshape((batch, width, 3, self.heads, head_dim))?;
        let part = |i: usize| padded.narrow(2, i, 1)?.squeeze(2)?.transpose(1, 2)?.contiguous();
        let (q, k, v) = (part(0)?, part(1)?, part(2)?);
        let scores = (q.matmul(&k.t()?)? * (1.0 / (head_dim as f64).sqrt()))?.broadcast_add(&mask)?;
        let weights = candle_nn::ops::softmax_last_dim(&scores)?;
        let context = weights.matmul(&v)?.transpose(1, 2)?.reshape((batch * width, hidden))?;
        context.index_select(&scatter, 0)
    }
}

impl Dense {
    fn load(vb: VarBuilder, inputs: usize, outputs: usize, pack: Option<Format>) -> candle_core::Result<Self> {
        Dense::new(vb.get((outputs, inputs), "weight")?, vb.get(outputs, "bias")?, pack)
    }

    fn new(weight: Tensor, bias: Tensor, pack: Option<Format>) -> candle_core::Result<Self> {
        let Some(format) = pack else { return Ok(Dense::Tensors { weight, bias }) };
        let (outputs, inputs) = weight.dims2()?;
        let w = weight.flatten_all()?.to_vec1::<f32>()?;
        let b = bias.to_vec1::<f32>()?;
        Ok(Dense::Packed(PackedLinear::new(format, &w, &b, outputs, inputs)))
    }

    fn packed(&self) -> candle_core::Result<&PackedLinear> {
        match self {
            Dense::Packed(packed) => Ok(packed),
            Dense::Tensors { .. } => candle_core::bail!("fused kernels need packed weights"),
        }
    }
}

impl Module for Dense {
    fn forward(&self, x: &Tensor) -> candle_core::Result<Tensor> {
        match self {
            Dense::Tensors { weight, bias } => x.matmul(&weight.t()?)?.broadcast_add(bias),
            Dense::Packed(_) => candle_core::bail!("packed weights run through the fused kernels"),
        }
    }
}

/// Each token's rows of the embedding `tables` (f32, on the CPU) summed in order, `tokens × hidden`.
/// Done here rather than with candle's adds: candle runs elementwise ops on tensors this large on its
/// own thread pool, whose threads then spin waiting for more work, taking the CPU from the kernels.
fn summed_embeddings(tables: [&Tensor; 3], indices: [&[u32]; 3], hidden: usize) -> candle_core::Result<Vec<f32>> {
    let guards = tables.map(Tensor::storage_and_layout);
    let mut rows = Vec::with_capacity(tables.len());
    for (storage, layout) in &guards {
        let candle_core::Storage::Cpu(storage) = &**storage else {
            candle_core::bail!("fused kernels need embedding tables on the CPU");
        };
        rows.push(cpu_f32(storage, layout)?);
    }
    let tokens = indices[0].len();
    let mut out = vec![0f32; tokens * hidden];
    for (t, row) in out.chunks_exact_mut(hidden).enumerate() {
        for (table, ids) in rows.iter().zip(indices) {
            let at = ids[t] as usize * hidden;
            let Some(source) = table.get(at..at + hidden) else {
                candle_core::bail!("index {} is outside an embedding table of {} rows", ids[t], table.len() / hidden);
            };
            row.iter_mut().zip(source).for_each(|(o, s)| *o += s);
        }
    }
    Ok(out)
}

/// The contiguous `f32` data of a CPU tensor.
fn cpu_f32<'a>(storage: &'a CpuStorage, layout: &Layout) -> candle_core::Result<&'a [f32]> {
    let data = storage.as_slice::<f32>()?;
    match layout.contiguous_offsets() {
        Some((start, end)) => Ok(&data[start..end]),
        None => candle_core::bail!("fused kernels need contiguous input"),
    }
}

fn rows_of(layout: &Layout, width: usize) -> candle_core::Result<usize> {
    let (rows, cols) = layout.shape().dims2()?;
    if cols != width {
        candle_core::bail!("expected rows of {width}, got {cols}");
    }
    Ok(rows)
}

/// `activation(x · Wᵀ + b)` with packed weights.
struct FusedLinear<'a> {
    isa: Isa,
    dense: &'a Dense,
    activation: Option<Activation>,
}

impl CustomOp1 for FusedLinear<'_> {
    fn name(&self) -> &'static str {
        "precis-fused-linear"
    }

    fn cpu_fwd(&self, storage: &CpuStorage, layout: &Layout) -> candle_core::Result<(CpuStorage, Shape)> {
        let layer = self.dense.packed()?;
        let x = cpu_f32(storage, layout)?;
        let rows = rows_of(layout, layer.inputs())?;
        let epilogue = match self.activation {
            None => Epilogue::None,
            Some(Activation::Gelu) => Epilogue::Gelu,
            Some(Activation::GeluTanh) => Epilogue::GeluTanh,
            Some(Activation::Relu) => Epilogue::Relu,
        };
        let out = kernels::linear_to_vec(self.isa, x, layer, epilogue);
        Ok((CpuStorage::F32(out), Shape::from((rows, layer.outputs()))))
    }
}

/// `layer_norm(x · Wᵀ + b + residual)` with packed weights.
struct FusedLinearAdd<'a> {
    isa: Isa,
    dense: &'a Dense,
    norm: &'a Norm,
}

impl CustomOp2 for FusedLinearAdd<'_> {
    fn name(&self) -> &'static str {
        "precis-fused-linear-add"
    }

    fn cpu_fwd(
        &self,
        x: &CpuStorage,
        x_layout: &Layout,
        residual: &CpuStorage,
        residual_layout: &Layout,
    ) -> candle_core::Result<(CpuStorage, Shape)> {
        let layer = self.dense.packed()?;
        let rows = rows_of(x_layout, layer.inputs())?;
        if rows_of(residual_layout, layer.outputs())? != rows {
            candle_core::bail!("residual rows differ from input rows");
        }
        let residual = cpu_f32(residual, residual_layout)?;
        let epilogue = Epilogue::AddNorm(residual, self.norm.rows());
        let out = kernels::linear_to_vec(self.isa, cpu_f32(x, x_layout)?, layer, epilogue);
        Ok((CpuStorage::F32(out), Shape::from((rows, layer.outputs()))))
    }
}

/// Self-attention over unpadded sequences, from the fused `tokens × 3·hidden` projections.
struct FusedAttention<'a> {
    isa: Isa,
    lengths: &'a [usize],
    heads: usize,
}

impl CustomOp1 for FusedAttention<'_> {
    fn name(&self) -> &'static str {
        "precis-fused-attention"
    }

    fn cpu_fwd(&self, storage: &CpuStorage, layout: &Layout) -> candle_core::Result<(CpuStorage, Shape)> {
        let (tokens, width) = layout.shape().dims2()?;
        if tokens != self.lengths.iter().sum::<usize>() || width % 3 != 0 {
            candle_core::bail!("attention input is not tokens × 3·hidden for these sequences");
        }
        let hidden = width / 3;
        let out = kernels::attention_to_vec(self.isa, cpu_f32(storage, layout)?, self.lengths, self.heads);
        Ok((CpuStorage::F32(out), Shape::from((tokens, hidden))))
    }
}
