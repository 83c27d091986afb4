/**
 * State-tuning files for tests, as RWKV-PEFT saves them: one `blocks.N.att.time_state` [H, S, S] tensor per layer
 * (deterministic, asymmetric values, so that a transposed read would differ), and the whole state of a model they
 * stand for, written index by index from docs/state-format.md's layout (per layer: ffn shift [C], att shift [C],
 * then WKV element h·S·S + i·S + j, i the value channel and j the key channel) rather than through the library.
 */
import { expect } from 'vitest';
import type { Engine } from '../../src/engine/engine.js';
import { STATE_LAYOUT_VERSION } from '../../src/model/state.js';
import type { OfficialTensor } from './write-pth.js';

export interface TimeStateShape {
  nLayer: number;
  nHead: number;
  headSize: number;
}

export function timeStateTensors({ nLayer, nHead, headSize }: TimeStateShape, seed = 1): OfficialTensor[] {
  return Array.from({ length: nLayer }, (_, layer) => {
    const data = new Float32Array(nHead * headSize * headSize);
    for (let at = 0; at < data.length; at++) data[at] = 0.5 * Math.sin(seed + 0.37 * at + 1.7 * layer) + 0.01 * at;
    return { name: `blocks.${layer}.att.time_state`, shape: [nHead, headSize, headSize], data };
  });
}

/** The model state whose WKV parts are `tensors` and whose token shifts are zero (a fresh v5+ state otherwise). */
export function tunedStateData(shape: TimeStateShape & { nEmbed: number }, tensors: OfficialTensor[]): Float32Array {
  const { nLayer, nEmbed, nHead, headSize } = shape;
  const wkv = nHead * headSize * headSize;
  const stride = 2 * nEmbed + wkv;
  const data = new Float32Array(nLayer * stride);
  for (let layer = 0; layer < nLayer; layer++) {
    for (let h = 0; h < nHead; h++) {
      for (let i = 0; i < headSize; i++) {
        for (let j = 0; j < headSize; j++) {
          const at = h * headSize * headSize + i * headSize + j;
          data[layer * stride + 2 * nEmbed + at] = tensors[layer].data[at];
        }
      }
    }
  }
  return data;
}

/**
 * The logits after `prompt` of a session created from the initial state `name` (loaded from `tensors`), checked to
 * equal those of a session created from tunedStateData and to differ from a fresh session's.
 */
export async function expectTunedLogits(
  engine: Engine,
  name: string,
  tensors: OfficialTensor[],
  prompt = 'Hi',
): Promise<Float32Array> {
  const tuned = await engine.createSession({ state: name });
  const { nLayer, nEmbed, nHead, headSize } = engine.info;
  const data = tunedStateData({ nLayer, nEmbed, nHead, headSize }, tensors);
  const byHand = await engine.createSession({ layoutVersion: STATE_LAYOUT_VERSION, data });
  const fresh = await engine.createSession();
  for (const session of [tuned, byHand, fresh]) await session.prefill(prompt);
  const logits = await tuned.logits();
  expect(logits).toEqual(await byHand.logits());
  expect(logits).not.toEqual(await fresh.logits());
  return logits;
}
