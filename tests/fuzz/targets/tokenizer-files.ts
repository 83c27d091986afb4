/**
 * Tokenizer files through the engine's tokenizer loader (`loadTokenizer`: the asset's bytes decoded as text, the
 * tokenizer built, its fit with the model's vocabulary checked). A tokenizer that builds must still be one: every
 * sample text decodes back from its tokens exactly. Seeds: a small World vocabulary and a small Pile 20B (BPE)
 * JSON written here, plus the real files when the fixtures are present. Mutations: World lines dropped, repeated,
 * given extreme ids or lengths or broken literals; JSON values deleted, retyped, set to extreme values or repeated;
 * truncations and byte flips.
 */
import { existsSync } from 'node:fs';
import { ModelFormatError, TokenizerMismatchError } from '../../../src/errors.js';
import { BYTE_TO_CHAR } from '../../../src/tokenizer/byte-level.js';
import { loadTokenizer } from '../../../src/worker/tokenizer-loader.js';
import { fixturePath, fixturesPresent, readFixture } from '../../fixtures.js';
import { below, byteMutation, pick, type Mutant, type Random } from '../mutations.js';
import type { FuzzTarget } from '../target.js';

const SAMPLES = ['The quick brown fox, the end.', 'théâtre 你好 🎉\n\tx', '<|endoftext|> tokens\r\n'];
const WORLD_VOCAB_SIZE = 65536;
/** Share of cases drawn from the real files (65536 and 50277 tokens: 50–200 ms to build, the small seeds < 1 ms). */
const FIXTURE_SHARE = 0.02;

interface TokenizerSeed {
  name: string;
  kind: 'world' | 'pile20b';
  text: string;
  nVocab: number;
}

/** A World vocabulary: every byte, then multi-byte tokens as str and bytes literals. */
function worldSeed(): TokenizerSeed {
  const lines: string[] = [];
  for (let byte = 0; byte < 256; byte++) {
    const printable = byte >= 0x20 && byte < 0x7f && byte !== 0x27 && byte !== 0x5c;
    lines.push(
      `${byte + 1} ${printable ? `'${String.fromCharCode(byte)}'` : `b'\\x${byte.toString(16).padStart(2, '0')}'`} 1`,
    );
  }
  const words = ['th', 'the', ' the', 'qu', 'ick', ' brown', 'fox', "\\'s", '\\n\\t', '你好', 'é'];
  words.forEach((word, i) => {
    const bytes = new TextEncoder().encode(word.replace(/\\n/g, '\n').replace(/\\t/g, '\t').replace(/\\'/g, "'"));
    lines.push(`${257 + i} '${word}' ${bytes.length}`);
  });
  lines.push(`${257 + words.length} b'\\xe4\\xbd' 2`);
  return { name: 'small World vocabulary', kind: 'world', text: lines.join('\n') + '\n', nVocab: WORLD_VOCAB_SIZE };
}

/** A Pile 20B tokenizer.json: the byte-level alphabet, a few merges and two added tokens. */
function pileSeed(): TokenizerSeed {
  const vocab: Record<string, number> = { '<|endoftext|>': 0, '<|padding|>': 1 };
  BYTE_TO_CHAR.forEach((char, byte) => (vocab[char] = 2 + byte));
  const merges = ['t h', 'th e', 'Ġ the', 'Ġ b', 'r o', 'Ġb ro', 'o x'];
  for (const merge of merges) vocab[merge.replace(' ', '')] = Object.keys(vocab).length;
  const json = {
    version: '1.0',
    added_tokens: [
      {
        id: 0,
        content: '<|endoftext|>',
        special: true,
        single_word: false,
        lstrip: false,
        rstrip: false,
        normalized: false,
      },
      {
        id: 1,
        content: '<|padding|>',
        special: true,
        single_word: false,
        lstrip: false,
        rstrip: false,
        normalized: false,
      },
    ],
    normalizer: { type: 'NFC' },
    pre_tokenizer: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true },
    decoder: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true },
    model: { type: 'BPE', dropout: null, unk_token: null, vocab, merges },
  };
  const nVocab = Object.keys(vocab).length;
  return { name: 'small Pile 20B tokenizer', kind: 'pile20b', text: JSON.stringify(json), nVocab };
}

function fixtureSeeds(): TokenizerSeed[] {
  const seeds: TokenizerSeed[] = [];
  if (!fixturesPresent) return seeds;
  if (existsSync(fixturePath('tokenizers', 'rwkv_vocab_v20230424.txt'))) {
    const text = new TextDecoder().decode(readFixture('tokenizers', 'rwkv_vocab_v20230424.txt'));
    seeds.push({ name: 'rwkv_vocab_v20230424.txt', kind: 'world', text, nVocab: WORLD_VOCAB_SIZE });
  }
  if (existsSync(fixturePath('tokenizers', '20B_tokenizer.json'))) {
    const text = new TextDecoder().decode(readFixture('tokenizers', '20B_tokenizer.json'));
    seeds.push({ name: '20B_tokenizer.json', kind: 'pile20b', text, nVocab: 50277 });
  }
  return seeds;
}

function mutateWorld(random: Random, text: string): { text: string; mutation: string } {
  const lines = text.split('\n');
  const index = below(random, lines.length - 1);
  const [id, ...rest] = lines[index].split(' ');
  const roll = random();
  if (roll < 0.2) {
    lines.splice(index, 1);
    return { text: lines.join('\n'), mutation: `line ${index + 1} removed` };
  }
  if (roll < 0.35) {
    lines.splice(below(random, lines.length), 0, lines[index]);
    return { text: lines.join('\n'), mutation: `line ${index + 1} repeated` };
  }
  if (roll < 0.55) {
    const value = pick(random, ['0', '-1', '65535', '65536', '4294967296', '99999999999999999999999', '', 'x', '1e3']);
    lines[index] = [value, ...rest].join(' ');
    return { text: lines.join('\n'), mutation: `line ${index + 1}: id ${JSON.stringify(value)}` };
  }
  if (roll < 0.7) {
    const value = pick(random, ['0', '2', '65536', '99999999999999999999999', '', '-1']);
    lines[index] = [id, ...rest.slice(0, -1), value].join(' ');
    return { text: lines.join('\n'), mutation: `line ${index + 1}: length ${JSON.stringify(value)}` };
  }
  if (roll < 0.85) {
    const literal = rest.slice(0, -1).join(' ');
    const broken = pick(random, [
      literal.slice(0, -1),
      `${literal.slice(0, -1)}\\'`,
      `b${literal}`,
      `'\\x`,
      `''`,
      `'\\u12'`,
    ]);
    lines[index] = [id, broken, rest[rest.length - 1]].join(' ');
    return { text: lines.join('\n'), mutation: `line ${index + 1}: literal ${broken}` };
  }
  const other = lines[below(random, lines.length - 1)].split(' ');
  lines[index] = [id, ...other.slice(1)].join(' ');
  return { text: lines.join('\n'), mutation: `line ${index + 1}: another line's token` };
}

const EXTREME_JSON: readonly unknown[] = [
  -1,
  0,
  1.5,
  1e6,
  2 ** 31,
  2 ** 32 - 2,
  2 ** 32,
  1e300,
  '',
  'x',
  null,
  true,
  [],
  {},
  [['a', 'b']],
];

/** A random value inside a JSON document deleted, replaced by an extreme one, or (in an array) repeated. */
function mutateJson(random: Random, text: string): { text: string; mutation: string } {
  const root = JSON.parse(text) as Record<string, unknown>;
  let parent: Record<string | number, unknown> = root;
  let key: string | number = pick(random, Object.keys(root));
  const path: Array<string | number> = [key];
  for (let depth = 0; depth < 4 && random() < 0.75; depth++) {
    const child: unknown = parent[key];
    if (typeof child !== 'object' || child === null) break;
    const keys: Array<string | number> = Array.isArray(child) ? child.map((_, i) => i) : Object.keys(child);
    if (keys.length === 0) break;
    parent = child as Record<string | number, unknown>;
    key = pick(random, keys);
    path.push(key);
  }
  const roll = random();
  let action: string;
  if (roll < 0.3 && !Array.isArray(parent)) {
    delete parent[key];
    action = 'deleted';
  } else if (roll < 0.45 && Array.isArray(parent)) {
    parent.splice(below(random, parent.length + 1), 0, parent[key as number]);
    action = 'repeated';
  } else {
    const value = pick(random, EXTREME_JSON);
    parent[key] = value;
    action = `= ${JSON.stringify(value)}`;
  }
  return { text: JSON.stringify(root), mutation: `${path.join('.')} ${action}` };
}

function mutateTokenizer(random: Random, seed: TokenizerSeed): Mutant<string> {
  if (random() < 0.65) {
    const { text, mutation } = seed.kind === 'world' ? mutateWorld(random, seed.text) : mutateJson(random, seed.text);
    return { input: text, mutation };
  }
  const { input, mutation } = byteMutation(random, new TextEncoder().encode(seed.text));
  return { input: new TextDecoder().decode(input), mutation };
}

/** Loads the tokenizer as the engine does; once built, every sample must decode back from its tokens. */
async function loadAndRoundTrip(seed: TokenizerSeed, asset: Uint8Array): Promise<void> {
  const tokenizer = await loadTokenizer(seed.nVocab, seed.kind, asset);
  for (const sample of SAMPLES) {
    const ids = tokenizer.encode(sample);
    const decoded = tokenizer.decode(ids);
    if (decoded !== sample) {
      throw new Error(
        `a tokenizer that loaded does not round-trip ${JSON.stringify(sample)}: ${JSON.stringify(decoded)}`,
      );
    }
  }
}

export function tokenizerFileTargets(): FuzzTarget[] {
  const fixtures = fixtureSeeds();
  return [worldSeed(), pileSeed()].map((seed) => {
    const rare = fixtures.filter((fixture) => fixture.kind === seed.kind);
    return {
      format: seed.kind === 'world' ? 'World vocabulary' : 'Pile 20B tokenizer.json',
      refusals: [ModelFormatError, TokenizerMismatchError],
      // The World tokenizer's tables are sized by the vocabulary (65536 ids), not by the file.
      allowance: { perInputByte: 8, fixedBytes: 2 << 20 },
      nextCase(random) {
        const chosen = rare.length > 0 && random() < FIXTURE_SHARE ? pick(random, rare) : seed;
        const { input, mutation } = mutateTokenizer(random, chosen);
        const asset = new TextEncoder().encode(input);
        return {
          seed: chosen.name,
          mutation,
          inputBytes: asset.length,
          run: () => loadAndRoundTrip(chosen, asset),
        };
      },
    };
  });
}
