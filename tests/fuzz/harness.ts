/**
 * The fuzzing loop. Case `i` of a run with seed `s` draws its target (round robin), its seed input and its mutation
 * from a PRNG seeded with (s, i) alone, so any case can be run again by itself. Each case must end, within the time
 * bound, in a load or in one of its target's typed errors with a message; every other exception, a time over the
 * bound, or an allocation beyond the target's allowance for the input's size is a failure, reported with the
 * case's number, seed input and mutation. The report gives, per format, cases, outcomes and the slowest case.
 */
import { seededRandom } from '../formats/helpers.js';
import { AllocationMeter } from './allocation-meter.js';
import type { FuzzCase, FuzzTarget } from './target.js';

export interface FuzzOptions {
  cases: number;
  seed: number;
  /** Longest a case may take, ms. */
  timeLimitMs: number;
  /** Run only this case number. */
  only?: number;
  /** Print each case before it runs. */
  trace?: boolean;
}

export interface FuzzFailure {
  format: string;
  caseNumber: number;
  seed: string;
  mutation: string;
  problem: string;
}

export interface FormatReport {
  cases: number;
  loaded: number;
  /** Refusals by error class name. */
  refused: Record<string, number>;
  failures: number;
  slowest: { ms: number; caseNumber: number; seed: string; mutation: string };
  /** Largest single allocation over the input's size, of any case. */
  largestAllocationRatio: number;
}

export interface FuzzReport {
  seed: number;
  formats: Record<string, FormatReport>;
  failures: FuzzFailure[];
  totalMs: number;
}

/** Failures listed in full (the counts include every one). */
const FAILURES_KEPT = 50;

/**
 * What all of a case's requests together may add up to, as a multiple of what one may request: loaders allocate
 * many short-lived arrays (runs, decoded blocks), never more than a constant factor of the file.
 */
const TOTAL_FACTOR = 8;

class TimeLimitExceeded extends Error {}

function caseRandom(seed: number, caseNumber: number): () => number {
  return seededRandom(Math.imul(seed, 0x9e3779b1) ^ Math.imul(caseNumber + 1, 0x85ebca6b));
}

function withTimeLimit(promise: Promise<void>, ms: number): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TimeLimitExceeded(`no outcome after ${ms} ms`)), ms);
  });
  return Promise.race([promise, limit]).finally(() => clearTimeout(timer));
}

function emptyReport(): FormatReport {
  return {
    cases: 0,
    loaded: 0,
    refused: {},
    failures: 0,
    slowest: { ms: -1, caseNumber: -1, seed: '', mutation: '' },
    largestAllocationRatio: 0,
  };
}

export async function runFuzz(targets: readonly FuzzTarget[], options: FuzzOptions): Promise<FuzzReport> {
  const report: FuzzReport = { seed: options.seed, formats: {}, failures: [], totalMs: 0 };
  const meter = new AllocationMeter();
  const started = performance.now();
  const first = options.only ?? 0;
  const end = options.only === undefined ? options.cases : options.only + 1;
  meter.install();
  try {
    for (let caseNumber = first; caseNumber < end; caseNumber++) {
      const target = targets[caseNumber % targets.length];
      const random = caseRandom(options.seed, caseNumber);
      let fuzzCase: FuzzCase;
      try {
        fuzzCase = target.nextCase(random);
      } catch (error) {
        // A mutation the harness cannot build is its own bug: reported, and the run goes on.
        fuzzCase = { seed: '?', mutation: '?', inputBytes: 0, run: () => Promise.reject(error) };
      }
      // A synchronous endless loop cannot be timed out from this thread: the trace names the case that hangs.
      if (options.trace) console.error(`case ${caseNumber}: ${target.format}, ${fuzzCase.seed}, ${fuzzCase.mutation}`);
      const formatReport = (report.formats[target.format] ??= emptyReport());
      const fail = (problem: string): void => {
        formatReport.failures++;
        if (report.failures.length < FAILURES_KEPT) {
          report.failures.push({
            format: target.format,
            caseNumber,
            seed: fuzzCase.seed,
            mutation: fuzzCase.mutation,
            problem,
          });
        }
      };
      meter.take();
      const caseStart = performance.now();
      let outcome: string | undefined;
      try {
        await withTimeLimit(fuzzCase.run(), options.timeLimitMs);
        outcome = 'loaded';
      } catch (error) {
        const refusal = target.refusals.find((type) => error instanceof type);
        if (refusal && (error as Error).message.trim().length > 0) outcome = refusal.name;
        else fail(describeError(error));
      }
      const ms = performance.now() - caseStart;
      const allocated = meter.take();
      formatReport.cases++;
      if (outcome === 'loaded') formatReport.loaded++;
      else if (outcome !== undefined) formatReport.refused[outcome] = (formatReport.refused[outcome] ?? 0) + 1;
      const allowed = target.allowance.perInputByte * fuzzCase.inputBytes + target.allowance.fixedBytes;
      if (allocated.largest > allowed || allocated.total > allowed * TOTAL_FACTOR) {
        fail(
          `allocated ${allocated.largest} bytes at once and ${allocated.total} in all for a ${fuzzCase.inputBytes}-byte ` +
            `input (allowed ${allowed} at once, ${allowed * TOTAL_FACTOR} in all)`,
        );
      }
      formatReport.largestAllocationRatio = Math.max(
        formatReport.largestAllocationRatio,
        allocated.largest / Math.max(1, fuzzCase.inputBytes),
      );
      if (ms > formatReport.slowest.ms) {
        formatReport.slowest = { ms, caseNumber, seed: fuzzCase.seed, mutation: fuzzCase.mutation };
      }
    }
  } finally {
    meter.uninstall();
    for (const target of targets) await target.close?.();
  }
  report.totalMs = performance.now() - started;
  return report;
}

function describeError(error: unknown): string {
  if (error instanceof TimeLimitExceeded) return `hang: ${error.message}`;
  if (error instanceof Error)
    return `${error.name}: ${error.message}\n${error.stack?.split('\n').slice(1, 6).join('\n')}`;
  return `non-Error thrown: ${String(error)}`;
}

/** The report as a table, one line per format, and the failures. */
export function formatReport(report: FuzzReport): string {
  const lines = [`fuzz seed ${report.seed}: ${(report.totalMs / 1000).toFixed(1)} s`];
  for (const [format, r] of Object.entries(report.formats)) {
    const refused = Object.entries(r.refused)
      .map(([name, count]) => `${name} ${count}`)
      .join(', ');
    lines.push(
      `  ${format}: ${r.cases} cases, loaded ${r.loaded}, refused ${refused || 0}, failures ${r.failures}; ` +
        `largest allocation ${r.largestAllocationRatio.toFixed(2)}× the input; slowest ${r.slowest.ms.toFixed(1)} ms ` +
        `(case ${r.slowest.caseNumber}: ${r.slowest.seed}, ${r.slowest.mutation})`,
    );
  }
  for (const failure of report.failures) {
    lines.push(
      `  FAILURE ${failure.format} case ${failure.caseNumber} (${failure.seed}; ${failure.mutation}): ${failure.problem}`,
    );
  }
  return lines.join('\n');
}
