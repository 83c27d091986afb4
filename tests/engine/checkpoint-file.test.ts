/**
 * State files (docs/state-format.md): the byte layout read back at the documented offsets, a round trip through
 * encode/decode, malformed files refused with StateFormatError, and a session exported as a Blob and imported into
 * a new engine continuing exactly (logits against the CPU oracle, seeded continuation against an uninterrupted run).
 */
import { describe, expect, test } from 'vitest';
import { STATE_LAYOUT_VERSION } from '../../src/model/state.js';
import { stateSize } from '../../src/generations/state.js';
import { Prng } from '../../src/sampling/prng.js';
import { StateFormatError } from '../../src/storage/state-errors.js';
import { decodeStateFile, encodeStateFile, STATE_FILE_HEADER_BYTES } from '../../src/storage/state-file.js';
import type { StateFile } from '../../src/storage/state-file.js';
import { bytesOf, collect, cpuEngine, Oracle, tinyModel } from './helpers.js';

function maxDifference(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  return a.reduce((worst, value, i) => Math.max(worst, Math.abs(value - b[i])), 0);
}

function randomFile(seed: number, withLogits = true): StateFile {
  const prng = new Prng(seed);
  const hex = () => Array.from({ length: 64 }, () => Math.floor(prng.nextFloat() * 16).toString(16)).join('');
  const floats = (count: number) => Float32Array.from({ length: count }, () => (prng.nextFloat() - 0.5) * 1e3);
  return {
    identity: { specHash: hex(), modelId: hex() },
    model: { name: 'módel.bin', generation: '5.2', nLayer: 2, nEmbed: 8, nVocab: 16, nHead: 2, headSize: 4, nFfn: 32 },
    tokens: Uint32Array.from({ length: 7 }, () => prng.nextUint32()),
    logits: withLogits ? floats(16) : undefined,
    state: { layoutVersion: STATE_LAYOUT_VERSION, data: floats(2 * (2 * 8 + 2 * 4 * 4)) },
  };
}

describe('state file layout', () => {
  test('fields sit at the documented offsets, little-endian', () => {
    const file = randomFile(1);
    const bytes = encodeStateFile(file);
    const view = new DataView(bytes.buffer);
    const description = JSON.stringify(file.model);
    const descriptionBytes = new TextEncoder().encode(description).length;
    const body = 96 + Math.ceil(descriptionBytes / 4) * 4;
    expect(STATE_FILE_HEADER_BYTES).toBe(96);
    expect(String.fromCharCode(...bytes.subarray(0, 8))).toBe('RWKVSTAT');
    expect([8, 12].map((at) => view.getUint32(at, true))).toEqual([1, STATE_LAYOUT_VERSION]);
    const hex = (from: number) => Buffer.from(bytes.subarray(from, from + 32)).toString('hex');
    expect([hex(16), hex(48)]).toEqual([file.identity.specHash, file.identity.modelId]);
    expect([80, 84, 88, 92].map((at) => view.getUint32(at, true))).toEqual([descriptionBytes, 7, 16, 96]);
    expect(new TextDecoder().decode(bytes.subarray(96, 96 + descriptionBytes))).toBe(description);
    expect(bytes.subarray(96 + descriptionBytes, body).every((byte) => byte === 0)).toBe(true);
    expect(Array.from({ length: 7 }, (_, i) => view.getUint32(body + 4 * i, true))).toEqual([...file.tokens]);
    const logitsAt = body + 28;
    expect(Float32Array.from({ length: 16 }, (_, i) => view.getFloat32(logitsAt + 4 * i, true))).toEqual(file.logits);
    const stateAt = logitsAt + 64;
    expect(Float32Array.from({ length: 96 }, (_, i) => view.getFloat32(stateAt + 4 * i, true))).toEqual(
      file.state.data,
    );
    expect(bytes.length).toBe(stateAt + 384);
  });

  test('decode(encode(file)) gives the file back, with and without logits', () => {
    for (const withLogits of [true, false]) {
      const file = randomFile(2, withLogits);
      expect(decodeStateFile(encodeStateFile(file))).toEqual(file);
    }
  });

  test('malformed files are refused with StateFormatError', () => {
    const bytes = encodeStateFile(randomFile(3));
    const changed = (at: number, value: number) => {
      const copy = bytes.slice();
      new DataView(copy.buffer).setUint32(at, value, true);
      return copy;
    };
    const cases: [Uint8Array, RegExp][] = [
      [bytes.subarray(0, 50), /Not an rwkv-webgpu state file/],
      [
        new TextEncoder().encode(
          'PK\x03\x04 and then a zip file, long enough for a header............................',
        ),
        /RWKVSTAT/,
      ],
      [changed(8, 2), /format version 2/],
      [changed(12, 9), /layout version 9/],
      [bytes.subarray(0, bytes.length - 4), /Truncated or corrupt/],
      [changed(84, 2 ** 31), /Truncated or corrupt/],
      [changed(88, 3).subarray(0, bytes.length - 52), /3 logits for a vocabulary of 16/],
    ];
    for (const [input, message] of cases) {
      expect(() => decodeStateFile(input)).toThrow(StateFormatError);
      expect(() => decodeStateFile(input)).toThrow(message);
    }
    const badJson = bytes.slice();
    badJson[96] = 0xff;
    expect(() => decodeStateFile(badJson)).toThrow(/not UTF-8 JSON/);
  });
});

describe('exportStateBlob → importState', () => {
  const model = tinyModel('5.2', 11);
  const prompt = 'A state file keeps';

  test('a new engine continues exactly: same logits, same seeded tokens as never having stopped', async () => {
    const first = await cpuEngine(model);
    const session = await first.createSession();
    await session.prefill(prompt);
    const generated = (await collect(session.generate({ seed: 5, maxTokens: 6 }))).map((t) => t.token);
    const blob = await session.exportStateBlob();
    const logits = await session.logits();
    const continuation = await collect(session.generate({ seed: 9, maxTokens: 12, topK: 40 }));
    await first.dispose();

    const oracle = new Oracle(model);
    const oracleLogits = oracle.feed([...bytesOf(prompt), ...generated]);
    const file = decodeStateFile(new Uint8Array(await blob.arrayBuffer()));
    expect([...file.tokens]).toEqual([...bytesOf(prompt), ...generated]);
    expect(file.state.data.length).toBe(stateSize(model.spec));
    expect(maxDifference(file.state.data, oracle.state.data)).toBeLessThan(1e-4);
    expect(maxDifference(file.logits!, oracleLogits)).toBeLessThan(1e-4);

    const second = await cpuEngine(model);
    expect(second.info.modelId).toBe(file.identity.modelId);
    const restored = await second.importState(blob);
    expect(await restored.logits()).toEqual(logits);
    expect(await collect(restored.generate({ seed: 9, maxTokens: 12, topK: 40 }))).toEqual(continuation);
    await expect(second.importState(new Uint8Array(10))).rejects.toThrow(StateFormatError);
    await second.dispose();
  });

  test('a session that has read nothing exports without logits and imports as fresh', async () => {
    const engine = await cpuEngine(model);
    const fresh = await engine.createSession();
    const bytes = new Uint8Array(await (await fresh.exportStateBlob()).arrayBuffer());
    expect(new DataView(bytes.buffer).getUint32(88, true)).toBe(0);
    const restored = await engine.importState(bytes.buffer);
    await expect(restored.logits()).rejects.toThrow(/prefill/);
    await restored.prefill(prompt);
    expect(maxDifference(await restored.logits(), new Oracle(model).feed(bytesOf(prompt)))).toBeLessThan(1e-4);
    await engine.dispose();
  });
});
