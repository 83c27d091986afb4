/**
 * The CPU reference forward pass (the oracle the WebGPU kernels are tested against, and the fallback backend):
 *   x = LayerNorm(emb[token]; ln0)
 *   per layer: x += TimeMix(LayerNorm(x; ln1)),  x += ChannelMix(LayerNorm(x; ln2))
 *   logits = head · LayerNorm(x; ln_out)
 * over a chunk of tokens at once (linear layers as matrix-matrix products, the recurrences serially), reading the
 * canonical tensors of docs/canonical-model.md and updating a src/model/state.ts state in place. The time- and
 * channel-mix of each generation are its module's CPU layer (src/generations/vN/cpu-layer.ts).
 */
import type { ForwardContext, LayerMixers, LayerState } from '../cpu/layer.js';
import { add, layerNorm, matMat } from '../cpu/ops.js';
import { ModelWeights } from '../cpu/weights.js';
import { generationModule } from '../generations/registry.js';
import { checkModelSpec } from '../generations/spec-check.js';
import { layerStateLayout, stateSize } from '../generations/state.js';
import type { CanonicalModel, ModelSpec } from '../model/spec.js';
import { checkStateFits, checkTokenIds } from '../model/checks.js';
import type { State } from '../model/state.js';

const LAYER_NORM_EPS = 1e-5;

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

export function createReferenceModel(model: CanonicalModel): ReferenceModel {
  const spec = model.spec;
  checkModelSpec(spec);
  const cpuLayer = generationModule(spec.generation).cpuLayer;
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
      mixers: cpuLayer(weights, spec, i),
    });
  }
  const layout = layerStateLayout(spec);

  /** Layer `i`'s parts of `state`, as views. */
  function layerState(state: State, i: number): LayerState {
    const start = i * layout.stride;
    return {
      attShift: state.data.subarray(start + layout.attShift, start + layout.attShift + c),
      ffnShift: state.data.subarray(start + layout.ffnShift, start + layout.ffnShift + c),
      wkv: state.data.subarray(start + layout.wkv, start + layout.stride),
    };
  }

  function embed(tokens: ArrayLike<number>): Float32Array {
    const ids = checkTokenIds(tokens, spec.nVocab);
    const x = new Float32Array(ids.length * c);
    ids.forEach((token, t) => x.set(embedding.subarray(token * c, (token + 1) * c), t * c));
    return x;
  }

  return {
    spec,
    forward(tokens, state, options = {}) {
      const tokenCount = tokens.length;
      if (tokenCount === 0) throw new RangeError('forward needs at least one token.');
      checkStateFits(state, stateSize(spec));
      const x = layerNorm(embed(tokens), ln0.weight, ln0.bias, LAYER_NORM_EPS);
      const context: ForwardContext = { valueFirst: undefined };
      layers.forEach(({ ln1, ln2, mixers }, i) => {
        const parts = layerState(state, i);
        const attIn = layerNorm(x, ln1.weight, ln1.bias, LAYER_NORM_EPS);
        add(x, mixers.timeMix(attIn, tokenCount, parts, context), x);
        const ffnIn = layerNorm(x, ln2.weight, ln2.bias, LAYER_NORM_EPS);
        add(x, mixers.channelMix(ffnIn, tokenCount, parts), x);
      });
      const outputRows = options.allLogits ? tokenCount : 1;
      const last = x.subarray((tokenCount - outputRows) * c);
      return matMat(head, layerNorm(last, lnOut.weight, lnOut.bias, LAYER_NORM_EPS), outputRows);
    },
  };
}
