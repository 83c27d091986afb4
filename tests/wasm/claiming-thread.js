/**
 * A stand-in worker thread for tests/wasm/thread-stop.test.ts: it joins a thread pool like src/wasm/node-thread.js
 * but never computes. For each job it tries to claim one chunk through the control block's claim word
 * (assembly/threads.ts documents the layout) and records it as held; once it holds one it either marks itself
 * stopped through the module's `threadStopped` and ends (`mode` 'stop': a worker that failed mid-chunk) or sleeps
 * for good without a word (`mode` 'hang': a worker that died unseen).
 */
/* global WebAssembly */
import { parentPort, workerData } from 'node:worker_threads';

const JOB = 0;
const CLAIM_WORD = 6; // the i64 at byte 48
const HELD = 16; // worker i's held-chunk word: 16 + 2i

const { module, memory, control, index, mode } = workerData;
const { exports } = await WebAssembly.instantiate(module, { env: { memory } });
const words = new Int32Array(memory.buffer, control);
const claims = new BigInt64Array(memory.buffer, control);
parentPort.postMessage('ready');

for (let seen = 0; ;) {
  while (Atomics.load(words, JOB) === seen);
  seen = Atomics.load(words, JOB);
  const claim = Atomics.load(claims, CLAIM_WORD);
  const [job, chunks, chunk] = [Number(claim >> 32n), Number((claim >> 16n) & 0xffffn), Number(claim & 0xffffn)];
  if (job !== seen || chunk >= chunks || Atomics.compareExchange(claims, CLAIM_WORD, claim, claim + 1n) !== claim) {
    continue;
  }
  Atomics.store(words, HELD + 2 * index, chunk + 1);
  if (mode === 'hang') Atomics.wait(words, JOB, seen);
  exports.threadStopped(control, index);
  process.exit(1);
}
