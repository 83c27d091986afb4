/**
 * LoRA adapters for tests, as RWKV-PEFT saves them: `<prefix>.lora_A` [r, in] and `<prefix>.lora_B` [out, r] per
 * adapted matrix `<prefix>.weight` [out, in], plus whole tensors it trained; and the merged checkpoint written
 * directly, as RWKV-PEFT's merge script computes it (W += B·A·alpha/r, with several adapters each scaled by its
 * weight; trained tensors replace the base's).
 */
import type { OfficialTensor } from './write-pth.js';

export interface TestAdapter {
  tensors: OfficialTensor[];
  alpha?: number;
  weight?: number;
}

/** Deterministic values in [−scale, scale). */
export function values(count: number, seed: number, scale: number): Float32Array {
  let state = seed >>> 0;
  return Float32Array.from({ length: count }, () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return (state / 2 ** 32 - 0.5) * 2 * scale;
  });
}

/** A LoRA pair of rank `r` for `matrix` ([out, in]). */
export function loraPair(matrix: OfficialTensor, r: number, seed: number): OfficialTensor[] {
  const [out, inDim] = matrix.shape;
  const prefix = matrix.name.replace(/\.weight$/, '');
  return [
    { name: `${prefix}.lora_A`, shape: [r, inDim], data: values(r * inDim, seed, 0.3) },
    { name: `${prefix}.lora_B`, shape: [out, r], data: values(out * r, seed + 1, 0.3) },
  ];
}

/** The base tensors merged with the adapters directly. */
export function mergedDirectly(base: readonly OfficialTensor[], adapters: readonly TestAdapter[]): OfficialTensor[] {
  const tensors = new Map(base.map((tensor) => [tensor.name, { ...tensor, data: tensor.data.slice() }]));
  for (const adapter of adapters) {
    for (const tensor of adapter.tensors) {
      if (!/\.lora_[AB]$/.test(tensor.name)) tensors.set(tensor.name, { ...tensor, data: tensor.data.slice() });
    }
  }
  const sums = new Map<string, Float64Array>();
  for (const adapter of adapters) {
    for (const a of adapter.tensors.filter((tensor) => tensor.name.endsWith('.lora_A'))) {
      const prefix = a.name.slice(0, -'.lora_A'.length);
      const b = adapter.tensors.find((tensor) => tensor.name === `${prefix}.lora_B`)!;
      const target = tensors.get(`${prefix}.weight`)!;
      const [out, inDim] = target.shape;
      const r = a.shape[0];
      const scale = ((adapter.alpha ?? r) / r) * (adapter.weight ?? 1);
      const sum = sums.get(target.name) ?? new Float64Array(out * inDim);
      for (let o = 0; o < out; o++) {
        for (let i = 0; i < inDim; i++) {
          let dot = 0;
          for (let k = 0; k < r; k++) dot += b.data[o * r + k] * a.data[k * inDim + i];
          sum[o * inDim + i] += scale * dot;
        }
      }
      sums.set(target.name, sum);
    }
  }
  for (const [name, sum] of sums) {
    const target = tensors.get(name)!;
    target.data = target.data.map((value, i) => value + sum[i]);
  }
  return [...tensors.values()];
}
