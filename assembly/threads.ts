/**
 * The worker threads' side of the fast CPU backend's thread pool (src/wasm/thread-pool.ts), compiled with
 * assembly/kernels.ts into the shared-memory module: a worker calls `threadLoop` once and stays in it, sleeping on
 * the job counter of a control block in the shared memory, running its share of each job, counting itself done.
 *
 * Control block (i32 words at `control`, written by the calling thread before it bumps the job counter):
 *   0 job counter (bumped and notified for each job)   1 threads done with the current job (the caller waits on it)
 *   2 operation (0: stop, 1: matmul)                    3 threads sharing the job (the caller is thread 0)
 *   4–10 matmul's format, weights, x, y, rows, cols, tokens
 * Thread i of n takes rows [⌊rows·i/n⌋, ⌊rows·(i+1)/n⌋): each row is computed by the same code whatever the split,
 * so the result is bitwise that of one thread.
 */
import { matmul } from './kernels';

const JOB: usize = 0;
const DONE: usize = 4;
const OPERATION: usize = 8;
const THREADS: usize = 12;
const ARGUMENTS: usize = 16;
const STOP: i32 = 0;
/** Loads of the job counter before sleeping on it (a new job often follows within microseconds). */
const SPINS: i32 = 20000;

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

/** Runs thread `index`'s share of every job from job 1 on, until a stop. */
export function threadLoop(control: usize, index: i32): void {
  let seen = 0;
  while (true) {
    seen = nextJob(control, seen);
    if (load<i32>(control + OPERATION) == STOP) return;
    const threads = load<i32>(control + THREADS);
    const args = control + ARGUMENTS;
    const rows = load<i32>(args, 16);
    const start = <i32>((<i64>rows * index) / threads);
    const end = <i32>((<i64>rows * (index + 1)) / threads);
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
    );
    if (atomic.add<i32>(control + DONE, 1) + 1 == threads - 1) atomic.notify(control + DONE, 1);
  }
}
