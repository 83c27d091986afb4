/**
 * Tensors that a generation's official checkpoints carry but inference never reads. The official-name reader
 * (official-names.ts) recognises them, skips them without reading their bytes, and still refuses any other tensor
 * outside the spec. docs/formats.md lists them with where each comes from.
 *
 *   v7  blocks.0.att.v0, v1, v2 — BlinkDL's training module (RWKV-LM, RWKV_Tmix_x070) creates the value-residual
 *       gate in every layer, but layer 0 takes v_first from its own value and never mixes, so the gate of layer 0
 *       is dead weight in every checkpoint saved from training. RWKV-LM's rwkv_v7_demo.py loads with
 *       strict=False ("we will ignore blocks.0.att.v0/v1/v2"); ChatRWKV's and the RNN demos put placeholders there.
 */
import type { Generation } from '../model/spec.js';

const UNUSED_BY_GENERATION: Readonly<Record<Generation, ReadonlySet<string>>> = {
  '4': new Set(),
  '5.1': new Set(),
  '5.2': new Set(),
  '6': new Set(),
  '7': new Set(['blocks.0.att.v0', 'blocks.0.att.v1', 'blocks.0.att.v2']),
};

/** Whether official checkpoints of `generation` carry the tensor named `name` although inference never reads it. */
export function isUnusedOfficialTensor(generation: Generation, name: string): boolean {
  return UNUSED_BY_GENERATION[generation].has(name);
}
