/**
 * `rwkv-webgpu generate`: streams generated text to stdout, then prints the stats to stderr. `cpu` and `auto` run
 * the engine in this process (Node has no WebGPU, so `auto` falls back to the CPU with a warning); `webgpu` runs it
 * in headless Chromium on the browser's WebGPU adapter.
 */
import { openAsBlob } from 'node:fs';
import type { GenerationStats } from '../protocol/types.js';
import type { BackendChoice } from '../backend/backend.js';
import { finiteNumber, parseFlags, positiveInteger } from './args.js';
import { openRunnerPage } from './browser/runner-page.js';
import { runnerModelOf } from './browser/runner-model.js';
import { runGeneration } from './generate-run.js';
import type { GenerateRun } from './generate-run.js';
import { loraOptions, parseLoraFlag } from './lora-flag.js';
import type { LoraFlagEntry } from './lora-flag.js';
import { assertReadable, modelInputOf } from './model-file.js';
import type { WeightQuantization } from '../quantize/load-time-formats.js';
import { WEIGHT_QUANTIZATIONS } from '../engine/engine.js';

function formatStats(stats: GenerationStats): string {
  return (
    `\n--\nprompt ${stats.promptTokens} tokens at ${stats.prefillTokensPerSecond.toFixed(1)} tok/s; ` +
    `generated ${stats.generatedTokens} tokens at ${stats.decodeTokensPerSecond.toFixed(1)} tok/s; ` +
    `time to first token ${stats.timeToFirstTokenMs.toFixed(0)} ms; finish: ${stats.finishReason}\n`
  );
}

async function generateInBrowser(
  run: Omit<GenerateRun, 'model' | 'vocab' | 'lora' | 'state'>,
  modelPath: string,
  lora: readonly LoraFlagEntry[],
  vocab?: string,
  state?: string,
) {
  const { served, model } = await runnerModelOf(modelPath, lora);
  const runner = await openRunnerPage({
    ...served,
    ...(vocab === undefined ? {} : { '/vocab': vocab }),
    ...(state === undefined ? {} : { '/state': state }),
  });
  try {
    await runner.page.exposeFunction('rwkvEmit', (text: string) => process.stdout.write(text));
    return await runner.call('generate', {
      ...run,
      model,
      vocabUrl: vocab === undefined ? undefined : '/vocab',
      stateUrl: state === undefined ? undefined : '/state',
    });
  } finally {
    await runner.close();
  }
}

export async function generateCommand(argv: string[]): Promise<void> {
  const flags = parseFlags(argv, {
    model: { required: true },
    prompt: { required: true },
    'max-tokens': { default: '100' },
    temperature: { default: '1' },
    'top-p': { default: '0.85' },
    seed: {},
    backend: { default: 'auto', choices: ['auto', 'webgpu', 'cpu', 'reference'] },
    quantize: { default: 'none', choices: WEIGHT_QUANTIZATIONS },
    vocab: {},
    lora: {},
    state: {},
  });
  const settings = {
    backend: flags.backend as BackendChoice,
    quantize: flags.quantize as WeightQuantization,
    prompt: flags.prompt!,
    maxTokens: positiveInteger('max-tokens', flags['max-tokens']),
    temperature: finiteNumber('temperature', flags.temperature),
    topP: finiteNumber('top-p', flags['top-p']),
    seed: flags.seed === undefined ? undefined : finiteNumber('seed', flags.seed),
  };
  await assertReadable(flags.model!, 'model file');
  if (flags.vocab !== undefined) await assertReadable(flags.vocab, 'tokenizer file');
  if (flags.state !== undefined) await assertReadable(flags.state, 'state-tuning file');
  const lora = await parseLoraFlag(flags.lora);
  const stats =
    settings.backend === 'webgpu'
      ? await generateInBrowser(settings, flags.model!, lora, flags.vocab, flags.state)
      : await runGeneration(
          {
            ...settings,
            model: await modelInputOf(flags.model!),
            lora: await loraOptions(lora),
            vocab: flags.vocab === undefined ? undefined : await openAsBlob(flags.vocab),
            state: flags.state === undefined ? undefined : await openAsBlob(flags.state),
          },
          (text) => process.stdout.write(text),
          (message) => process.stderr.write(`warning: ${message}\n`),
        );
  process.stderr.write(formatStats(stats));
}
