/**
 * The worker threads' side of the fast CPU backend's thread pool (src/wasm/thread-pool.ts), compiled with
 * assembly/kernels.ts into the shared-memory module: a worker calls `threadLoop` once and stays in it, sleeping on
 * the job counter of a control block in the shared memory; for each job it claims chunks of rows until none is
 * left, computing each and counting it complete. The calling thread claims chunks the same way, so a job finishes
 * even while a worker is not scheduled (a busy machine), and a chunk is never computed twice.
 *
 * A job is a group of independent matrix products y = W·x (its members, each with its own matrix, format, x, y and
 * quantized x), their rows cut into chunks together: the chunks of member 0 first, then those of member 1, and so
 * on, so that one wake-up covers them all. `computeChunk` finds a chunk's member and rows; the calling thread calls
 * it too, for the chunks it claims and those a stopped worker held.
 *
 * Control block (at `control`, written by the calling thread before it opens the job):
 *   i32 word 0 job counter (bumped and notified for each job)   1 chunks completed (the caller waits on it)
 *   2 operation (0: stop, 1: products)                          3 members in the job
 *   4 the member table's address                                5–10 unused
 *   11 chunks the workers have computed, all jobs
 *   i64 at byte 48: the claim word — job (high 32 bits), chunks (16 bits), next unclaimed chunk (low 16 bits).
 *   i32 word 14: workers stopped (a worker that threw, or ended: `threadStopped`)   15 unused
 *   from byte 64, two i32 words per worker i (its `index`): the chunk it holds + 1 (0: none), and 1 once stopped.
 * Member table: 10 i32 words per member, in chunk order: matmul's format, weights, x, y, rows, cols, tokens and xq
 * (the quantized activations of the block formats, 0 for f32 / f16), the member's first chunk, its rows per chunk
 * (a multiple of four, so that the kernels' four-row groups are those of one thread; its last chunk may be shorter).
 * A chunk is claimed by compare-and-swap of the claim word, only while its job is the word's and the next chunk
 * is below the count; a successful claim means the job is not complete, so its control block and member table stay
 * as written until the chunk is counted. The claimed chunk is recorded in the worker's word right after the claim
 * (no call or loop between, so an engine stopping the worker cannot land in between): a worker that stops while
 * holding a chunk leaves in its words which chunk the caller must compute instead. Each row is computed by the same
 * code whatever thread takes it: results are bitwise those of one thread.
 */
import { matmul } from './kernels';

const JOB: usize = 0;
const COMPLETED: usize = 4;
const OPERATION: usize = 8;
const MEMBERS: usize = 12;
const TABLE: usize = 16;
const WORKER_CHUNKS: usize = 44;
const CLAIM: usize = 48;
const STOPPED: usize = 56;
const WORKER_WORDS: usize = 64;
/** Bytes of a member's record in the table; the offsets of its first chunk and rows per chunk. */
const MEMBER_BYTES: usize = 40;
const FIRST_CHUNK: usize = 32;
const CHUNK_ROWS: usize = 36;
const STOP: i32 = 0;
/**
 * Loads of the job counter before sleeping on it (about 20–60 µs): the next job often follows within microseconds.
 * In a v7 decode step the output product comes about 65 µs after the job before it (the WKV, GroupNorm and gate run
 * between), and a worker woken from a sleep then takes few of its chunks (61 → 30 µs on 2 threads with 100,000
 * loads, alone). But in whole decode steps 100,000 loads measured no faster (Q4_0 on 2 threads, alternating runs:
 * 95–99 against 94–98 tok/s), and with another process busy on one of two cores they made 2 threads 10 % slower
 * than one, where 20,000 keep them even.
 */
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

/** Computes chunk `chunk` of the open job: the rows it covers of its member's product. */
export function computeChunk(control: usize, chunk: i32): void {
  const members = load<i32>(control + MEMBERS);
  let member = <usize>load<u32>(control + TABLE);
  for (let i = 1; i < members && load<i32>(member + MEMBER_BYTES + FIRST_CHUNK) <= chunk; i++) member += MEMBER_BYTES;
  const rows = load<i32>(member, 16);
  const chunkRows = load<i32>(member + CHUNK_ROWS);
  const start = (chunk - load<i32>(member + FIRST_CHUNK)) * chunkRows;
  matmul(
    load<i32>(member),
    load<u32>(member, 4),
    load<u32>(member, 8),
    load<u32>(member, 12),
    rows,
    load<i32>(member, 20),
    load<i32>(member, 24),
    start,
    min(rows, start + chunkRows),
    load<u32>(member, 28),
  );
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
    computeChunk(control, chunk);
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
