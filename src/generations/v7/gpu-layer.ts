/**
 * RWKV v7 (Goose) layer on the GPU (cpu-layer.ts):
 *   x_i = x + (xPrev − x) ⊙ x_rwkvag[i]                    i = r, w, k, v, a, g  (with ln1: one dispatch)
 *   r = Wr·x_r,  k = Wk·x_k,  v = Wv·x_v
 *   w = exp(−e^−½ · σ(w0 + W2·tanh(W1·x_w)))
 *   layer 0: v_first = v;  later: v += (v_first − v) ⊙ σ(v0 + V2·(V1·x_v))
 *   a = σ(a0 + A2·(A1·x_a));  g = G2·σ(G1·x_g)
 *   kk = L2-normalise per head (k ⊙ k_k);  k ·= 1 + (a − 1) ⊙ k_a
 *   y = WKV7(r, w, k, v, kk, a)
 *   x += Wo·((GroupNorm_H(y; ln_x, eps 64e-5) + (Σ_head r ⊙ k ⊙ r_k)·v) ⊙ g)
 * The linears run as two grouped products (StepBuilder.groupedLinear; at decode one dispatch per weight format):
 * stage 1 r, k, v and the LoRAs' first halves (tanh for w, σ for g) over the six mixed planes; stage 2 the LoRAs'
 * second halves over their hidden rows. The WKV dispatch folds in the rest: w's decay from w0, a = σ(a0 + ·), the
 * value residual, kk, the key adjust, GroupNorm, bonus and gate (shaders/wkv7.wgsl), the small per-channel vectors
 * packed into one binding.
 * Ops per layer: time mix — ln1 + shift + save + the 6 mixes (one dispatch), stage 1, stage 2, wkv7 (with its glue),
 * output (accumulated); channel mix — ln2 + shift + save + mix (one dispatch), key, value.
 */
import { normMixOp, stageOp, wkvHeads, wkvOp, type GpuLayerFactory } from '../../gpu/step/layer-ops.js';
import { wkv7Kernel } from '../../gpu/kernels/wkv.js';
import type { Activation } from '../../gpu/kernels/activation.js';

const GROUP_NORM_EPS = 64e-5;
/** The six token-shift mixes stacked in att.x_rwkvag (r, w, k, v, a, g). */
const MIXES = 6;
/** The WKV's planes (shaders/lib/wkv7-bindings.wgsl): r, z, k, v, a, g, out, u (the value LoRA's output). */
const WKV_PLANES = 8;
const [R, Z, K, V, A, G, OUT, U] = [0, 1, 2, 3, 4, 5, 6, 7];

export const createV7GpuLayer: GpuLayerFactory = (context, layer) => {
  const { spec, weights, builder, scratch } = context;
  const c = spec.nEmbed;
  const prefix = `blocks.${layer}.att.`;
  const matrix = (name: string) => weights.matrix(`${prefix}${name}.weight`, c, c);
  return {
    timeMix(norm) {
      const mixes = weights.vector(`${prefix}x_rwkvag`, MIXES * c);
      const { op: mixOp, planes: mixed } = normMixOp(context, layer, 'attShift', norm, {
        weights: mixes,
        count: MIXES,
      });
      const [xr, xw, xk, xv, xa, xg] = mixed;
      // The WKV's inputs and output, planes of one buffer; layer 0's stay untouched by later layers, its v being v_first.
      const inputs = (role: string) => scratch.planes(role, c, WKV_PLANES);
      const { buffer: wkvPlanes, stride, planes } = inputs(layer === 0 ? 'att wkv planes, layer 0' : 'att wkv planes');
      const valueResidual = layer > 0;
      /** The LoRA pairs `<name>1` [D, C], `<name>2` [C, D]: out = W2 · act(W1 · x). */
      const loras: { name: string; width: number; x: GPUBufferBinding; out: number; activation?: Activation }[] = [
        { name: 'w', width: spec.lora.decay ?? 0, x: xw, out: Z, activation: 'tanh' },
        { name: 'a', width: spec.lora.iclr ?? 0, x: xa, out: A },
        ...(valueResidual ? [{ name: 'v', width: spec.lora.valueResidual ?? 0, x: xv, out: U }] : []),
        { name: 'g', width: spec.lora.gate ?? 0, x: xg, out: G, activation: 'sigmoid' as const },
      ];
      const hidden = scratch.regions(
        'lora hidden',
        loras.map((lora) => lora.width),
      );
      const att = (name: string) => `${prefix}${name}.weight`;
      const stage1 = stageOp(context, [
        { name: att('receptance'), rows: c, columns: c, x: xr, y: planes[R] },
        { name: att('key'), rows: c, columns: c, x: xk, y: planes[K] },
        { name: att('value'), rows: c, columns: c, x: xv, y: planes[V] },
        ...loras.map((lora, i) => ({
          name: `${prefix}${lora.name}1`,
          rows: lora.width,
          columns: c,
          x: lora.x,
          y: hidden[i],
          activation: lora.activation,
        })),
      ]);
      const stage2 = stageOp(
        context,
        loras.map((lora, i) => ({
          name: `${prefix}${lora.name}2`,
          rows: c,
          columns: lora.width,
          x: hidden[i],
          y: planes[lora.out],
        })),
      );
      const vectors = weights.stack(
        ['k_k', 'k_a', 'r_k', 'ln_x.weight', 'ln_x.bias', 'w0', 'a0', ...(valueResidual ? ['v0'] : [])].map(
          (name) => `${prefix}${name}`,
        ),
        c,
      );
      const valueFirst = valueResidual ? inputs('att wkv planes, layer 0').buffer : vectors;
      return [
        mixOp,
        stage1,
        stage2,
        wkvOp(
          context,
          layer,
          (shape) => wkv7Kernel({ ...wkvHeads(spec, shape), planeStride: stride, eps: GROUP_NORM_EPS, valueResidual }),
          [wkvPlanes, vectors, valueFirst],
        ),
        builder.linear(matrix('output'), planes[OUT], context.x, { accumulate: true }),
      ];
    },
    channelMix(norm) {
      const ffn = `blocks.${layer}.ffn.`;
      const mix = normMixOp(context, layer, 'ffnShift', norm, { weights: weights.vector(`${ffn}x_k`, c), count: 1 });
      const hidden = scratch.get('ffn hidden', spec.nFfn);
      return [
        mix.op,
        builder.linear(weights.matrix(`${ffn}key.weight`, spec.nFfn, c), mix.planes[0], hidden, {
          activation: 'squaredRelu',
        }),
        builder.linear(weights.matrix(`${ffn}value.weight`, c, spec.nFfn), hidden, context.x, { accumulate: true }),
      ];
    },
  };
};
