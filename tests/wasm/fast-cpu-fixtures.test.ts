/**
 * The fast CPU backend on rwkv.cpp's tiny trained models of every generation and every stored format
 * (../shared/fixtures; skipped loudly when absent): the logits of every position of the reference prompt, fed in
 * one chunk and token by token, against rwkv.cpp's reference logits of the exactly dequantized weights; the linear
 * weights kept in the file's own format.
 */
import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { describeWithFixtures, REFERENCE_PROMPT, referenceLogitsCases } from '../fixtures.js';
import type { CompactFormat } from '../../src/wasm/kernels.js';
import { backendOver, maxDifference } from './helpers.js';

/** The oracle's own agreement with rwkv.cpp is 5e-6; the kernels' f32 sums add their rounding. */
const TOLERANCE = 1e-4;
/**
 * Block formats: the one-token products quantize x to int16 per block of 32 (error up to 1.5e-5 of the block's
 * largest |x|); measured up to 2.6e-4 here, within the 1e-3 for quantized weights.
 */
const BLOCK_TOLERANCE = 1e-3;

describeWithFixtures('fast CPU backend on the rwkv.cpp fixtures', () => {
  const tokens = Uint32Array.from(Buffer.from(REFERENCE_PROMPT, 'latin1'));
  it.each(referenceLogitsCases().map((c) => [`${c.model} ${c.format}`, c] as const))(
    '%s: every position within 1e-4 (blocks: 1e-3) of rwkv.cpp, chunked and serial',
    async (_, { format, modelFile, logitsFile }) => {
      const bytes = readFileSync(modelFile);
      const expected = new Float32Array(new Uint8Array(readFileSync(logitsFile)).buffer);
      const fast = await backendOver(new Uint8Array(bytes), 'cpu');
      expect(fast.description).toMatchObject({ kind: 'cpu', cpu: { kernels: 'wasm-simd128' } });
      const stored = format.replace('FP', 'f').toLowerCase();
      const tolerance = stored === 'f32' || stored === 'f16' ? TOLERANCE : BLOCK_TOLERANCE;
      expect(fast.description.cpu?.weightFormats[stored as CompactFormat]).toBeGreaterThan(0);
      const chunked = await fast.prefill(await fast.allocateState(), tokens, { allLogits: true });
      expect(maxDifference(chunked, expected)).toBeLessThan(tolerance);
      const serialState = await fast.allocateState();
      const serial = new Float32Array(expected.length);
      for (let t = 0; t < tokens.length; t++) {
        serial.set(await fast.prefill(serialState, tokens.subarray(t, t + 1)), t * 256);
      }
      expect(maxDifference(serial, expected)).toBeLessThan(tolerance);
    },
  );
});
