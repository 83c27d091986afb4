/**
 * The CPU reference forward pass (the oracle the WebGPU kernels are tested against, and the fallback backend):
 *   x = LayerNorm(emb[token]; ln0)
 *   per layer: x += TimeMix(LayerNorm(x; ln1)),  x += ChannelMix(LayerNorm(x; ln2))
 *   logits = head · LayerNorm(x; ln_out)
 * over a chunk of tokens at once (linear layers as matrix-matrix products, the recurrences serially), reading the
 * canonical tensors of docs/canonical-model.md and updating a src/model/state.ts state in place. The time- and
 * channel-mix of each generation live in v4.ts … v7.ts.
 */
import { ModelFormatError } from '../errors.js';
import type { CanonicalModel, Generation, ModelSpec } from '../model/spec.js';
import { layerStateLayout, STATE_LAYOUT_VERSION, stateSize, type State } from '../model/state.js';
import type { ForwardContext, LayerFactory, LayerMixers } from './layer.js';
import { add, layerNorm, matMat } from './ops.js';
import { createV4Layer } from './v4.js';
import { createV5Layer } from './v5.js';
import { createV6Layer } from './v6.js';
import { createV7Layer } from './v7.js';
import { ModelWeights } from './weights.js';

const LAYER_NORM_EPS = 1e-5;

const LAYER_FACTORIES: Record<Generation, LayerFactory> = {
  '4': createV4Layer,
  '5.1': createV5Layer,
  '5.2': createV5Layer,
  '6': createV6Layer,
  '7': createV7Layer,
};

export interface ForwardOptions {
  /** Return the logits of every position ([T × nVocab], row t after tokens 0..t) instead of the last only. */
  allLogits?: boolean;
}

export interface ReferenceModel {
  readonly spec: ModelSpec;
  /**
   * Feeds a chunk of tokens, updates `state` in place and returns the logits of the last position ([nVocab]) or,
   * with `allLogits`, of every position ([T × nVocab]).
   */
  forward(tokens: ArrayLike<number>, state: State, options?: ForwardOptions): Float32Array;
}

interface Norm {
  weight: Float32Array;
  bias: Float32Array;
}

interface Layer {
  ln1: Norm;
  ln2: Norm;
  mixers: LayerMixers;
}

function checkSpec(spec: ModelSpec): void {
  const positive = (value: number) => Number.isInteger(value) && value > 0;
  if (!positive(spec.nLayer) || !positive(spec.nEmbed) || !positive(spec.nVocab) || !positive(spec.nFfn)) {
    throw new ModelFormatError(
      `Invalid model spec: nLayer ${spec.nLayer}, nEmbed ${spec.nEmbed}, nVocab ${spec.nVocab}, nFfn ${spec.nFfn}.`,
    );
  }
  if (!(spec.generation in LAYER_FACTORIES)) {
    throw new ModelFormatError(`Unsupported RWKV generation "${spec.generation}".`);
  }
  if (spec.generation !== '4' && (!positive(spec.headSize) || spec.nHead * spec.headSize !== spec.nEmbed)) {
    throw new ModelFormatError(
      `Invalid model spec: ${spec.nHead} heads × ${spec.headSize} channels do not make nEmbed ${spec.nEmbed}.`,
    );
  }
}

export function createReferenceModel(model: CanonicalModel): ReferenceModel {
  const spec = model.spec;
  checkSpec(spec);
  const weights = new ModelWeights(model);
  const c = spec.nEmbed;
  const norm = (name: string): Norm => ({
    weight: weights.values(`${name}.weight`, c),
    bias: weights.values(`${name}.bias`, c),
  });
  const embedding = weights.matrix('emb.weight', spec.nVocab, c);
  const ln0 = norm('blocks.0.ln0');
  const lnOut = norm('ln_out');
  const head = weights.matrix('head.weight', spec.nVocab, c);
  const layers: Layer[] = [];
  for (let i = 0; i < spec.nLayer; i++) {
    layers.push({
      ln1: norm(`blocks.${i}.ln1`),
      ln2: norm(`blocks.${i}.ln2`),
      mixers: LAYER_FACTORIES[spec.generation](weights, spec, i),
    });
  }
  const layout = layerStateLayout(spec);

  function embed(tokens: ArrayLike<number>): Float32Array {
    const x = new Float32Array(tokens.length * c);
    for (let t = 0; t < tokens.length; t++) {
      const token = tokens[t];
      if (!Number.isInteger(token) || token < 0 || token >= spec.nVocab) {
        throw new RangeError(`Token ${token} at position ${t} is outside the vocabulary [0, ${spec.nVocab}).`);
      }
      x.set(embedding.subarray(token * c, (token + 1) * c), t * c);
    }
    return x;
  }

  function checkState(state: State): void {
    if (state.layoutVersion !== STATE_LAYOUT_VERSION || state.data.length !== stateSize(spec)) {
      throw new RangeError(
        `State (layout ${state.layoutVersion}, ${state.data.length} floats) does not fit this model ` +
          `(layout ${STATE_LAYOUT_VERSION}, ${stateSize(spec)} floats).`,
      );
    }
  }

  return {
    spec,
    forward(tokens, state, options = {}) {
      const tokenCount = tokens.length;
      if (tokenCount === 0) throw new RangeError('forward needs at least one token.');
      checkState(state);
      const x = layerNorm(embed(tokens), ln0.weight, ln0.bias, LAYER_NORM_EPS);
      const context: ForwardContext = { valueFirst: undefined };
      layers.forEach(({ ln1, ln2, mixers }, i) => {
        const layerState = state.data.subarray(i * layout.stride, (i + 1) * layout.stride);
        const attIn = layerNorm(x, ln1.weight, ln1.bias, LAYER_NORM_EPS);
        add(x, mixers.timeMix(attIn, tokenCount, layerState, context), x);
        const ffnIn = layerNorm(x, ln2.weight, ln2.bias, LAYER_NORM_EPS);
        add(x, mixers.channelMix(ffnIn, tokenCount, layerState), x);
      });
      const outputRows = options.allLogits ? tokenCount : 1;
      const last = x.subarray((tokenCount - outputRows) * c);
      return matMat(head, layerNorm(last, lnOut.weight, lnOut.bias, LAYER_NORM_EPS), outputRows);
    },
  };
}
