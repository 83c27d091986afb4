/** Format sniffing and dispatch in loadCanonicalModel. */
import { describe, expect, test } from 'vitest';
import { loadCanonicalModel, sniffModelFormat } from '../../src/formats/load.js';
import { chunked, expectFormatError, modelFile, smallModel } from './helpers.js';

const ascii = (text: string) => new TextEncoder().encode(text);

/** A safetensors file starts with its JSON header's length (u64 LE), then the JSON. */
function safetensorsHead(): Uint8Array {
  const json = ascii('{"__metadata__":{}}');
  const head = new Uint8Array(8 + json.length);
  new DataView(head.buffer).setBigUint64(0, BigInt(json.length), true);
  head.set(json, 8);
  return head;
}

describe('sniffModelFormat', () => {
  test.each([
    ['rwkv-cpp', new Uint8Array([0x66, 0x6d, 0x67, 0x67, 0x65, 0, 0, 0])],
    ['gguf', ascii('GGUF\x03\x00\x00\x00')],
    ['safetensors', safetensorsHead()],
    ['pytorch-zip', new Uint8Array([0x50, 0x4b, 0x03, 0x04, 0x14, 0])],
    ['pytorch-pickle', new Uint8Array([0x80, 0x02, 0x8a, 0x0a])],
  ])('%s', (format, head) => {
    expect(sniffModelFormat(head)).toBe(format);
  });

  test('unknown bytes', () => {
    expect(sniffModelFormat(ascii('hello world, not a model'))).toBeUndefined();
    expect(sniffModelFormat(new Uint8Array(0))).toBeUndefined();
  });
});

describe('loadCanonicalModel', () => {
  test('loads an rwkv.cpp file from a buffer and from a stream whose first chunk is shorter than the magic', async () => {
    const model = smallModel('5.2');
    const bytes = modelFile(model, 'f32');
    expect((await loadCanonicalModel(bytes)).spec).toEqual(model.spec);
    expect((await loadCanonicalModel(chunked(bytes, 2))).spec).toEqual(model.spec);
  });

  test('names formats that are recognized but not implemented (and a GGUF cut short)', async () => {
    await expectFormatError(
      loadCanonicalModel(ascii('GGUF\x03\x00\x00\x00rest')),
      /truncated file: GGUF: the tensor count/,
    );
    await expectFormatError(
      loadCanonicalModel(new Uint8Array([0x80, 0x02, 0x8a, 0x0a, 0, 0])),
      /legacy PyTorch \.pth \(pickle\) files are not supported yet/,
    );
  });

  test('rejects unknown and empty files, showing the first bytes', async () => {
    await expectFormatError(
      loadCanonicalModel(ascii('<!DOCTYPE html>')),
      /unrecognized model file format \(first bytes: 3c 21 44 4f 43 54 59 50\)/,
    );
    await expectFormatError(loadCanonicalModel(chunked(new Uint8Array(0), 4)), /first bytes: none, the file is empty/);
  });
});
