/**
 * `rwkv-webgpu perplexity`: the perplexity of a model on a text, with the CPU reference forward pass, as read from
 * the file ('none') and after each load-time quantization ('q8', 'q4': the oracle's quantize-then-dequantize mode,
 * the values the GPU holds). Prints one line per quantization with its change against 'none'; --json writes them.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { quantizedAsLoaded } from '../quantize/oracle-weights.js';
import type { WeightQuantization } from '../quantize/load-time-formats.js';
import { createReferenceModel } from '../reference/model.js';
import type { NllResult } from '../reference/nll-accumulator.js';
import { perplexity } from '../reference/perplexity.js';
import { assertTokenizerFits } from '../tokenizer/index.js';
import { parseFlags, positiveInteger, UsageError } from './args.js';
import { assertReadable, loadModelFile } from './model-file.js';
import { resolveTokenizer, TOKENIZER_CHOICES } from './tokenizer-option.js';

const QUANTIZATIONS: readonly WeightQuantization[] = ['none', 'q8', 'q4'];

interface PerplexityLine extends NllResult {
  quantize: WeightQuantization;
  /** Relative change of the perplexity against quantize 'none' (when measured), in percent. */
  changePercent: number | undefined;
}

function parseQuantizations(list: string): WeightQuantization[] {
  const chosen = list.split(',').map((item) => item.trim());
  for (const item of chosen) {
    if (!QUANTIZATIONS.includes(item as WeightQuantization)) {
      throw new UsageError(`--quantize takes a list of ${QUANTIZATIONS.join('|')}, not '${item}'`);
    }
  }
  return chosen as WeightQuantization[];
}

export async function perplexityCommand(argv: string[]): Promise<void> {
  const flags = parseFlags(argv, {
    model: { required: true },
    text: { required: true },
    quantize: { default: QUANTIZATIONS.join(',') },
    chunk: { default: '128' },
    tokenizer: { default: 'auto', choices: TOKENIZER_CHOICES },
    vocab: {},
    json: {},
  });
  const quantizations = parseQuantizations(flags.quantize!);
  const chunk = positiveInteger('chunk', flags.chunk);
  await assertReadable(flags.text!, 'text file');
  const model = await loadModelFile(flags.model!);
  const tokenizer = await resolveTokenizer(flags.tokenizer!, flags.vocab, model.spec.nVocab);
  assertTokenizerFits(tokenizer, model.spec.nVocab);
  const text = await readFile(flags.text!);
  const ids = tokenizer.kind === 'bytes' ? Array.from(text) : tokenizer.encode(text.toString('utf8'));
  const measured = quantizations.map((quantize) => {
    const weights = quantize === 'none' ? model : quantizedAsLoaded(model, { quantize });
    return { quantize, ...perplexity(createReferenceModel(weights), ids, chunk) };
  });
  const base = measured.find((line) => line.quantize === 'none');
  const lines: PerplexityLine[] = measured.map((line) => ({
    ...line,
    changePercent: base === undefined ? undefined : 100 * (line.perplexity / base.perplexity - 1),
  }));
  process.stdout.write(`${ids.length} tokens, ${ids.length - 1} scored\n`);
  for (const line of lines) {
    const change =
      line.changePercent === undefined
        ? ''
        : `  ${line.changePercent >= 0 ? '+' : ''}${line.changePercent.toFixed(2)} %`;
    process.stdout.write(`${line.quantize.padEnd(5)} perplexity ${line.perplexity.toFixed(4)}${change}\n`);
  }
  if (flags.json !== undefined) await writeFile(flags.json, `${JSON.stringify(lines, null, 2)}\n`);
}
