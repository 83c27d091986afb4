/**
 * The scheduler over a CPU backend that records its calls: decodes of all sessions go in one batched call, long
 * prefills are cut into chunks that alternate with decode steps, a batch may mix states wanting whole rows and top
 * candidates, aborted requests never run, dispose rejects.
 */
import { describe, expect, test } from 'vitest';
import { CpuBackend } from '../../src/backend/cpu.js';
import type { StateHandle } from '../../src/backend/backend.js';
import { AbortError } from '../../src/errors.js';
import { Scheduler } from '../../src/worker/scheduler.js';
import { topCandidatesOracle } from '../helpers/top-candidates-oracle.js';
import { bytesOf, Oracle, tinyModel } from './helpers.js';

const model = tinyModel('5.2');

/** A CPU backend that logs every call as 'decode×N' or 'prefill:N'. */
class RecordingBackend extends CpuBackend {
  readonly calls: string[] = [];

  override async decode(handles: readonly StateHandle[], tokens: Uint32Array) {
    this.calls.push(`decode×${handles.length}`);
    return super.decode(handles, tokens);
  }

  override async prefill(handle: StateHandle, tokens: Uint32Array, options?: { allLogits?: boolean }) {
    this.calls.push(`prefill:${tokens.length}`);
    return super.prefill(handle, tokens, options);
  }
}

/** A recording backend that also selects top candidates (on the CPU here, as the WebGPU one does on the GPU). */
class SelectingBackend extends RecordingBackend {
  async decodeSelecting(handles: readonly StateHandle[], tokens: Uint32Array, candidates: readonly number[]) {
    this.calls.push(`select ${candidates.join(',')}`);
    const rows = await CpuBackend.prototype.decode.call(this, handles, tokens);
    return rows.map((row, i) => (candidates[i] > 0 ? topCandidatesOracle(row, candidates[i]) : row));
  }
}

async function setup(prefillChunkSize = 4, Backend = RecordingBackend) {
  const backend = new Backend(model, 16);
  const scheduler = new Scheduler(backend, { prefillChunkSize });
  const handles = await Promise.all([0, 1, 2].map(() => backend.allocateState()));
  return { backend, scheduler, handles };
}

describe('Scheduler', () => {
  test('decodes of several states run as one batched call, with the oracle logits', async () => {
    const { backend, scheduler, handles } = await setup();
    const tokens = [65, 66, 67];
    const logits = await Promise.all(handles.map((handle, i) => scheduler.decode(handle, tokens[i])));
    expect(backend.calls).toEqual(['decode×3']);
    tokens.forEach((token, i) => expect(logits[i]).toEqual(new Oracle(model).feed([token])));
  });

  test('one batch mixes states wanting whole rows and states wanting top candidates', async () => {
    const { backend, scheduler, handles } = await setup(4, SelectingBackend);
    const outputs = await Promise.all(
      handles.map((handle, i) => scheduler.decode(handle, 65, undefined, [0, 1, 40][i])),
    );
    const row = new Oracle(model).feed([65]);
    expect(outputs[0]).toEqual(row);
    expect(outputs[1]).toEqual(topCandidatesOracle(row, 1));
    expect(outputs[2]).toEqual(topCandidatesOracle(row, 40));
    await Promise.all(handles.map((handle) => scheduler.decode(handle, 66)));
    expect(backend.calls).toEqual(['select 0,1,40', 'decode×3']);
  });

  test("a batch larger than the backend's maxBatch is split", async () => {
    const { backend, scheduler, handles } = await setup();
    Object.defineProperty(backend, 'maxBatch', { value: 2 });
    await Promise.all(handles.map((handle) => scheduler.decode(handle, 70)));
    expect(backend.calls).toEqual(['decode×2', 'decode×1']);
  });

  test('a long prefill is cut into chunks interleaved with the decode steps of other sessions', async () => {
    const { backend, scheduler, handles } = await setup(4);
    const [a, b, c] = handles;
    const prompt = bytesOf('ten bytes!');
    let decoding = true;
    const loop = async (handle: StateHandle) => {
      let steps = 0;
      while (decoding) {
        await scheduler.decode(handle, 32);
        steps++;
      }
      return steps;
    };
    const loops = [loop(b), loop(c)];
    const last = await scheduler.prefill(a, Uint32Array.from(prompt));
    decoding = false;
    await Promise.all(loops);
    const prefillAt = backend.calls.flatMap((call, i) => (call.startsWith('prefill') ? [i] : []));
    expect(prefillAt.map((i) => backend.calls[i])).toEqual(['prefill:4', 'prefill:4', 'prefill:2']);
    for (const i of prefillAt) expect(backend.calls[i - 1]).toBe('decode×2');
    expect(last).toEqual(new Oracle(model).feed(prompt));
  });

  test('with onChunkLogits every chunk hands over the logits of all its positions', async () => {
    const { scheduler, handles } = await setup(3);
    const prompt = bytesOf('seven b');
    const rows: number[] = [];
    const seen = new Float32Array(prompt.length * 256);
    await scheduler.prefill(handles[0], Uint32Array.from(prompt), {
      onChunkLogits: (logits, start) => {
        rows.push(start);
        seen.set(logits, start * 256);
      },
    });
    expect(rows).toEqual([0, 3, 6]);
    const oracle = new Oracle(model);
    const expected = oracle.reference.forward(prompt, oracle.state, { allLogits: true });
    seen.forEach((value, i) => expect(value).toBeCloseTo(expected[i], 4));
  });

  test('an aborted request is rejected with AbortError and never reaches the backend', async () => {
    const { backend, scheduler, handles } = await setup();
    const controller = new AbortController();
    const aborted = scheduler.decode(handles[0], 1, controller.signal);
    const kept = scheduler.decode(handles[1], 1);
    controller.abort();
    await expect(aborted).rejects.toBeInstanceOf(AbortError);
    await kept;
    expect(backend.calls).toEqual(['decode×1']);
    await expect(scheduler.decode(handles[0], 1, AbortSignal.abort())).rejects.toBeInstanceOf(AbortError);
  });

  test('one request per state at a time; dispose rejects what waits and everything after', async () => {
    const { scheduler, handles } = await setup();
    const first = scheduler.decode(handles[0], 1);
    await expect(scheduler.decode(handles[0], 2)).rejects.toThrow(/already has a request/);
    scheduler.dispose();
    await expect(first).rejects.toBeInstanceOf(AbortError);
    await expect(scheduler.prefill(handles[1], Uint32Array.of(1))).rejects.toBeInstanceOf(AbortError);
  });
});
