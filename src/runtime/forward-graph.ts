/**
 * Graph building of the GPU forward pass: the ops of one step, built once with their buffers fixed, in the order the
 * CPU forward pass (src/reference/model.ts) computes them:
 *
 *   x = LayerNorm(emb[token]; ln0)
 *   per layer: x += TimeMix(LayerNorm(x; ln1)),  x += ChannelMix(LayerNorm(x; ln2))   (the generation's GPU layer)
 *   logits = head · LayerNorm(x; ln_out)
 *
 * The head is built twice: over the residual stream's rows (every position, or a decode's one row per session), and
 * over `lastRows`, where a prefill step copies each session's last row (step-runner.ts). After the head, a decode may
 * select each row's top candidates (top-candidates kernel), by 1 for greedy sampling or MAX_CANDIDATES for top-k.
 */
import { partBinding } from '../gpu/gpu-matrix.js';
import { embeddingKernel } from '../gpu/kernels/embedding.js';
import { layerNormKernel } from '../gpu/kernels/layer-norm.js';
import { topCandidatesKernel } from '../gpu/kernels/top-candidates.js';
import { hasSubgroups, normOp, type GpuLayerFactory, type LayerContext } from '../gpu/step/layer-ops.js';
import type { StepOp } from '../gpu/step/step-builder.js';
import { MAX_CANDIDATES } from '../sampling/top-candidates.js';

export interface ForwardGraph {
  /** From the step's token ids to the residual stream x after the last layer: the embedding, ln0, every layer. */
  body: StepOp[];
  /** Each layer's ops (the end of `body`). */
  layers: StepOp[][];
  /** ln_out and the head over x's rows. */
  headFromResidual: StepOp[];
  /** ln_out and the head over `lastRows`. */
  headFromLastRows: StepOp[];
  /** The top-candidates selection over the head's rows, by candidates per row: 1, and min(MAX_CANDIDATES, nVocab). */
  selectTop: ReadonlyMap<number, StepOp>;
  /** The residual stream [N, C]. */
  x: GPUBuffer;
  /** Each session's last row of x, [B, C] (filled by the step before the head). */
  lastRows: GPUBuffer;
}

/** x = the embedding rows of the step's tokens, one dispatch per row part of emb.weight. */
function embed(context: LayerContext, tokens: GPUBuffer, out: GPUBuffer): StepOp[] {
  const { spec, weights, builder } = context;
  const table = weights.matrix('emb.weight', spec.nVocab, spec.nEmbed);
  return table.parts.map((part) =>
    builder.kernel(
      (shape) =>
        embeddingKernel({
          columns: spec.nEmbed,
          rows: part.rowCount,
          rowStart: part.firstRow,
          format: table.format,
          tokens: shape.rows,
        }),
      [tokens, partBinding(part), out],
    ),
  );
}

/** logits = head · LayerNorm(source; ln_out) over the step's head rows. */
function head(context: LayerContext, source: GPUBuffer, logits: GPUBuffer): StepOp[] {
  const { spec, weights, builder, scratch } = context;
  const c = spec.nEmbed;
  const normed = scratch.get('head input', c);
  return [
    builder.kernel(
      (shape) => layerNormKernel({ channels: c, rows: shape.headRows, subgroups: hasSubgroups(context) }),
      [source, weights.vector('ln_out.weight', c), weights.vector('ln_out.bias', c), normed],
    ),
    builder.linear(weights.matrix('head.weight', spec.nVocab, c), normed, logits, { rows: 'headRows' }),
  ];
}

/** The top `count` candidates of each of the head's rows of logits. */
function selectTop(context: LayerContext, logits: GPUBuffer, candidates: GPUBuffer, count: number): StepOp {
  const vocab = context.spec.nVocab;
  return context.builder.kernel(
    (shape) => topCandidatesKernel({ vocab, rows: shape.headRows, count }),
    [logits, candidates],
  );
}

export function buildForwardGraph(
  context: LayerContext,
  gpuLayer: GpuLayerFactory,
  tokens: GPUBuffer,
  logits: GPUBuffer,
  candidates: GPUBuffer,
): ForwardGraph {
  const { spec, scratch, x } = context;
  const embedded = scratch.get('embedded', spec.nEmbed);
  const layers = Array.from({ length: spec.nLayer }, (_, i) => {
    const layer = gpuLayer(context, i);
    return [...layer.timeMix(`blocks.${i}.ln1`), ...layer.channelMix(`blocks.${i}.ln2`)];
  });
  const body = [...embed(context, tokens, embedded), normOp(context, 'blocks.0.ln0', embedded, x), ...layers.flat()];
  const lastRows = scratch.get('last rows', spec.nEmbed);
  return {
    body,
    layers,
    headFromResidual: head(context, x, logits),
    headFromLastRows: head(context, lastRows, logits),
    selectTop: new Map(
      [1, Math.min(MAX_CANDIDATES, spec.nVocab)].map((count) => [count, selectTop(context, logits, candidates, count)]),
    ),
    x,
    lastRows,
  };
}
