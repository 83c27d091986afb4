/**
 * Host side of shaders/top-candidates.wgsl: the top `count` candidates of each of `rows` rows of logits, with the
 * row's softmax denominator and flags. Bindings: [logits, candidates]. `readCandidateRecords` turns the read-back
 * words into TopCandidates.
 */
import source from '../../../shaders/top-candidates.wgsl?raw';
import { MAX_CANDIDATES, type TopCandidates } from '../../sampling/top-candidates.js';
import type { KernelDispatch } from '../kernel-runner.js';
import { resolveWgsl } from '../wgsl.js';
import { checkCount, MAX_WORKGROUPS_PER_DIMENSION } from './grid.js';

const CODE = resolveWgsl(source);

const FLAG_NAN = 1;
const FLAG_INFINITY = 2;

/** u32 words of one row's record: flags, total, `count` ids, `count` logits. */
export function candidateRecordWords(count: number): number {
  return 2 + 2 * count;
}

export function topCandidatesKernel(shape: { vocab: number; rows: number; count: number }): KernelDispatch {
  checkCount('top-candidates rows', shape.rows, MAX_WORKGROUPS_PER_DIMENSION);
  checkCount('top-candidates vocabulary', shape.vocab);
  checkCount('top-candidates count', shape.count, Math.min(MAX_CANDIDATES, shape.vocab));
  return {
    kernel: { label: 'top-candidates', code: CODE, constants: { VOCAB: shape.vocab, K: shape.count } },
    workgroups: [shape.rows, 1, 1],
  };
}

/** The candidates of `rows` consecutive records of `count` candidates each, from the words the kernel wrote. */
export function readCandidateRecords(words: Uint32Array, rows: number, count: number): TopCandidates[] {
  const floats = new Float32Array(words.buffer, words.byteOffset, words.length);
  const stride = candidateRecordWords(count);
  return Array.from({ length: rows }, (_, row) => {
    const at = row * stride;
    const flags = words[at];
    const invalid = flags & FLAG_NAN ? NaN : flags & FLAG_INFINITY ? Infinity : undefined;
    return {
      ids: words.slice(at + 2, at + 2 + count),
      logits: floats.slice(at + 2 + count, at + 2 + 2 * count),
      total: floats[at + 1],
      ...(invalid === undefined ? {} : { invalid }),
    };
  });
}
