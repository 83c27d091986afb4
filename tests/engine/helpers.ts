/**
 * Shared helpers of the engine tests: tiny synthetic models (src/generations/synthetic.ts) written to rwkv.cpp `.bin`
 * bytes, engines over them (CPU backend, in this thread), chat completions that count the sessions they open, and
 * the CPU oracle's own greedy continuation and logits to compare against.
 */
import { ChatCompletions } from '../../src/engine/chat.js';
import { createEngine } from '../../src/engine/engine.js';
import type { Engine, EngineOptions } from '../../src/engine/engine.js';
import type { GenerateOptions, GeneratedToken } from '../../src/protocol/types.js';
import { tensorRecord, writeRwkvCpp } from '../../src/formats/rwkv-cpp/writer.js';
import type { CanonicalModel, Generation } from '../../src/model/spec.js';
import { createState } from '../../src/generations/state.js';
import type { State } from '../../src/model/state.js';
import { createSyntheticModel } from '../../src/generations/synthetic.js';
import { createReferenceModel } from '../../src/reference/model.js';
import type { ReferenceModel } from '../../src/reference/model.js';

/** A byte-level (256-token) synthetic model: small enough for a test to run hundreds of steps in milliseconds. */
export function tinyModel(generation: Generation = '7', seed = 7, nVocab = 256): CanonicalModel {
  return createSyntheticModel({
    generation,
    nLayer: 2,
    nEmbed: 32,
    headSize: generation === '4' ? undefined : 16,
    nFfn: 64,
    nVocab,
    lora: { mix: 8, decay: 8, iclr: 8, valueResidual: 8, gate: 8 },
    seed,
  });
}

/** The FP32 rwkv.cpp `.bin` bytes of a canonical model. */
export function modelBytes(model: CanonicalModel): Uint8Array<ArrayBuffer> {
  const { nVocab, nEmbed, nLayer } = model.spec;
  const records = [...model.tensors.values()].map((tensor) => tensorRecord(tensor, 'f32'));
  return new Uint8Array(writeRwkvCpp({ version: 100, nVocab, nEmbed, nLayer, dataType: 'f32' }, records));
}

/** An in-thread engine over `model` on the reference backend (the oracle itself, so that logits compare exactly). */
export function cpuEngine(model: CanonicalModel, options: Partial<EngineOptions> = {}): Promise<Engine> {
  return createEngine({ model: modelBytes(model), backend: 'reference', worker: false, ...options });
}

/** Chat completions over `engine` that count the sessions they open (`sessions`). */
export function countingCompletions(engine: Engine): { completions: ChatCompletions; sessions: number } {
  const counted = {
    sessions: 0,
    completions: new ChatCompletions({
      createSession: () => {
        counted.sessions++;
        return engine.createSession();
      },
      encode: (text) => engine.tokenizer.encode(text),
      modelName: 'counted',
    }),
  };
  return counted;
}

export async function collect(stream: AsyncIterable<GeneratedToken>): Promise<GeneratedToken[]> {
  const tokens: GeneratedToken[] = [];
  for await (const token of stream) tokens.push(token);
  return tokens;
}

export function bytesOf(text: string): number[] {
  return Array.from(new TextEncoder().encode(text));
}

/** The token ids a fresh session of `engine` generates after `prompt` (the session is disposed after). */
export async function generatedIds(engine: Engine, prompt: string, options: GenerateOptions): Promise<number[]> {
  const session = await engine.createSession();
  await session.prefill(prompt);
  const tokens = await collect(session.generate(options));
  await session.dispose();
  return tokens.map((t) => t.token);
}

/**
 * The mean negative log-likelihood of `tokens` under reference logits of every position ([T × vocab], row t
 * predicting token t + 1): what `engine.evaluate` should report.
 */
export function referenceMeanNll(reference: Float32Array, tokens: readonly number[], vocab: number): number {
  let nll = 0;
  for (let t = 0; t + 1 < tokens.length; t++) {
    const row = Array.from(reference.subarray(t * vocab, (t + 1) * vocab));
    const max = Math.max(...row);
    nll += max + Math.log(row.reduce((sum, value) => sum + Math.exp(value - max), 0)) - row[tokens[t + 1]];
  }
  return nll / (tokens.length - 1);
}

function argmax(values: Float32Array): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i] > values[best]) best = i;
  return best;
}

/** The oracle, fed step by step. */
export class Oracle {
  readonly reference: ReferenceModel;
  state: State;
  logits: Float32Array | undefined;

  constructor(model: CanonicalModel) {
    this.reference = createReferenceModel(model);
    this.state = createState(model.spec);
  }

  feed(tokens: number[]): Float32Array {
    this.logits = this.reference.forward(tokens, this.state);
    return this.logits;
  }

  /** Greedy continuation: `count` argmax tokens, each fed before the next is chosen (the last one is not fed). */
  greedy(count: number): number[] {
    const tokens: number[] = [];
    for (let i = 0; i < count; i++) {
      const token = argmax(this.logits!);
      tokens.push(token);
      if (i < count - 1) this.feed([token]);
    }
    return tokens;
  }
}
