/**
 * The fast CPU forward pass: the oracle's (src/reference/model.ts) over the WebAssembly heap —
 *   x = LayerNorm(emb[token]; ln0);  per layer x += TimeMix(LN(x; ln1)), x += ChannelMix(LN(x; ln2));
 *   logits = head · LayerNorm(x; ln_out)
 * — over a chunk of tokens at once, or over one token of each of several states (a batched decode: the rows of the
 * matrix products are the sessions, the recurrences run state by state). The layers are the generation's fast
 * layer (src/generations/vN/fast-layer.ts). States live in the heap: `stateFloats` floats each.
 */
import { checkTokenIds } from '../model/checks.js';
import { layerStateLayout, stateSize } from '../generations/state.js';
import type { ModelSpec } from '../model/spec.js';
import { add } from '../cpu/ops.js';
import type { FastContext, FastLayerKind, FastMixers, StateSegment } from '../wasm/layer.js';
import type { Vec } from '../wasm/heap.js';
import { FORMAT_CODES, quantizedBytes } from '../wasm/kernels.js';
import type { FastOps, HeapNorm } from '../wasm/ops.js';
import type { CompactMatrix, FastWeights } from '../wasm/weights.js';

const LAYER_NORM_EPS = 1e-5;

interface Layer {
  ln1: HeapNorm;
  ln2: HeapNorm;
  mixers: FastMixers;
}

export class FastModel {
  readonly spec: ModelSpec;
  readonly stateFloats: number;
  private readonly embedding: CompactMatrix;
  private readonly head: CompactMatrix;
  private readonly ln0: HeapNorm;
  private readonly lnOut: HeapNorm;
  private readonly layers: Layer[] = [];
  /** The widest matrix's columns (sizes the scratch of a product's quantized activations, FastOps.matmul). */
  private readonly widest: number;

  constructor(
    weights: FastWeights,
    private readonly kind: FastLayerKind,
    private readonly ops: FastOps,
  ) {
    const spec = weights.spec;
    this.spec = spec;
    this.stateFloats = stateSize(spec);
    let widest = 0;
    for (const matrix of weights.allMatrices()) widest = Math.max(widest, matrix.cols);
    this.widest = widest;
    const c = spec.nEmbed;
    const norm = (name: string) => ops.heapNorm(weights.values(`${name}.weight`, c), weights.values(`${name}.bias`, c));
    this.embedding = weights.matrix('emb.weight', spec.nVocab, c);
    this.head = weights.matrix('head.weight', spec.nVocab, c);
    this.ln0 = norm('blocks.0.ln0');
    this.lnOut = norm('ln_out');
    for (let i = 0; i < spec.nLayer; i++) {
      this.layers.push({
        ln1: norm(`blocks.${i}.ln1`),
        ln2: norm(`blocks.${i}.ln2`),
        mixers: kind.create(weights, spec, i, ops),
      });
    }
  }

  /**
   * Feeds `tokens` to the states at `states` (addresses in the heap): all of them to one state (`states.length` 1),
   * or token i to state i (a batched decode). Returns the logits of each state's last token, or with `allLogits`
   * (one state) of every position, [rows × nVocab], in a new array.
   */
  forward(tokens: ArrayLike<number>, states: readonly number[], allLogits = false): Float32Array {
    const spec = this.spec;
    const c = spec.nEmbed;
    const ids = checkTokenIds(tokens, spec.nVocab);
    const tokenCount = ids.length;
    if (tokenCount === 0) throw new RangeError('forward needs at least one token.');
    const batched = states.length > 1;
    if (batched && states.length !== tokenCount) {
      throw new RangeError(`forward got ${states.length} states but ${tokenCount} tokens.`);
    }
    const outputRows = batched ? tokenCount : allLogits ? tokenCount : 1;
    const heap = this.ops.heap;
    heap.reserveScratch(
      4 * (this.kind.scratchFloats(spec, tokenCount) + tokenCount * c * 4 + outputRows * (c + spec.nVocab)) +
        tokenCount * quantizedBytes(this.widest) +
        16,
    );

    const x = this.ops.vector(tokenCount * c);
    ids.forEach((token, t) => {
      const { format, ptr, rowBytes } = this.embedding;
      this.ops.kernels.dequantizeRow(FORMAT_CODES[format], ptr + token * rowBytes, c, x.ptr + t * c * 4);
    });
    this.ops.normalize(x, c, this.ln0, LAYER_NORM_EPS, 1, x);
    const context: FastContext = { valueFirst: this.ops.vector(tokenCount * c) };
    const layout = layerStateLayout(spec);
    this.layers.forEach(({ ln1, ln2, mixers }, i) => {
      const mark = heap.scratchMark();
      const layerStates = states.map((state) => {
        const start = state + i * layout.stride * 4;
        return {
          attShift: { ptr: start + layout.attShift * 4, data: heap.floats(start + layout.attShift * 4, c) },
          ffnShift: { ptr: start + layout.ffnShift * 4, data: heap.floats(start + layout.ffnShift * 4, c) },
          wkv: { ptr: start + layout.wkv * 4, data: heap.floats(start + layout.wkv * 4, layout.stride - layout.wkv) },
        };
      });
      const segments: StateSegment[] = batched
        ? layerStates.map((state, t) => ({ first: t, count: 1, state }))
        : [{ first: 0, count: tokenCount, state: layerStates[0] }];
      const attIn = this.ops.normalize(x, c, ln1, LAYER_NORM_EPS);
      add(x.data, mixers.timeMix(attIn, tokenCount, segments, context).data, x.data);
      const ffnIn = this.ops.normalize(x, c, ln2, LAYER_NORM_EPS);
      add(x.data, mixers.channelMix(ffnIn, tokenCount, segments).data, x.data);
      heap.releaseScratch(mark);
    });
    const last: Vec = {
      ptr: x.ptr + (tokenCount - outputRows) * c * 4,
      data: x.data.subarray((tokenCount - outputRows) * c),
    };
    return this.ops.matmul(this.head, this.ops.normalize(last, c, this.lnOut, LAYER_NORM_EPS), outputRows).data.slice();
  }
}
