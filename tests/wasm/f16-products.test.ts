/**
 * The one-token f16 product of the kernels module against x small enough to carry the f16 widening's 2^112 (every
 * |x| < 2^16: four rows share the scaled loads of x) and against x that is not (the plain loop): rows computed four
 * at a time are bitwise the rows computed alone (so threads' shares never change a result), and every row is the
 * f64 product of the decoded weights to f32 rounding. The weights include f16 subnormals and the largest f16; the
 * columns a tail past the last eight.
 */
import { describe, expect, it } from 'vitest';
import { decodeF16, encodeF16 } from '../../src/numeric/half.js';
import { WasmHeap } from '../../src/wasm/heap.js';
import { FORMAT_CODES, instantiateKernels } from '../../src/wasm/kernels.js';

const ROWS = 13;
const COLS = 45;

async function f16Product(x: Float32Array) {
  const memory = new WebAssembly.Memory({ initial: 1 });
  const kernels = await instantiateKernels(memory);
  const heap = new WasmHeap(memory, kernels.staticDataEnd());
  const values = Float32Array.from({ length: ROWS * COLS }, (_, i) => Math.sin(i * 1.7) * 2 ** ((i % 9) - 4));
  values[3] = 2 ** -20; // an f16 subnormal
  values[50] = -3e-7; // another
  values[100] = 65504; // the largest f16
  const bytes = encodeF16(values);
  const weights = heap.allocate(bytes.length);
  heap.bytes(weights, bytes.length).set(bytes);
  const xPtr = heap.allocate(COLS * 4);
  heap.floats(xPtr, COLS).set(x);
  const [together, alone] = [heap.allocate(ROWS * 4), heap.allocate(ROWS * 4)];
  kernels.matmul(FORMAT_CODES.f16, weights, xPtr, together, ROWS, COLS, 1, 0, ROWS, 0);
  for (let r = 0; r < ROWS; r++) kernels.matmul(FORMAT_CODES.f16, weights, xPtr, alone, ROWS, COLS, 1, r, r + 1, 0);
  return { decoded: decodeF16(bytes), together: heap.floats(together, ROWS), alone: heap.floats(alone, ROWS) };
}

describe('one-token f16 products', () => {
  const small = Float32Array.from({ length: COLS }, (_, i) => Math.cos(i * 0.9) * 2 ** ((i % 7) - 3));
  const edge = small.map((value, i) => (i === 17 ? 65535.99 : value));
  const large = small.map((value, i) => (i === 17 ? 65536 : i === 30 ? -1e30 : value));

  it.each([
    ['every |x| < 2^16', small],
    ['|x| just below 2^16', edge],
    ['|x| of 2^16 and more', large],
  ])('with %s: four rows at once bitwise as alone, each the f64 product to f32 rounding', async (_, x) => {
    const { decoded, together, alone } = await f16Product(x);
    expect(together).toEqual(alone);
    for (let r = 0; r < ROWS; r++) {
      let exact = 0;
      let magnitude = 0;
      for (let c = 0; c < COLS; c++) {
        exact += decoded[r * COLS + c] * x[c];
        magnitude += Math.abs(decoded[r * COLS + c] * x[c]);
      }
      expect(Math.abs(together[r] - exact)).toBeLessThanOrEqual(magnitude * 1e-6);
    }
  });
});
