/**
 * The worker threads' side of the fast CPU backend's thread pool (src/wasm/thread-pool.ts), compiled with
 * assembly/kernels.ts into the shared-memory module: a worker calls `threadLoop` once and stays in it, sleeping on
 * the job counter of a control block in the shared memory; for each job it claims chunks of rows until none is
 * left, computing each and counting it complete. The calling thread claims chunks the same way, so a job finishes
 * even while a worker is not scheduled (a busy machine), and a chunk is never computed twice.
 *
 * Control block (at `control`, written by the calling thread before it opens the job):
 *   i32 word 0 job counter (bumped and notified for each job)   1 chunks completed (the caller waits on it)
 *   2 operation (0: stop, 1: matmul)                           3 rows per chunk
 *   4–10 matmul's format, weights, x, y, rows, cols, tokens   11 chunks the workers have computed, all jobs
 *   i64 at byte 48: the claim word — job (high 32 bits), chunks (16 bits), next unclaimed chunk (low 16 bits).
 *   i32 word 14: workers stopped (a worker that threw, or ended: `threadStopped`)
 *   i32 word 15: matmul's xq (the quantized activations of its one-token rows, written before the job opens)
 *   from byte 64, two i32 words per worker i (its `index`): the chunk it holds + 1 (0: none), and 1 once stopped.
 * A chunk is claimed by compare-and-swap of the claim word, only while its job is the word's and the next chunk
 * is below the count; a successful claim means the job is not complete, so its arguments stay as written until
 * the chunk is counted. The claimed chunk is recorded in the worker's word right after the claim (no call or loop
 * between, so an engine stopping the worker cannot land in between): a worker that stops while holding a chunk
 * leaves in its words which chunk the caller must compute instead. Each row is computed by the same code whatever
 * thread takes it: results are bitwise those of one thread.
 */
import { matmul } from './kernels';

const JOB: usize = 0;
const COMPLETED: usize = 4;
const OPERATION: usize = 8;
const CHUNK_ROWS: usize = 12;
const ARGUMENTS: usize = 16;
const WORKER_CHUNKS: usize = 44;
const CLAIM: usize = 48;
const STOPPED: usize = 56;
const QUANTIZED: usize = 60;
const WORKER_WORDS: usize = 64;
const STOP: i32 = 0;
/** Loads of the job counter before sleeping on it (a new job often follows within microseconds). */
const SPINS: i32 = 20000;

/** The address of worker `index`'s held-chunk word; its stopped flag follows. */
// @ts-ignore: decorator
@inline
function heldWord(control: usize, index: i32): usize {
  return control + WORKER_WORDS + (<usize>index << 3);
}

/** Waits for the job counter to move past `seen`; returns its new value. */
function nextJob(control: usize, seen: i32): i32 {
  for (let i = 0; i < SPINS; i++) {
    const job = atomic.load<i32>(control + JOB);
    if (job != seen) return job;
  }
  let job = atomic.load<i32>(control + JOB);
  while (job == seen) {
    memory.atomic.wait32(control + JOB, seen, -1);
    job = atomic.load<i32>(control + JOB);
  }
  return job;
}

/** Claims and computes chunks of job `job` until none is left (or a later job has opened). */
function work(control: usize, job: i32, index: i32): void {
  const held = heldWord(control, index);
  while (true) {
    const claim = atomic.load<i64>(control + CLAIM);
    const chunks = <i32>((claim >>> 16) & 0xffff);
    const chunk = <i32>(claim & 0xffff);
    if (<i32>(claim >>> 32) != job || chunk >= chunks) return;
    if (atomic.cmpxchg<i64>(control + CLAIM, claim, claim + 1) != claim) continue;
    atomic.store<i32>(held, chunk + 1);
    const args = control + ARGUMENTS;
    const rows = load<i32>(args, 16);
    const chunkRows = load<i32>(control + CHUNK_ROWS);
    const start = chunk * chunkRows;
    const end = min(rows, start + chunkRows);
    matmul(
      load<i32>(args),
      load<u32>(args, 4),
      load<u32>(args, 8),
      load<u32>(args, 12),
      rows,
      load<i32>(args, 20),
      load<i32>(args, 24),
      start,
      end,
      load<u32>(control + QUANTIZED),
    );
    atomic.store<i32>(held, 0);
    atomic.add<i32>(control + WORKER_CHUNKS, 1);
    if (atomic.add<i32>(control + COMPLETED, 1) + 1 == chunks) atomic.notify(control + COMPLETED, 1);
  }
}

/** Runs worker `index`'s share of every job from job 1 on, until a stop. */
export function threadLoop(control: usize, index: i32): void {
  let seen = 0;
  while (true) {
    seen = nextJob(control, seen);
    if (atomic.load<i32>(control + OPERATION) == STOP) return;
    work(control, seen, index);
  }
}

/**
 * Marks worker `index` stopped (once) and wakes the caller: called by the worker when its loop throws, and by the
 * calling thread when the environment reports the worker ended. Its held chunk, if any, stays recorded.
 */
export function threadStopped(control: usize, index: i32): void {
  if (atomic.cmpxchg<i32>(heldWord(control, index) + 4, 0, 1) != 0) return;
  atomic.add<i32>(control + STOPPED, 1);
  atomic.notify(control + COMPLETED);
}
