/**
 * Saved-session state files through `engine.importState` (the path of an exported file dropped back into a page;
 * checkpoints and the prefix cache decode the same bytes), on an in-thread CPU engine of a seeded synthetic model.
 * A state that is accepted must then give a session that generates. Seeds: a fresh session and sessions that have
 * read a prompt, of a v5.2 and a v7 model. Mutations: header counts set to extreme values or shifted between
 * sections (the total length still right), the model description rewritten, token ids out of the vocabulary, the
 * model identity changed, truncations and byte flips.
 */
import { createEngine } from '../../../src/engine/engine.js';
import type { Engine } from '../../../src/engine/engine.js';
import { StateFormatError, StateMismatchError } from '../../../src/storage/state-errors.js';
import { collect, modelBytes, tinyModel } from '../../engine/helpers.js';
import {
  below,
  byteMutation,
  extremeField,
  extremeValue,
  flipBytes,
  pick,
  withInteger,
  type Mutant,
  type Random,
} from '../mutations.js';
import { joinArrays } from '../../../src/formats/join-arrays.js';
import type { FuzzTarget } from '../target.js';

/** docs/state-format.md: the header's fields. */
const HEADER_BYTES = 96;
const FIELDS: ReadonlyArray<[number, string]> = [
  [8, 'format version'],
  [12, 'layout version'],
  [80, 'description length'],
  [84, 'token count'],
  [88, 'logit count'],
  [92, 'state float count'],
];

interface StateSeed {
  name: string;
  engine: Engine;
  prompt: string;
  bytes: Uint8Array;
}

const u32 = (bytes: Uint8Array, at: number): number => new DataView(bytes.buffer, bytes.byteOffset).getUint32(at, true);

/** Moves `k` 4-byte words from one section's count to another's: the file length still matches the header. */
function shiftCounts(random: Random, bytes: Uint8Array): Mutant {
  const [from, to] = [84, 88, 92].sort(() => random() - 0.5);
  const k = pick(random, [1, 2, 3, 64, u32(bytes, from)]);
  if (u32(bytes, from) < k) return { input: bytes, mutation: 'unchanged' };
  const moved = withInteger(withInteger(bytes, from, 32, u32(bytes, from) - k), to, 32, u32(bytes, to) + k);
  return { input: moved, mutation: `${k} words moved from the count at ${from} to the one at ${to}` };
}

/** The model description replaced by another JSON value, the description length and padding kept consistent. */
function rewriteDescription(random: Random, bytes: Uint8Array): Mutant {
  const length = u32(bytes, 80);
  const description = JSON.parse(
    new TextDecoder().decode(bytes.subarray(HEADER_BYTES, HEADER_BYTES + length)),
  ) as Record<string, unknown>;
  const field = pick(random, Object.keys(description));
  const value = pick(random, [-1, 0, 1.5, 2 ** 31, 1e300, '7', null, [], {}, undefined]);
  if (value === undefined) delete description[field];
  else description[field] = value;
  const json = new TextEncoder().encode(random() < 0.1 ? '[1,2' : JSON.stringify(description));
  const padded = new Uint8Array(Math.ceil(json.length / 4) * 4);
  padded.set(json);
  const body = bytes.subarray(HEADER_BYTES + Math.ceil(length / 4) * 4);
  const header = withInteger(bytes.subarray(0, HEADER_BYTES), 80, 32, json.length);
  return {
    input: joinArrays([header, padded, body], Uint8Array),
    mutation: `description ${field} = ${JSON.stringify(value)}`,
  };
}

function mutateState(random: Random, seed: StateSeed): Mutant {
  const { bytes } = seed;
  const roll = random();
  if (roll < 0.2) {
    const [offset, what] = pick(random, FIELDS);
    return extremeField(random, bytes, offset, 32, what);
  }
  if (roll < 0.35) return shiftCounts(random, bytes);
  if (roll < 0.5) return rewriteDescription(random, bytes);
  const tokens = u32(bytes, 84);
  if (roll < 0.6 && tokens > 0) {
    const at = HEADER_BYTES + Math.ceil(u32(bytes, 80) / 4) * 4 + 4 * below(random, tokens);
    const value = pick(random, [256, 257, 2 ** 31, 2 ** 32 - 1, extremeValue(random, 32, bytes.length)]);
    return { input: withInteger(bytes, at, 32, value), mutation: `token at ${at} = ${value}` };
  }
  if (roll < 0.7) {
    const mutant = flipBytes(random, bytes, 16, 80);
    return { input: mutant.input, mutation: `model identity: ${mutant.mutation}` };
  }
  return byteMutation(random, bytes, [8, 16, 80, HEADER_BYTES]);
}

/**
 * Imports the state and, when it is accepted, generates a token from it with a presence penalty over its history
 * (a session saved before reading anything reads a token first).
 */
async function importAndGenerate(seed: StateSeed, bytes: Uint8Array): Promise<void> {
  const session = await seed.engine.importState(bytes);
  try {
    if (seed.prompt === '') await session.prefill('.');
    await collect(session.generate({ maxTokens: 1, temperature: 0, presencePenalty: 0.5 }));
  } finally {
    await session.dispose();
  }
}

export async function stateFileTargets(): Promise<FuzzTarget> {
  const seeds: StateSeed[] = [];
  const engines: Engine[] = [];
  for (const [i, generation] of (['5.2', '7'] as const).entries()) {
    const engine = await createEngine({
      model: modelBytes(tinyModel(generation, 21 + i)),
      backend: 'cpu',
      worker: false,
    });
    engines.push(engine);
    for (const prompt of ['', 'a', 'The state of a session.']) {
      const session = await engine.createSession();
      if (prompt) await session.prefill(prompt);
      const bytes = new Uint8Array(await (await session.exportStateBlob()).arrayBuffer());
      await session.dispose();
      seeds.push({ name: `v${generation} after ${JSON.stringify(prompt)}`, engine, prompt, bytes });
    }
  }
  return {
    format: 'state file',
    refusals: [StateFormatError, StateMismatchError],
    allowance: { perInputByte: 4, fixedBytes: 1 << 20 },
    nextCase(random) {
      const seed = pick(random, seeds);
      const { input, mutation } = mutateState(random, seed);
      return { seed: seed.name, mutation, inputBytes: input.length, run: () => importAndGenerate(seed, input) };
    },
    async close() {
      await Promise.all(engines.map((engine) => engine.dispose()));
    },
  };
}
