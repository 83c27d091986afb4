/**
 * The fuzzing harness as a test: every hostile-input target (model files, state files, tokenizer files, store
 * manifests) through the engine's own loading paths, seeded. `npm test` runs a short pass (1,000 cases);
 * `npm run fuzz` a long one. Environment: RWKV_FUZZ_CASES (cases), RWKV_FUZZ_SEED (seed), RWKV_FUZZ_CASE (run one
 * case by its number, as printed in a failure), RWKV_FUZZ_TRACE=1 (print each case before it runs: a synchronous
 * endless loop cannot be timed out from inside, the last case printed is the one that hangs).
 */
import { expect, test } from 'vitest';
import { formatReport, runFuzz } from './harness.js';
import { ggufFileTarget } from './targets/gguf-files.js';
import { manifestTarget } from './targets/manifests.js';
import { modelFileTargets } from './targets/model-files.js';
import { stateFileTargets } from './targets/state-files.js';
import { tokenizerFileTargets } from './targets/tokenizer-files.js';

const cases = Number(process.env.RWKV_FUZZ_CASES ?? 1000);
const seed = Number(process.env.RWKV_FUZZ_SEED ?? 1);
const only = process.env.RWKV_FUZZ_CASE === undefined ? undefined : Number(process.env.RWKV_FUZZ_CASE);
/** A case's time bound: honest loads take 10 ms (synthetic) to 1.5 s (a quantized fixture), 5 s on a busy machine. */
const TIME_LIMIT_MS = 30_000;

test(
  `hostile inputs: ${only === undefined ? `${cases} cases` : `case ${only}`}, seed ${seed}`,
  { timeout: 0 },
  async () => {
    const targets = [
      ...modelFileTargets(),
      ggufFileTarget(),
      await stateFileTargets(),
      ...tokenizerFileTargets(),
      manifestTarget(),
    ];
    const report = await runFuzz(targets, {
      cases,
      seed,
      timeLimitMs: TIME_LIMIT_MS,
      only,
      trace: process.env.RWKV_FUZZ_TRACE === '1',
    });
    console.log(formatReport(report));
    expect(report.failures, formatReport(report)).toEqual([]);
    if (only === undefined) {
      for (const [format, formatReport] of Object.entries(report.formats)) {
        expect(formatReport.loaded, `${format}: some mutants must still load`).toBeGreaterThan(0);
        expect(Object.keys(formatReport.refused).length, `${format}: some mutants must be refused`).toBeGreaterThan(0);
      }
    }
  },
);
