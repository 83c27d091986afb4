/**
 * The fuzzing harness as a test: every hostile-input target (model files, state files, tokenizer files, store
 * manifests) through the engine's own loading paths, seeded. `npm test` runs a short pass (1,000 cases);
 * `npm run fuzz` a long one. Environment: RWKV_FUZZ_CASES (cases), RWKV_FUZZ_SEED (seed), RWKV_FUZZ_CASE (run one
 * case by its number, as printed in a failure).
 */
import { expect, test } from 'vitest';
import { formatReport, runFuzz } from './harness.js';
import { modelFileTargets } from './targets/model-files.js';
import { stateFileTargets } from './targets/state-files.js';

const cases = Number(process.env.RWKV_FUZZ_CASES ?? 1000);
const seed = Number(process.env.RWKV_FUZZ_SEED ?? 1);
const only = process.env.RWKV_FUZZ_CASE === undefined ? undefined : Number(process.env.RWKV_FUZZ_CASE);
/** A case's time bound: the slowest honest load here takes well under a second. */
const TIME_LIMIT_MS = 5000;

test(
  `hostile inputs: ${only === undefined ? `${cases} cases` : `case ${only}`}, seed ${seed}`,
  { timeout: 0 },
  async () => {
    const targets = [...modelFileTargets(), await stateFileTargets()];
    const report = await runFuzz(targets, { cases, seed, timeLimitMs: TIME_LIMIT_MS, only });
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
