/**
 * What the fuzzer runs: a target is one input format with its seeds, its mutations and the engine's own loading
 * path for it. `nextCase` draws a seed and a mutation; the case's `run` resolves when the input loads (after the
 * target's checks on what loaded) and rejects when it is refused. The typed errors in `refusals` are the only
 * acceptable refusals; allocations must stay within `allowance` of the input's size.
 */
import type { Random } from './mutations.js';

export type ErrorClass = abstract new (...args: never[]) => Error;

export interface FuzzCase {
  /** The seed input the case started from. */
  seed: string;
  mutation: string;
  inputBytes: number;
  run(): Promise<void>;
}

export interface FuzzTarget {
  format: string;
  refusals: readonly ErrorClass[];
  /** What one allocation may request: `perInputByte` × input bytes + `fixedBytes` (all of them: 8× that). */
  allowance: { perInputByte: number; fixedBytes: number };
  nextCase(random: Random): FuzzCase;
  /** Frees what the target holds (engines). */
  close?(): Promise<void>;
}
