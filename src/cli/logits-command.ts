/**
 * `rwkv-webgpu logits`: tokenizes a file, runs the model from a fresh state N tokens at a time and writes
 * n_tokens × n_vocab little-endian f32 logits (row t = logits after tokens 0..t).
 */
import { readFile, writeFile } from 'node:fs/promises';
import { assertTokenizerFits } from '../tokenizer/index.js';
import { parseFlags, positiveInteger } from './args.js';
import { openCpuLogitsBackend } from './cpu-logits-backend.js';
import { openReferenceLogitsBackend } from './reference-logits-backend.js';
import type { LogitsBackend } from './logits-backend.js';
import { loraOptions, parseLoraFlag } from './lora-flag.js';
import type { LoraFlagEntry } from './lora-flag.js';
import { assertReadable } from './model-file.js';
import { resolveTokenizer, TOKENIZER_CHOICES } from './tokenizer-option.js';
import { openWebGpuLogitsBackend } from './webgpu-logits-backend.js';
import type { WeightQuantization } from '../quantize/load-time-formats.js';
import { WEIGHT_QUANTIZATIONS } from '../engine/engine.js';

const BACKENDS: Readonly<
  Record<
    string,
    (modelPath: string, quantize: WeightQuantization, lora: readonly LoraFlagEntry[]) => Promise<LogitsBackend>
  >
> = {
  cpu: async (modelPath, quantize, lora) => openCpuLogitsBackend(modelPath, quantize, await loraOptions(lora)),
  reference: async (modelPath, quantize, lora) =>
    openReferenceLogitsBackend(modelPath, quantize, await loraOptions(lora)),
  webgpu: openWebGpuLogitsBackend,
};

export async function logitsCommand(argv: string[]): Promise<void> {
  const flags = parseFlags(argv, {
    model: { required: true },
    input: { required: true },
    out: { required: true },
    backend: { default: 'cpu', choices: Object.keys(BACKENDS) },
    chunk: { default: '1' },
    quantize: { default: 'none', choices: WEIGHT_QUANTIZATIONS },
    tokenizer: { default: 'auto', choices: TOKENIZER_CHOICES },
    vocab: {},
    lora: {},
  });
  const chunk = positiveInteger('chunk', flags.chunk);
  await assertReadable(flags.input!, 'input file');
  const backend = await BACKENDS[flags.backend!](
    flags.model!,
    flags.quantize as WeightQuantization,
    await parseLoraFlag(flags.lora),
  );
  try {
    const tokenizer = await resolveTokenizer(flags.tokenizer!, flags.vocab, backend.nVocab);
    assertTokenizerFits(tokenizer, backend.nVocab);
    const input = await readFile(flags.input!);
    const ids = tokenizer.kind === 'bytes' ? Array.from(input) : tokenizer.encode(input.toString('utf8'));
    const logits = await backend.allLogits(Uint32Array.from(ids), chunk);
    await writeFile(flags.out!, new Uint8Array(logits.buffer, logits.byteOffset, logits.byteLength));
  } finally {
    await backend.close();
  }
}
