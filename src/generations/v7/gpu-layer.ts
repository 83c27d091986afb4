/**
 * RWKV v7 (Goose) layer on the GPU (cpu-layer.ts):
 *   x_i = x + (xPrev − x) ⊙ x_rwkvag[i]                    i = r, w, k, v, a, g  (with ln1: one dispatch)
 *   r = Wr·x_r,  k = Wk·x_k,  v = Wv·x_v
 *   w = exp(−e^−½ · σ(w0 + W2·tanh(W1·x_w)))
 *   layer 0: v_first = v;  later: v += (v_first − v) ⊙ σ(v0 + V2·(V1·x_v))   (shaders/v7-value-residual.wgsl)
 *   a = σ(a0 + A2·(A1·x_a));  g = G2·σ(G1·x_g)
 *   kk = L2-normalise per head (k ⊙ k_k);  k ·= 1 + (a − 1) ⊙ k_a
 *   y = WKV7(r, w, k, v, kk, a)
 *   x += Wo·((GroupNorm_H(y; ln_x, eps 64e-5) + (Σ_head r ⊙ k ⊙ r_k)·v) ⊙ g)
 *   (w from the LoRA's output, kk, the key adjust, GroupNorm, bonus and gate are folded into the WKV dispatch:
 *   shaders/wkv7.wgsl)
 * Channel mix: x += Wv · max(Wk·(x + (xPrev − x) ⊙ x_k), 0)².
 * Ops per layer: time mix — ln1 + shift + save + the 6 mixes (one dispatch), 3 linears, 2, (2 + value residual), 2 + σ, 2,
 * wkv7 (with its glue), output (accumulated); channel mix — ln2 + shift + save + mix (one dispatch), key, value.
 */
import { biasActivationKernel } from '../../gpu/kernels/bias-activation.js';
import { v7ValueResidualKernel } from '../../gpu/kernels/glue.js';
import { wkv7Kernel } from '../../gpu/kernels/wkv.js';
import { normMixOp, rowsOp, wkvHeads, wkvOp, type GpuLayerFactory } from '../../gpu/step/layer-ops.js';
import type { Binding } from '../../gpu/kernel-runner.js';
import type { StepOp } from '../../gpu/step/step-builder.js';

const GROUP_NORM_EPS = 64e-5;
/** The six token-shift mixes stacked in att.x_rwkvag (r, w, k, v, a, g). */
const MIXES = 6;
/** The WKV's planes (r, z, k, v, a, g, out: shaders/lib/wkv7-bindings.wgsl) and the place of v among them. */
const WKV_PLANES = 7;
const VALUE_PLANE = 3;

export const createV7GpuLayer: GpuLayerFactory = (context, layer) => {
  const { spec, weights, builder, scratch } = context;
  const c = spec.nEmbed;
  const prefix = `blocks.${layer}.att.`;
  const matrix = (name: string) => weights.matrix(`${prefix}${name}.weight`, c, c);
  const vector = (name: string) => weights.vector(`${prefix}${name}`, c);
  /** The LoRA pair `<name>1` [D, C], `<name>2` [C, D]: out = W2 · act(W1 · x). */
  const lora = (name: string, width: number | undefined, x: Binding, out: Binding, activation?: 'tanh' | 'sigmoid') => {
    const hidden = scratch.get('lora hidden', width ?? 0);
    return [
      builder.linear(weights.matrix(`${prefix}${name}1`, width ?? 0, c), x, hidden, { activation }),
      builder.linear(weights.matrix(`${prefix}${name}2`, c, width ?? 0), hidden, out),
    ];
  };
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
      const [r, decayLora, k, v, a, g, out] = planes;
      const loraOut = scratch.get('lora out', c);
      const valueResidual: StepOp[] =
        layer === 0
          ? []
          : [
              ...lora('v', spec.lora.valueResidual, xv, loraOut),
              rowsOp(context, (rows) => v7ValueResidualKernel(c, rows), [
                v,
                inputs('att wkv planes, layer 0').planes[VALUE_PLANE],
                loraOut,
                vector('v0'),
              ]),
            ];
      return [
        mixOp,
        builder.linear(matrix('receptance'), xr, r),
        builder.linear(matrix('key'), xk, k),
        builder.linear(matrix('value'), xv, v),
        ...lora('w', spec.lora.decay, xw, decayLora, 'tanh'),
        ...valueResidual,
        ...lora('a', spec.lora.iclr, xa, loraOut),
        rowsOp(context, (rows) => biasActivationKernel({ channels: c, rows, activation: 'sigmoid' }), [
          loraOut,
          vector('a0'),
          a,
        ]),
        ...lora('g', spec.lora.gate, xg, g, 'sigmoid'),
        wkvOp(
          context,
          layer,
          (shape) => wkv7Kernel({ ...wkvHeads(spec, shape), planeStride: stride, eps: GROUP_NORM_EPS }),
          [
            wkvPlanes,
            vector('k_k'),
            vector('k_a'),
            vector('r_k'),
            weights.vector(`${prefix}ln_x.weight`, c),
            weights.vector(`${prefix}ln_x.bias`, c),
            vector('w0'),
          ],
        ),
        builder.linear(matrix('output'), out, context.x, { accumulate: true }),
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
