/**
 * K-quant dequantization (src/formats/k-quants.ts) against an independent transcription of ggml's reference
 * `dequantize_row_q{2,3,4,5,6}_K` (ggml-quants.c: the same loops, pointers as indices, f32 arithmetic through
 * Math.fround at every step), on hand-built super-blocks of seeded random bytes with finite f16 scales.
 */
import { describe, expect, test } from 'vitest';
import { f16BitsToF32 } from '../../src/numeric/half.js';
import { K_BLOCK_BYTES, dequantizeK, type KQuantType } from '../../src/formats/k-quants.js';
import { randomKBlocks } from '../helpers/ggml-blocks.js';

const QK_K = 256;
const f = Math.fround;

function fp16(bytes: Uint8Array, at: number): number {
  return f16BitsToF32(bytes[at] | (bytes[at + 1] << 8));
}

function int8(value: number): number {
  return (value << 24) >> 24;
}

function getScaleMinK4(j: number, q: Uint8Array): [number, number] {
  if (j < 4) return [q[j] & 63, q[j + 4] & 63];
  return [(q[j + 4] & 0xf) | ((q[j - 4] >> 6) << 4), (q[j + 4] >> 4) | ((q[j - 0] >> 6) << 4)];
}

function referenceQ2K(x: Uint8Array): number[] {
  const y: number[] = [];
  const scales = x.subarray(0, 16);
  const d = fp16(x, 80);
  const min = fp16(x, 82);
  let q = 16;
  let is = 0;
  for (let n = 0; n < QK_K; n += 128) {
    let shift = 0;
    for (let j = 0; j < 4; ++j) {
      let sc = scales[is++];
      let dl = f(d * (sc & 0xf));
      let ml = f(min * (sc >> 4));
      for (let l = 0; l < 16; ++l) y.push(f(f(dl * int8((x[q + l] >> shift) & 3)) - ml));
      sc = scales[is++];
      dl = f(d * (sc & 0xf));
      ml = f(min * (sc >> 4));
      for (let l = 0; l < 16; ++l) y.push(f(f(dl * int8((x[q + l + 16] >> shift) & 3)) - ml));
      shift += 2;
    }
    q += 32;
  }
  return y;
}

function referenceQ3K(x: Uint8Array): number[] {
  const kmask1 = 0x03030303;
  const kmask2 = 0x0f0f0f0f;
  const y: number[] = [];
  const dAll = fp16(x, 108);
  const hm = 0;
  let q = 32;
  let m = 1;
  const view = new DataView(x.buffer, x.byteOffset + 96, 12);
  const aux = [view.getUint32(0, true), view.getUint32(4, true), view.getUint32(8, true), 0];
  const tmp = aux[2];
  aux[2] = ((aux[0] >>> 4) & kmask2) | (((tmp >>> 4) & kmask1) << 4);
  aux[3] = ((aux[1] >>> 4) & kmask2) | (((tmp >>> 6) & kmask1) << 4);
  aux[0] = (aux[0] & kmask2) | (((tmp >>> 0) & kmask1) << 4);
  aux[1] = (aux[1] & kmask2) | (((tmp >>> 2) & kmask1) << 4);
  const scales = new Int8Array(new Uint32Array(aux).buffer);
  let is = 0;
  for (let n = 0; n < QK_K; n += 128) {
    let shift = 0;
    for (let j = 0; j < 4; ++j) {
      let dl = f(dAll * (scales[is++] - 32));
      for (let l = 0; l < 16; ++l) {
        y.push(f(dl * (int8((x[q + l] >> shift) & 3) - (x[hm + l] & m ? 0 : 4))));
      }
      dl = f(dAll * (scales[is++] - 32));
      for (let l = 0; l < 16; ++l) {
        y.push(f(dl * (int8((x[q + l + 16] >> shift) & 3) - (x[hm + l + 16] & m ? 0 : 4))));
      }
      shift += 2;
      m <<= 1;
    }
    q += 32;
  }
  return y;
}

function referenceQ4K(x: Uint8Array): number[] {
  const y: number[] = [];
  const d = fp16(x, 0);
  const min = fp16(x, 2);
  const scales = x.subarray(4, 16);
  let q = 16;
  let is = 0;
  for (let j = 0; j < QK_K; j += 64) {
    let [sc, m] = getScaleMinK4(is + 0, scales);
    const d1 = f(d * sc);
    const m1 = f(min * m);
    [sc, m] = getScaleMinK4(is + 1, scales);
    const d2 = f(d * sc);
    const m2 = f(min * m);
    for (let l = 0; l < 32; ++l) y.push(f(f(d1 * (x[q + l] & 0xf)) - m1));
    for (let l = 0; l < 32; ++l) y.push(f(f(d2 * (x[q + l] >> 4)) - m2));
    q += 32;
    is += 2;
  }
  return y;
}

function referenceQ5K(x: Uint8Array): number[] {
  const y: number[] = [];
  const d = fp16(x, 0);
  const min = fp16(x, 2);
  const scales = x.subarray(4, 16);
  const qh = 16;
  let ql = 48;
  let is = 0;
  let u1 = 1;
  let u2 = 2;
  for (let j = 0; j < QK_K; j += 64) {
    let [sc, m] = getScaleMinK4(is + 0, scales);
    const d1 = f(d * sc);
    const m1 = f(min * m);
    [sc, m] = getScaleMinK4(is + 1, scales);
    const d2 = f(d * sc);
    const m2 = f(min * m);
    for (let l = 0; l < 32; ++l) y.push(f(f(d1 * ((x[ql + l] & 0xf) + (x[qh + l] & u1 ? 16 : 0))) - m1));
    for (let l = 0; l < 32; ++l) y.push(f(f(d2 * ((x[ql + l] >> 4) + (x[qh + l] & u2 ? 16 : 0))) - m2));
    ql += 32;
    is += 2;
    u1 <<= 2;
    u2 <<= 2;
  }
  return y;
}

function referenceQ6K(x: Uint8Array): number[] {
  const y = new Array<number>(QK_K);
  const d = fp16(x, 208);
  let ql = 0;
  let qh = 128;
  let sc = 192;
  let at = 0;
  for (let n = 0; n < QK_K; n += 128) {
    for (let l = 0; l < 32; ++l) {
      const is = Math.floor(l / 16);
      const q1 = int8((x[ql + l + 0] & 0xf) | (((x[qh + l] >> 0) & 3) << 4)) - 32;
      const q2 = int8((x[ql + l + 32] & 0xf) | (((x[qh + l] >> 2) & 3) << 4)) - 32;
      const q3 = int8((x[ql + l + 0] >> 4) | (((x[qh + l] >> 4) & 3) << 4)) - 32;
      const q4 = int8((x[ql + l + 32] >> 4) | (((x[qh + l] >> 6) & 3) << 4)) - 32;
      y[at + l + 0] = f(f(d * int8(x[sc + is + 0])) * q1);
      y[at + l + 32] = f(f(d * int8(x[sc + is + 2])) * q2);
      y[at + l + 64] = f(f(d * int8(x[sc + is + 4])) * q3);
      y[at + l + 96] = f(f(d * int8(x[sc + is + 6])) * q4);
    }
    at += 128;
    ql += 64;
    qh += 32;
    sc += 8;
  }
  return y;
}

const REFERENCE: Record<KQuantType, (block: Uint8Array) => number[]> = {
  q2_k: referenceQ2K,
  q3_k: referenceQ3K,
  q4_k: referenceQ4K,
  q5_k: referenceQ5K,
  q6_k: referenceQ6K,
};

describe('K-quant super-blocks vs ggml reference dequantization', () => {
  test.each(Object.keys(K_BLOCK_BYTES) as KQuantType[])('%s', (type) => {
    const blocks = randomKBlocks(type, 24, type.charCodeAt(1) * 7919);
    const expected: number[] = [];
    for (let block = 0; block < 24; block++) {
      expected.push(
        ...REFERENCE[type](blocks.subarray(block * K_BLOCK_BYTES[type], (block + 1) * K_BLOCK_BYTES[type])),
      );
    }
    const got = dequantizeK(type, blocks);
    expect(got.length).toBe(24 * QK_K);
    expect(Array.from(got)).toEqual(expected);
    expect(expected.every(Number.isFinite)).toBe(true);
  });

  test('a hand-built Q4_K block: d·sc·q − dmin·m per 32-value sub-block', () => {
    const block = new Uint8Array(144);
    block.set([0x00, 0x3c, 0x00, 0x38]); // d = 1, dmin = 0.5
    block.set([1, 2, 3, 4, 5, 6, 7, 8, 0, 0, 0, 0], 4); // sub-blocks 0–3: scales 1–4, mins 5–8; 4–7: 0
    for (let l = 0; l < 128; l++) block[16 + l] = 0x93; // low nibble 3, high nibble 9
    const out = dequantizeK('q4_k', block);
    expect(out[0]).toBe(1 * 3 - 0.5 * 5); // sub-block 0 (low nibbles of qs[0..31])
    expect(out[32]).toBe(2 * 9 - 0.5 * 6); // sub-block 1 (high nibbles)
    expect(out[64 + 31]).toBe(3 * 3 - 0.5 * 7);
    expect(out[255]).toBe(0);
  });

  test('refuses a partial super-block', () => {
    expect(() => dequantizeK('q6_k', new Uint8Array(209))).toThrow(RangeError);
  });
});
