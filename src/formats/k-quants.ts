/**
 * Exact dequantization of ggml's K-quant types (llama.cpp GGUF files): super-blocks of 256 values along a row, each
 * cut into sub-blocks with their own small scale (and minimum), the scales themselves quantized against the
 * super-block's f16 `d` (and `dmin`). Layouts, in file order (QK_K = 256):
 *
 *   Q2_K  84 bytes: scales[16] (low nibble scale, high nibble min, 16 sub-blocks of 16), qs[64] (2 bits), d, dmin
 *         value = d·sc·q − dmin·m
 *   Q3_K 110 bytes: hmask[32] (the third bit), qs[64] (2 low bits), scales[12] (16 six-bit scales), d
 *         value = d·(sc − 32)·(q − 4 unless the hmask bit is set)
 *   Q4_K 144 bytes: d, dmin, scales[12] (8 six-bit scales and 8 six-bit mins), qs[128] (4 bits, 8 sub-blocks of 32)
 *         value = d·sc·q − dmin·m
 *   Q5_K 176 bytes: d, dmin, scales[12], qh[32] (the fifth bit), qs[128]
 *         value = d·sc·q − dmin·m
 *   Q6_K 210 bytes: ql[128] (4 low bits), qh[64] (2 high bits), scales[16] (int8), d
 *         value = d·sc·(q − 32)
 *
 * The arithmetic is ggml's, in f32: d·sc and d·sc·q are exact in f32 (few significant bits), so the only rounding is
 * the f32 subtraction of the minimum, reproduced with Math.fround. Nothing here allocates per block.
 */
import { f16ValueTable } from '../numeric/half.js';
import { wholeBlocks } from './quantized.js';

export type KQuantType = 'q2_k' | 'q3_k' | 'q4_k' | 'q5_k' | 'q6_k';

/** Values per super-block. */
export const K_BLOCK_VALUES = 256;

/** Bytes per super-block of each type. */
export const K_BLOCK_BYTES: Readonly<Record<KQuantType, number>> = {
  q2_k: 84,
  q3_k: 110,
  q4_k: 144,
  q5_k: 176,
  q6_k: 210,
};

export function isKQuantType(type: string): type is KQuantType {
  return Object.hasOwn(K_BLOCK_BYTES, type);
}

/** Bytes taken by `elementCount` values (a multiple of 256) of a K-quant type. */
export function kQuantByteLength(type: KQuantType, elementCount: number): number {
  return (elementCount / K_BLOCK_VALUES) * K_BLOCK_BYTES[type];
}

type BlockDecoder = (bytes: Uint8Array, at: number, out: Float32Array, base: number, f16: Float32Array) => void;

/** Decodes whole super-blocks of `type` from `bytes` (a whole number of blocks). */
export function dequantizeK(type: KQuantType, bytes: Uint8Array): Float32Array {
  const blockBytes = K_BLOCK_BYTES[type];
  const out = new Float32Array(wholeBlocks(type, bytes, blockBytes) * K_BLOCK_VALUES);
  const decode = DECODERS[type];
  const f16 = f16ValueTable();
  for (let at = 0, base = 0; at < bytes.length; at += blockBytes, base += K_BLOCK_VALUES)
    decode(bytes, at, out, base, f16);
  return out;
}

function half(bytes: Uint8Array, at: number, f16: Float32Array): number {
  return f16[bytes[at] | (bytes[at + 1] << 8)];
}

/** Q4_K / Q5_K: six-bit scale and min of sub-block j (0…7) from the 12 packed bytes at `at`. */
function scaleMin(bytes: Uint8Array, at: number, j: number): [number, number] {
  if (j < 4) return [bytes[at + j] & 63, bytes[at + j + 4] & 63];
  return [
    (bytes[at + j + 4] & 0x0f) | ((bytes[at + j - 4] >> 6) << 4),
    (bytes[at + j + 4] >> 4) | ((bytes[at + j] >> 6) << 4),
  ];
}

const decodeQ2K: BlockDecoder = (bytes, at, out, base, f16) => {
  const d = half(bytes, at + 80, f16);
  const dmin = half(bytes, at + 82, f16);
  let y = base;
  let scale = at;
  for (let half128 = 0; half128 < 2; half128++) {
    const qs = at + 16 + half128 * 32;
    for (let shift = 0; shift < 8; shift += 2) {
      for (let part = 0; part < 2; part++) {
        const sc = bytes[scale++];
        const dl = d * (sc & 0x0f);
        const ml = dmin * (sc >> 4);
        for (let l = 0; l < 16; l++) out[y++] = Math.fround(dl * ((bytes[qs + part * 16 + l] >> shift) & 3) - ml);
      }
    }
  }
};

const decodeQ3K: BlockDecoder = (bytes, at, out, base, f16) => {
  const d = half(bytes, at + 108, f16);
  const packed = at + 96;
  let y = base;
  let sub = 0;
  let mask = 1;
  for (let half128 = 0; half128 < 2; half128++) {
    const qs = at + 32 + half128 * 32;
    for (let shift = 0; shift < 8; shift += 2, mask <<= 1) {
      for (let part = 0; part < 2; part++, sub++) {
        // Scale `sub` (0…15): low 4 bits from byte sub % 8 (low nibble for sub < 8, high after), high 2 bits from
        // byte 8 + sub % 4 at bit pair sub / 4.
        const low = (bytes[packed + (sub & 7)] >> (sub < 8 ? 0 : 4)) & 0x0f;
        const high = (bytes[packed + 8 + (sub & 3)] >> (2 * (sub >> 2))) & 3;
        const dl = d * ((low | (high << 4)) - 32);
        for (let l = 0; l < 16; l++) {
          const i = part * 16 + l;
          const q = ((bytes[qs + i] >> shift) & 3) - (bytes[at + i] & mask ? 0 : 4);
          out[y++] = dl * q;
        }
      }
    }
  }
};

/** Q4_K and Q5_K: `qhAt` is the offset of the fifth bits (Q5_K) or undefined (Q4_K). */
function decodeQ45K(bytes: Uint8Array, at: number, out: Float32Array, base: number, f16: Float32Array, qhAt?: number) {
  const d = half(bytes, at, f16);
  const dmin = half(bytes, at + 2, f16);
  const qs = at + (qhAt === undefined ? 16 : 48);
  let y = base;
  for (let pair = 0; pair < 4; pair++) {
    for (let nibble = 0; nibble < 2; nibble++) {
      const sub = 2 * pair + nibble;
      const [sc, m] = scaleMin(bytes, at + 4, sub);
      const dl = d * sc;
      const ml = dmin * m;
      for (let l = 0; l < 32; l++) {
        const low = (bytes[qs + pair * 32 + l] >> (4 * nibble)) & 0x0f;
        const high = qhAt === undefined ? 0 : ((bytes[at + qhAt + l] >> sub) & 1) << 4;
        out[y++] = Math.fround(dl * (low | high) - ml);
      }
    }
  }
}

const decodeQ6K: BlockDecoder = (bytes, at, out, base, f16) => {
  const d = half(bytes, at + 208, f16);
  for (let half128 = 0; half128 < 2; half128++) {
    const ql = at + half128 * 64;
    const qh = at + 128 + half128 * 32;
    const scales = at + 192 + half128 * 8;
    const y = base + half128 * 128;
    for (let l = 0; l < 32; l++) {
      const high = bytes[qh + l];
      for (let quarter = 0; quarter < 4; quarter++) {
        const low = (bytes[ql + l + (quarter & 1) * 32] >> (quarter & 2 ? 4 : 0)) & 0x0f;
        const q = (low | (((high >> (2 * quarter)) & 3) << 4)) - 32;
        const sc = (bytes[scales + (l >> 4) + 2 * quarter] << 24) >> 24;
        out[y + quarter * 32 + l] = Math.fround(d * sc) * q;
      }
    }
  }
};

const DECODERS: Readonly<Record<KQuantType, BlockDecoder>> = {
  q2_k: decodeQ2K,
  q3_k: decodeQ3K,
  q4_k: (bytes, at, out, base, f16) => decodeQ45K(bytes, at, out, base, f16),
  q5_k: (bytes, at, out, base, f16) => decodeQ45K(bytes, at, out, base, f16, 16),
  q6_k: decodeQ6K,
};
