/**
 * `rwkv-webgpu generate --state FILE` starts the session from a state-tuning file's initial state: with a seed, the
 * CLI's text on the CPU and on WebGPU (headless Chromium, one browser run) equals the text of an engine in this
 * process that loaded the same file (engine.loadState), and differs from the text without the state.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { createEngine } from '../../src/engine/engine.js';
import { modelBytes, tinyModel } from '../engine/helpers.js';
import { timeStateTensors } from '../helpers/state-tuning-files.js';
import { writeSafetensors } from '../helpers/write-safetensors.js';
import { runCli } from './run-cli.js';

const workDir = mkdtempSync(join(tmpdir(), 'rwkv-cli-state-'));
const model = tinyModel('7', 44);
const modelFile = join(workDir, 'model.bin');
writeFileSync(modelFile, modelBytes(model));
const state = writeSafetensors(timeStateTensors(model.spec, 5));
const stateFile = join(workDir, 'persona.safetensors');
writeFileSync(stateFile, state);
const PROMPT = 'Hello';
const SAMPLING = { maxTokens: 12, temperature: 1, topP: 0.85, seed: 3 };

async function textInProcess(withState: boolean): Promise<string> {
  const engine = await createEngine({ model: modelBytes(model), backend: 'cpu', worker: false });
  if (withState) await engine.loadState(state, { name: 'persona' });
  const session = await engine.createSession(withState ? { state: 'persona' } : {});
  await session.prefill(PROMPT);
  let text = '';
  for await (const token of session.generate(SAMPLING)) text += token.text;
  await engine.dispose();
  return text;
}

const args = (backend: string) => [
  ...['generate', '--backend', backend, '--model', modelFile, '--prompt', PROMPT, '--state', stateFile],
  ...['--max-tokens', '12', '--temperature', '1', '--top-p', '0.85', '--seed', '3'],
];

describe('rwkv-webgpu generate --state', () => {
  test.each(['cpu', 'webgpu'])(
    '--backend %s: the text of an engine that loaded the state',
    async (backend) => {
      const expected = await textInProcess(true);
      expect(expected).not.toBe(await textInProcess(false));
      const result = runCli(args(backend));
      expect(result.status, result.stderr).toBe(0);
      expect(result.stdout).toBe(expected);
    },
    180_000,
  );
});
