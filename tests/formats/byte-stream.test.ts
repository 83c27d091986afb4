/** ByteStreamReader: exact reads across chunk boundaries, peeking, truncation, bounded allocation, closing. */
import { describe, expect, test } from 'vitest';
import { ByteStreamReader } from '../../src/formats/byte-stream.js';
import { chunked } from './helpers.js';

const BYTES = Uint8Array.from({ length: 100 }, (_, i) => (i * 37) & 0xff);

describe.each([1, 3, 7, 64, 100, 4096])('chunks of %i bytes', (chunkSize) => {
  test('reads exact spans, peeks without consuming, ends cleanly', async () => {
    const reader = new ByteStreamReader(chunked(BYTES, chunkSize));
    expect([...(await reader.peek(10))]).toEqual([...BYTES.subarray(0, 10)]);
    expect([...(await reader.read(5))]).toEqual([...BYTES.subarray(0, 5)]);
    expect([...(await reader.peek(3))]).toEqual([...BYTES.subarray(5, 8)]);
    expect([...(await reader.read(0))]).toEqual([]);
    const middle = await reader.read(60);
    expect(middle.byteOffset).toBe(0);
    expect([...middle]).toEqual([...BYTES.subarray(5, 65)]);
    expect(reader.position).toBe(65);
    expect(await reader.atEnd()).toBe(false);
    const rest = await reader.read(50);
    expect([...rest]).toEqual([...BYTES.subarray(65)]);
    expect(await reader.atEnd()).toBe(true);
    expect((await reader.read(4)).length).toBe(0);
  });
});

describe('a Uint8Array source', () => {
  test('knows its length and returns copies', async () => {
    const source = BYTES.slice();
    const reader = new ByteStreamReader(source);
    expect(reader.remainingKnown).toBe(100);
    const first = await reader.read(10);
    first[0] = 255;
    expect(source[0]).toBe(BYTES[0]);
    expect(reader.remainingKnown).toBe(90);
    expect((await reader.peek(200)).length).toBe(90);
  });
});

test('peek at the end of a short stream returns what there is', async () => {
  const reader = new ByteStreamReader(chunked(BYTES.subarray(0, 5), 2));
  expect([...(await reader.peek(16))]).toEqual([...BYTES.subarray(0, 5)]);
  expect([...(await reader.read(16))]).toEqual([...BYTES.subarray(0, 5)]);
});

test('a huge read on a short stream allocates only what arrives', async () => {
  const reader = new ByteStreamReader(chunked(BYTES, 10));
  const bytes = await reader.read(2 ** 40);
  expect(bytes.length).toBe(100);
  expect(reader.position).toBe(100);
});

test('empty chunks are skipped', async () => {
  async function* withEmpties(): AsyncGenerator<Uint8Array> {
    yield new Uint8Array(0);
    yield BYTES.subarray(0, 3);
    yield new Uint8Array(0);
    yield BYTES.subarray(3, 6);
  }
  const reader = new ByteStreamReader(withEmpties());
  expect([...(await reader.read(6))]).toEqual([...BYTES.subarray(0, 6)]);
  expect(await reader.atEnd()).toBe(true);
});

test('a chunk that is not a Uint8Array is a TypeError', async () => {
  async function* strings(): AsyncGenerator<unknown> {
    yield 'not bytes';
  }
  const reader = new ByteStreamReader(strings() as AsyncIterable<Uint8Array>);
  await expect(reader.read(1)).rejects.toThrow(TypeError);
});

test('close() ends the source iterator', async () => {
  let finished = false;
  async function* source(): AsyncGenerator<Uint8Array> {
    try {
      for (;;) yield BYTES;
    } finally {
      finished = true;
    }
  }
  const reader = new ByteStreamReader(source());
  await reader.read(150);
  await reader.close();
  expect(finished).toBe(true);
  expect(await reader.atEnd()).toBe(true);
});
