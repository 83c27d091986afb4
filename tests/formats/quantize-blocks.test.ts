/**
 * The block encoders (load-time quantization, the rwkv.cpp writer): every value decodes (with the exact decoder of src/formats/quantized.ts) to the
 * code nearest to it (Q4_1: a least-squares refit never worse than min / max); block edges (each block has its own scale), zeros, extremes of each block's code range, values
 * a block cannot hold (NaN, ±Infinity, a scale beyond f16), and — against the peer — the Q8_0 and Q4_0 blocks
 * rwkv.cpp's own quantizer wrote for the fixture files, value for value.
 */
import { expect, test } from 'vitest';
import { ModelFormatError } from '../../src/errors.js';
import { f16ValueTable, f32ToF16Bits } from '../../src/numeric/half.js';
import { dequantize, QUANT_BLOCK_BYTES } from '../../src/formats/quantized.js';
import { openModelStream } from '../../src/formats/load.js';
import { collectModel } from '../../src/formats/tensor-stream.js';
import { quantizeBlocks, type EncodedBlockType } from '../../src/formats/quantize-blocks.js';
import { describeWithFixtures, readFixture } from '../fixtures.js';

const TYPES: EncodedBlockType[] = ['q8_0', 'q4_0', 'q4_1'];

/** Seeded values, roughly normal, with a different spread in every block. */
function blockValues(blocks: number, seed: number): Float32Array {
  let state = seed >>> 0;
  const uniform = () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
  const values = new Float32Array(blocks * 32);
  for (let i = 0; i < values.length; i++) {
    const spread = 0.01 * 2 ** (Math.floor(i / 32) % 8);
    values[i] = spread * (uniform() + uniform() + uniform() - 1.5);
  }
  return values;
}

/** The step between adjacent codes of each block: its f16 scale d, the block's first two bytes. */
function blockSteps(type: EncodedBlockType, bytes: Uint8Array): number[] {
  const steps: number[] = [];
  for (let at = 0; at < bytes.length; at += QUANT_BLOCK_BYTES[type]) {
    steps.push(Math.abs(f16ValueTable()[bytes[at] | (bytes[at + 1] << 8)]));
  }
  return steps;
}

test.each(['q8_0', 'q4_0'] as const)(
  '%s: every value decodes within half a step of itself, each block with its own scale',
  (type) => {
    const values = blockValues(8, 3);
    const bytes = quantizeBlocks(type, values, 'test');
    expect(bytes.length).toBe(8 * QUANT_BLOCK_BYTES[type]);
    const decoded = dequantize(type, bytes);
    const steps = blockSteps(type, bytes);
    for (let i = 0; i < values.length; i++) {
      const step = steps[Math.floor(i / 32)];
      expect(step).toBeGreaterThan(0);
      // Half a step, plus Q4_0's asymmetric range (the far side of its largest value clamps to +7) and f16 slack.
      const bound = (type === 'q4_0' ? 1 : 0.5) * step + 1e-3 * step;
      expect(Math.abs(decoded[i] - values[i]), `value ${i}`).toBeLessThanOrEqual(bound);
    }
    // Scales follow the spread of their own block: the last block's step is ~128× the first's.
    expect(steps[7] / steps[0]).toBeGreaterThan(30);
  },
);

test.each(TYPES)('%s: a block of zeros decodes to zeros, next to a block that is not', (type) => {
  const values = new Float32Array(64);
  values.fill(0.5, 32);
  const decoded = dequantize(type, quantizeBlocks(type, values, 'test'));
  expect(Array.from(decoded.subarray(0, 32))).toEqual(new Array<number>(32).fill(0));
  for (const value of decoded.subarray(32)) expect(value).toBeCloseTo(0.5, 3);
});

test('q8_0: the largest magnitude of a block takes code ±127 and decodes to itself within f16 rounding', () => {
  const values = new Float32Array(32).map((_, i) => (i - 16) / 16);
  values[5] = -3;
  const bytes = quantizeBlocks('q8_0', values, 'test');
  expect((bytes[2 + 5] << 24) >> 24).toBe(-127);
  expect(dequantize('q8_0', bytes)[5]).toBeCloseTo(-3, 3);
});

test("q4_1: the refit never raises a block's squared error above the min / max fit, and lowers it overall", () => {
  const values = blockValues(64, 17);
  const decoded = dequantize('q4_1', quantizeBlocks('q4_1', values, 'test'));
  let refitTotal = 0;
  let minMaxTotal = 0;
  for (let block = 0; block < 64; block++) {
    const part = values.subarray(block * 32, (block + 1) * 32);
    const m = f16ValueTable()[f32ToF16Bits(Math.min(...part))];
    const d = f16ValueTable()[f32ToF16Bits((Math.max(...part) - Math.min(...part)) / 15)];
    let refit = 0;
    let minMax = 0;
    part.forEach((value, j) => {
      const code = Math.min(15, Math.max(0, Math.round((value - m) / d)));
      minMax += (value - (code * d + m)) ** 2;
      refit += (value - decoded[block * 32 + j]) ** 2;
    });
    expect(refit, `block ${block}`).toBeLessThanOrEqual(minMax * (1 + 1e-6));
    refitTotal += refit;
    minMaxTotal += minMax;
  }
  expect(refitTotal).toBeLessThan(0.95 * minMaxTotal);
});

test('q4_0: the value of largest magnitude takes code 0 (−8·d) and decodes to itself within f16 rounding', () => {
  const values = new Float32Array(32).map((_, i) => i / 100);
  values[9] = 4;
  const bytes = quantizeBlocks('q4_0', values, 'test');
  expect(bytes[2 + 9] & 0x0f).toBe(0);
  expect(dequantize('q4_0', bytes)[9]).toBeCloseTo(4, 2);
});

test.each(TYPES)('%s: NaN and ±Infinity are refused with a ModelFormatError naming the value', (type) => {
  for (const bad of [NaN, Infinity, -Infinity]) {
    const values = new Float32Array(64).fill(0.25);
    values[40] = bad;
    expect(() => quantizeBlocks(type, values, 'Tensor x')).toThrow(ModelFormatError);
    expect(() => quantizeBlocks(type, values, 'Tensor x')).toThrow(/Tensor x: value 40 is/);
  }
});

test.each(TYPES)('%s: a block whose scale would overflow f16 is refused', (type) => {
  const values = new Float32Array(32).fill(1);
  values[3] = 3e38;
  expect(() => quantizeBlocks(type, values, 'Tensor big')).toThrow(/beyond f16's range/);
});

test.each(TYPES)('%s: values that are not whole 32-value blocks are refused', (type) => {
  expect(() => quantizeBlocks(type, new Float32Array(48), 'Tensor odd')).toThrow(RangeError);
});

describeWithFixtures("against rwkv.cpp: its quantizer's blocks for the FP32 fixtures", () => {
  const cases: [string, EncodedBlockType][] = [
    ['5v2-730K', 'q8_0'],
    ['7v0-834K', 'q8_0'],
    ['5v2-730K', 'q4_0'],
    ['7v0-834K', 'q4_0'],
  ];
  test.each(cases)('%s %s: the values rwkv.cpp wrote, exactly', async (model, type) => {
    const load = async (format: string) =>
      collectModel(await openModelStream(readFixture('rwkv-cpp', `tiny-rwkv-${model}-${format}.bin`)));
    const source = await load('FP32');
    const peer = await load(type.toUpperCase());
    let compared = 0;
    for (const [name, peerTensor] of peer.tensors) {
      if (peerTensor.sourceType !== type) continue;
      const ours = dequantize(type, quantizeBlocks(type, source.tensors.get(name)!.data, name));
      expect(ours, name).toEqual(peerTensor.data);
      compared++;
    }
    expect(compared).toBeGreaterThan(10);
  });
});
