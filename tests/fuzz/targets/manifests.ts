/**
 * Model-store manifests as IndexedDB hands them back (any structured-clone value) through `readManifest`, the check
 * every read of a manifest goes through (src/storage/database.ts). A manifest that passes must be consistent: its
 * stored bytes within the file, every listed chunk a non-empty span inside it, its missing chunks among the listed.
 * Seeds: a complete and a partial manifest of a multi-chunk model, with and without validators and missing chunks.
 * Mutations: a field deleted, retyped or set to an extreme value; chunk hashes added, dropped or corrupted; the whole
 * record replaced by something else.
 */
import { ModelIntegrityError } from '../../../src/storage/errors.js';
import { chunkSpan } from '../../../src/storage/layout.js';
import { describeManifest, newManifest, readManifest } from '../../../src/storage/manifest.js';
import type { ModelManifest } from '../../../src/storage/manifest.js';
import { below, pick, type Random } from '../mutations.js';
import type { FuzzTarget } from '../target.js';

const ID = 'https://example.org/model.pth';
const hash = (i: number): string => (i.toString(16) + 'a'.repeat(64)).slice(0, 64);

function seedManifests(): Array<{ name: string; manifest: ModelManifest }> {
  const complete = newManifest(ID, { kind: 'url', url: ID }, 5 * 4096 + 100, 4096, { etag: '"v1"' }, 1000);
  complete.chunkHashes = Array.from({ length: complete.chunkCount }, (_, i) => hash(i));
  complete.status = 'complete';
  const partial = newManifest(ID, { kind: 'blob', name: 'model.bin' }, 10 * 64, 64, {}, 2000);
  partial.chunkHashes = [hash(1), hash(2), hash(3)];
  return [
    { name: 'complete', manifest: complete },
    { name: 'complete, chunk 2 missing', manifest: { ...complete, missingChunks: [2], format: 'pytorch-zip' } },
    { name: 'partial', manifest: partial },
  ];
}

const EXTREMES: readonly unknown[] = [
  undefined,
  null,
  -1,
  0,
  1,
  63,
  64,
  1.5,
  NaN,
  Infinity,
  2 ** 53,
  1e300,
  '',
  '12',
  'complete',
  [],
  [0, 0],
  [5, 1],
  [99],
  {},
  { kind: 'url' },
  { kind: 'blob', name: 1 },
  true,
];

function mutateManifest(random: Random, manifest: ModelManifest): { input: unknown; mutation: string } {
  const roll = random();
  if (roll < 0.05) {
    const value = pick(random, EXTREMES);
    return { input: value, mutation: `the record is ${JSON.stringify(value)}` };
  }
  const copy = structuredClone(manifest) as unknown as Record<string, unknown>;
  if (roll < 0.3) {
    const hashes = copy.chunkHashes as string[];
    const i = below(random, hashes.length + 1);
    const action = pick(random, ['added', 'dropped', 'corrupted']);
    if (action === 'added') hashes.splice(i, 0, hash(77));
    else if (action === 'dropped') hashes.splice(i, 1);
    else hashes[Math.min(i, hashes.length - 1)] = pick(random, ['', 'XYZ', hash(3).toUpperCase(), hash(3) + '0']);
    return { input: copy, mutation: `a chunk hash ${action} at ${i}` };
  }
  const field = pick(random, [...Object.keys(copy), 'missingChunks', 'sha256', 'source']);
  const value = pick(random, EXTREMES);
  if (value === undefined) delete copy[field];
  else copy[field] = value;
  return { input: copy, mutation: `${field} = ${JSON.stringify(value)}` };
}

/** What every manifest that passes must satisfy for the reader's arithmetic to stay inside the file. */
function assertConsistent(manifest: ModelManifest): void {
  const info = describeManifest(manifest);
  if (!(info.storedBytes >= 0 && info.storedBytes <= manifest.bytes)) {
    throw new Error(`stored bytes ${info.storedBytes} outside 0..${manifest.bytes}`);
  }
  manifest.chunkHashes.forEach((_, index) => {
    const { start, end } = chunkSpan(index, manifest.chunkSize, manifest.bytes);
    if (!(start >= 0 && end > start && end <= manifest.bytes)) throw new Error(`chunk ${index} spans ${start}..${end}`);
  });
  if (info.complete && manifest.chunkHashes.length !== manifest.chunkCount)
    throw new Error('complete with chunks unlisted');
}

export function manifestTarget(): FuzzTarget {
  const seeds = seedManifests();
  return {
    format: 'store manifest',
    refusals: [ModelIntegrityError],
    allowance: { perInputByte: 4, fixedBytes: 64 << 10 },
    nextCase(random) {
      const seed = pick(random, seeds);
      const { input, mutation } = mutateManifest(random, seed.manifest);
      return {
        seed: seed.name,
        mutation,
        inputBytes: JSON.stringify(input ?? null)?.length ?? 0,
        run: async () => assertConsistent(readManifest(input, ID)),
      };
    },
  };
}
