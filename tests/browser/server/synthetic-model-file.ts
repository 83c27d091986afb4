/**
 * The bytes of a synthetic model (src/generations/synthetic.ts) as an rwkv.cpp `.bin` file written with
 * src/formats/rwkv-cpp/writer.ts: matrices in the setup's type, every other tensor f32 (as rwkv.cpp's converter
 * writes them). `syntheticModelParts` gives the file in pieces — the header, then one record at a time — so that a
 * page can build a large File from them without holding it whole; the test server joins them once per setup.
 */
import { joinArrays } from '../../../src/formats/join-arrays.js';
import { tensorRecord, writeRwkvCpp } from '../../../src/formats/rwkv-cpp/writer.js';
import { syntheticModelSpec, syntheticTensors } from '../../../src/generations/synthetic.js';
import type { ModelFileSetup } from './protocol.js';

/** The file's bytes in order: its 24-byte header, then each record. */
export function* syntheticModelParts(setup: ModelFileSetup): Generator<Uint8Array<ArrayBuffer>> {
  const { nVocab, nEmbed, nLayer } = syntheticModelSpec(setup.model);
  const header = { version: 100, nVocab, nEmbed, nLayer, dataType: setup.dataType };
  const headerBytes = writeRwkvCpp(header, []);
  yield new Uint8Array(headerBytes);
  for (const tensor of syntheticTensors(setup.model)) {
    const record = tensorRecord(tensor, tensor.shape.length === 2 ? setup.dataType : 'f32');
    yield new Uint8Array(writeRwkvCpp(header, [record]).subarray(headerBytes.length));
  }
}

/** The whole file. */
export function syntheticModelFile(setup: ModelFileSetup): Uint8Array<ArrayBuffer> {
  return joinArrays([...syntheticModelParts(setup)], Uint8Array);
}
