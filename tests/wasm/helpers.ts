/**
 * Helpers of the fast CPU backend's tests: a small synthetic model whose widths are whole 32-value blocks, written
 * as an rwkv.cpp `.bin` with its matrices in a chosen type (every other tensor f32, as rwkv.cpp writes them), and
 * a backend of either kind opened over those bytes.
 */
import { expect } from 'vitest';
import { openBackend } from '../../src/backend/open.js';
import type { BackendChoice, InferenceBackend } from '../../src/backend/backend.js';
import type { ThreadCount } from '../../src/wasm/threads.js';
import { openModelStream } from '../../src/formats/load.js';
import type { RwkvCppRecord } from '../../src/formats/rwkv-cpp/format.js';
import { tensorRecord, writeRwkvCpp } from '../../src/formats/rwkv-cpp/writer.js';
import { createSyntheticModel } from '../../src/generations/synthetic.js';
import { isLinearWeight } from '../../src/generations/weight-class.js';
import type { Generation, LoraDims } from '../../src/model/spec.js';
import type { LoadTimeQuantization } from '../../src/quantize/load-time-formats.js';
import { quantizeQ5 } from './q5-blocks.js';

export type MatrixType = 'f32' | 'f16' | 'q8_0' | 'q4_0' | 'q4_1' | 'q5_0' | 'q5_1';

/** Every matrix type the fast backend keeps as stored. */
export const MATRIX_TYPES: readonly MatrixType[] = ['f32', 'f16', 'q8_0', 'q4_0', 'q4_1', 'q5_0', 'q5_1'];

/** Synthetic RWKV of `generation` with 2 layers, C = `nEmbed` (heads of 16), FFN 2·C, LoRA 32, 256 tokens. */
export function blockModelBytes(
  type: MatrixType,
  generation: Generation = '7',
  seed = 11,
  nEmbed = 64,
  lora: LoraDims = { mix: 32, decay: 32, iclr: 32, valueResidual: 32, gate: 32 },
): Uint8Array<ArrayBuffer> {
  const model = createSyntheticModel({
    generation,
    nLayer: 2,
    nEmbed,
    headSize: generation === '4' ? undefined : 16,
    nFfn: 2 * nEmbed,
    nVocab: 256,
    lora,
    seed,
  });
  const { nVocab, nLayer } = model.spec;
  const records = [...model.tensors.values()].map((tensor): RwkvCppRecord => {
    if (!isLinearWeight(tensor.name)) return tensorRecord(tensor, 'f32');
    if (type !== 'q5_0' && type !== 'q5_1') return tensorRecord(tensor, type);
    return {
      name: tensor.name,
      dims: [...tensor.shape].reverse(),
      dataType: type,
      data: quantizeQ5(type, tensor.data),
    };
  });
  return new Uint8Array(writeRwkvCpp({ version: 101, nVocab, nEmbed, nLayer, dataType: type }, records));
}

/** A backend over `bytes` (the cpu one on `threads` threads, quantized at load as asked); a warning fails the test. */
export async function backendOver(
  bytes: Uint8Array,
  choice: BackendChoice,
  threads: ThreadCount = 1,
  quantization?: LoadTimeQuantization,
): Promise<InferenceBackend> {
  const stream = await openModelStream(bytes);
  const events = { onWarning: (message: string) => expect.fail(`unexpected warning: ${message}`) };
  return openBackend(stream, choice, events, { maxSessions: 8, chunkSize: 64, threads, quantization });
}

/** Largest |a − b| over two arrays of the same length. */
export function maxDifference(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) throw new Error(`lengths differ: ${a.length} and ${b.length}`);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
  return worst;
}

/** `count` token ids below 256 from a fixed sequence. */
export function tokenSequence(count: number, seed = 3): Uint32Array {
  return Uint32Array.from({ length: count }, (_, i) => (seed * 97 + i * 61 + ((i * i) % 13)) % 256);
}
