/**
 * What a canonical tensor is to the GPU, from every generation's upload policy (its module's `upload`) read once:
 * the embedding, the head, a large linear weight ('matrix'), a low-rank projection ('lora'), or a 'vector' (norms,
 * mixes, decays, bonuses — every tensor that is no linear weight). No canonical name means different things in two
 * generations, so one table serves all.
 */
import { GENERATION_MODULES } from './registry.js';

export type WeightClass = 'embedding' | 'head' | 'matrix' | 'lora' | 'vector';

const MODULES = Object.values(GENERATION_MODULES);
const MATRICES = new Set(MODULES.flatMap((module) => module.upload.matrices));
const LORA = new Set(MODULES.flatMap((module) => module.upload.lora));
const BLOCK_PREFIX = /^blocks\.\d+\./;

export function weightClass(name: string): WeightClass {
  if (name === 'emb.weight') return 'embedding';
  if (name === 'head.weight') return 'head';
  if (!BLOCK_PREFIX.test(name)) return 'vector';
  const suffix = name.replace(BLOCK_PREFIX, '');
  if (LORA.has(suffix)) return 'lora';
  return MATRICES.has(suffix) ? 'matrix' : 'vector';
}

/** Whether a canonical tensor is a linear weight (uploaded in the GPU matrix layout, f16 or quantized when asked). */
export function isLinearWeight(name: string): boolean {
  return weightClass(name) !== 'vector';
}
