/**
 * The GPU forward pass of every generation: a model on the GPU with recurrent states in state slots, stepping a batch
 * of slots by one token each (decode) or one slot by a chunk of tokens (prefill). Model creation checks the spec,
 * plans the step buffers (step-buffers.ts), builds the graph of ops — the forward pass as the CPU one reads
 * (forward-graph.ts) — and compiles it; each step is then one command buffer (step-runner.ts). This file is the
 * model's API: steps run one at a time, in call order, with their inputs checked. See docs/runtime.md.
 */
import { ModelFormatError, RwkvError } from '../errors.js';
import { checkGpuErrors, type GpuContext } from '../gpu/device.js';
import { KernelRunner } from '../gpu/kernel-runner.js';
import { MAX_SEQUENCES } from '../gpu/kernels/step-params-uniform.js';
import type { WeightFormat } from '../gpu/matrix-layout.js';
import { MAX_WKV_HEAD_SIZE } from '../gpu/kernels/wkv.js';
import type { GpuWeights } from '../gpu/step/gpu-weights.js';
import type { LayerContext } from '../gpu/step/layer-ops.js';
import type { StateSlot, StateSlots } from '../gpu/step/state-slots.js';
import { StepBuilder, type StepShape } from '../gpu/step/step-builder.js';
import { generationModule } from '../generations/registry.js';
import { checkModelSpec } from '../generations/spec-check.js';
import type { ModelSpec, Tensor } from '../model/spec.js';
import { checkTokenIds } from '../model/checks.js';
import type { State } from '../model/state.js';
import { MAX_CANDIDATES, type DecodeOutput } from '../sampling/top-candidates.js';
import { buildForwardGraph } from './forward-graph.js';
import { planStepBuffers, type StepBuffers } from './step-buffers.js';
import { createStep, describeStep, type LogitRows, type Step, type StepDescription } from './step-runner.js';
import { createWeightUploader, type WeightUploadOptions } from './weights.js';
import { reportWeights, type WeightsReport } from './weights-report.js';

export type { StateSlot } from '../gpu/step/state-slots.js';

export interface GpuModelOptions extends WeightUploadOptions {
  /** Sessions the state slots holds at once; default 16. */
  maxSessions?: number;
  /** Most sessions one decode step takes; default min(16, maxSessions). */
  maxBatch?: number;
  /** Most tokens one prefill step takes; longer prompts run in chunks of this size; default 128. */
  maxChunk?: number;
}

export interface PrefillOptions {
  /** Return the logits of every position ([T × nVocab]) instead of the last only ([nVocab]). */
  allLogits?: boolean;
}

export interface GpuModel {
  readonly spec: ModelSpec;
  readonly weightType: WeightFormat;
  /** Bytes of GPU memory taken by the weights. */
  readonly weightBytes: number;
  /** What the weights take, per class of tensor. */
  readonly weightsReport: WeightsReport;
  readonly maxSessions: number;
  readonly maxBatch: number;
  readonly maxChunk: number;
  /** A new state slot holding a fresh state, or a copy of `state`. */
  allocateSlot(state?: State): StateSlot;
  /** Frees a slot (do not free one that a pending step uses). */
  freeSlot(slot: StateSlot): void;
  /** The slot's state after every step called before. */
  readState(slot: StateSlot): Promise<State>;
  /** Replaces the slot's state (after every step called before). */
  writeState(slot: StateSlot, state: State): Promise<void>;
  /** Feeds tokens[b] to slots[b], all in one step; returns the logits [B × nVocab]. */
  decode(slots: readonly StateSlot[], tokens: readonly number[]): Promise<Float32Array>;
  /**
   * `decode`, returning slot b's whole row of logits when `candidates[b]` is 0, else only its top candidates (at
   * least candidates[b] ≤ MAX_CANDIDATES, selected on the GPU); such a slot's row stays on the GPU for `readLogits`.
   */
  decodeSelecting(
    slots: readonly StateSlot[],
    tokens: readonly number[],
    candidates: readonly number[],
  ): Promise<DecodeOutput[]>;
  /** The whole row of logits of the slot's last step, when that was a `decodeSelecting` returning candidates. */
  readLogits(slot: StateSlot): Promise<Float32Array>;
  /** Feeds a prompt to one slot in chunks of ≤ maxChunk tokens; returns the last or every position's logits. */
  prefill(slot: StateSlot, tokens: ArrayLike<number>, options?: PrefillOptions): Promise<Float32Array>;
  /**
   * The dispatches of a step of `sessions` sessions × `tokensPerSession` tokens returning `output` logits (with
   * `candidates` ≥ 1: a decode reading back that many candidates per session), as it would encode them (for the
   * bench's counts; nothing runs), with the weights' and the state slots' buffers named.
   */
  describeStep(
    sessions: number,
    tokensPerSession: number,
    output: LogitRows,
    candidates?: number,
  ): ModelStepDescription;
  /** Frees every GPU buffer of the model; the model is unusable afterwards. */
  dispose(): void;
}

export interface ModelStepDescription extends StepDescription {
  /** Whether a bound buffer holds weights. */
  isWeight(buffer: GPUBuffer): boolean;
  /** The state slots' buffer. */
  stateBuffer: GPUBuffer;
}

/** A model's spec and its tensors: in memory (a CanonicalModel), or made one at a time (a synthetic benchmark model). */
export interface TensorSource {
  spec: ModelSpec;
  tensors: ReadonlyMap<string, Tensor> | Iterable<Tensor>;
}

function isTensorMap(tensors: TensorSource['tensors']): tensors is ReadonlyMap<string, Tensor> {
  return tensors instanceof Map;
}

/** Uploads `model`'s tensors (f32, or f16 with `weightType: 'f16'`) and builds its GPU forward pass. */
export async function createGpuModel(
  gpu: GpuContext,
  model: TensorSource,
  options: GpuModelOptions = {},
): Promise<GpuModel> {
  const uploader = createWeightUploader(gpu.device, options);
  const tensors = isTensorMap(model.tensors) ? model.tensors.values() : model.tensors;
  const weights = await checkGpuErrors(gpu.device, 'uploading the weights', () => {
    for (const tensor of tensors) uploader.add(tensor);
    return uploader.finish();
  });
  try {
    return await createGpuModelFromWeights(gpu, model.spec, weights, options);
  } catch (error) {
    weights.destroy();
    throw error;
  }
}

/** One kernel runner per device, so that models on the same device share compiled pipelines. */
const runners = new WeakMap<GPUDevice, KernelRunner>();

function runnerFor(device: GPUDevice): KernelRunner {
  let runner = runners.get(device);
  if (!runner) {
    runner = new KernelRunner(device);
    runners.set(device, runner);
  }
  return runner;
}

/** The spec check both forward passes run, then the GPU kernels' own limit. */
function checkSpec(spec: ModelSpec): void {
  checkModelSpec(spec);
  if (spec.headSize > MAX_WKV_HEAD_SIZE) {
    throw new ModelFormatError(`Head size ${spec.headSize} exceeds the GPU kernels' limit of ${MAX_WKV_HEAD_SIZE}.`);
  }
}

/**
 * The step shapes whose pipelines model creation compiles ahead, all at once: a one-session decode, and prefill
 * chunks of 2 and of maxChunk tokens (the matmat tile depends on the chunk length). Other shapes (bigger decode
 * batches) compile their few extra variants on first use.
 */
function warmUpShapes(maxChunk: number): StepShape[] {
  const prefill = (tokens: number): StepShape => ({ sessions: 1, tokens, rows: tokens, headRows: 1 });
  return [prefill(1), prefill(Math.min(2, maxChunk)), prefill(maxChunk)];
}

function checkCountOption(name: string, value: number, max: number): number {
  if (!Number.isInteger(value) || value < 1 || value > max) {
    throw new RangeError(`${name} must be an integer from 1 to ${max}, got ${value}.`);
  }
  return value;
}

/** Most sessions one decode step takes when the caller does not say: all of them, up to 16. */
export function defaultMaxBatch(maxSessions: number): number {
  return Math.min(16, maxSessions);
}

/** Builds the GPU forward pass over weights already uploaded (by a streaming loader, for instance). */
export async function createGpuModelFromWeights(
  gpu: GpuContext,
  spec: ModelSpec,
  weights: GpuWeights,
  options: GpuModelOptions = {},
): Promise<GpuModel> {
  checkSpec(spec);
  const device = gpu.device;
  const maxSessions = checkCountOption('maxSessions', options.maxSessions ?? 16, Number.MAX_SAFE_INTEGER);
  const maxBatch = checkCountOption('maxBatch', options.maxBatch ?? defaultMaxBatch(maxSessions), MAX_SEQUENCES);
  const maxChunk = checkCountOption('maxChunk', options.maxChunk ?? 128, 65535);
  let buffers: StepBuffers | undefined;
  try {
    return await checkGpuErrors(device, 'creating the model', async () => {
      buffers = planStepBuffers(device, spec, { maxSessions, maxBatch, maxChunk });
      const { slots, params, scratch } = buffers;
      const builder = new StepBuilder(runnerFor(device), params.rowsUniform, params.headRowsUniform);
      const x = scratch.get('x', spec.nEmbed);
      const context: LayerContext = { spec, weights, builder, scratch, params, slots, x };
      const gpuLayer = await generationModule(spec.generation).loadGpuLayer();
      const graph = buildForwardGraph(context, gpuLayer, buffers.tokens, buffers.logits, buffers.candidates);
      const ops = [...graph.body, ...graph.headFromResidual, ...graph.selectTop.values()];
      await builder.compile(ops, warmUpShapes(maxChunk));
      const owned = buffers;
      return createModelObject({
        spec,
        weights,
        slots,
        maxBatch,
        maxChunk,
        logitRows: buffers.logitRows,
        step: createStep(device, spec, graph, buffers),
        describe: (sessions, tokens, output, candidates) =>
          describeStep(spec, graph, sessions, tokens, output, candidates),
        dispose: () => {
          owned.destroy();
          weights.destroy();
        },
      });
    });
  } catch (error) {
    buffers?.destroy();
    throw error;
  }
}

interface ModelParts {
  spec: ModelSpec;
  weights: GpuWeights;
  slots: StateSlots;
  maxBatch: number;
  maxChunk: number;
  /** Rows the logits buffer holds. */
  logitRows: number;
  step: Step;
  describe(sessions: number, tokens: number, output: LogitRows, candidates?: number): StepDescription;
  dispose(): void;
}

function createModelObject(parts: ModelParts): GpuModel {
  const { spec, slots, step } = parts;
  let disposed = false;
  let tail: Promise<unknown> = Promise.resolve();
  /** Runs `work` after every call made before it (steps share scratch and staging buffers). */
  const exclusive = <T>(work: () => Promise<T>): Promise<T> => {
    if (disposed) return Promise.reject(new RwkvError('This GPU model was disposed.'));
    const result = tail.then(work);
    tail = result.catch(() => undefined);
    return result;
  };
  const toTokens = (tokens: ArrayLike<number>): Uint32Array => checkTokenIds(tokens, spec.nVocab);
  const logitsOf = (result: Float32Array | undefined): Float32Array => {
    if (!result) throw new Error('a step that should return logits returned none');
    return result;
  };
  /** Slots whose last step was a decodeSelecting that kept their row on the GPU. */
  const retained = new Set<StateSlot>();
  const checkDecode = (sessions: readonly StateSlot[], tokens: readonly number[]) => {
    if (sessions.length < 1 || sessions.length > parts.maxBatch || tokens.length !== sessions.length) {
      throw new RangeError(
        `decode takes 1 to ${parts.maxBatch} sessions and one token for each; got ${sessions.length} sessions ` +
          `and ${tokens.length} tokens.`,
      );
    }
    if (new Set(sessions).size !== sessions.length) throw new RangeError('decode got the same session twice.');
    for (const session of sessions) slots.check(session);
    for (const session of sessions) retained.delete(session);
  };

  return {
    spec,
    weightType: parts.weights.weightType,
    weightBytes: parts.weights.byteLength,
    weightsReport: reportWeights(parts.weights.tensors),
    maxSessions: slots.capacity,
    maxBatch: parts.maxBatch,
    maxChunk: parts.maxChunk,
    allocateSlot(state) {
      if (disposed) throw new RwkvError('This GPU model was disposed.');
      return slots.allocate(state);
    },
    freeSlot(slot) {
      retained.delete(slot);
      slots.release(slot);
    },
    readState(session) {
      return exclusive(() => slots.read(session));
    },
    writeState(session, state) {
      return exclusive(async () => {
        retained.delete(session);
        slots.write(session, state);
      });
    },
    decode(sessions, tokens) {
      return exclusive(async () => {
        checkDecode(sessions, tokens);
        return logitsOf(await step.run(sessions, toTokens(tokens), 'last'));
      });
    },
    decodeSelecting(sessions, tokens, candidates) {
      return exclusive(async () => {
        checkDecode(sessions, tokens);
        if (candidates.length !== sessions.length) {
          throw new RangeError(`decodeSelecting needs a candidate count for each of the ${sessions.length} sessions.`);
        }
        for (const count of candidates) {
          if (!Number.isInteger(count) || count < 0 || count > MAX_CANDIDATES) {
            throw new RangeError(`A candidate count must be an integer from 0 to ${MAX_CANDIDATES}, not ${count}.`);
          }
        }
        const outputs = await step.select(sessions, toTokens(tokens), candidates);
        sessions.forEach((session, b) => candidates[b] > 0 && retained.add(session));
        return outputs;
      });
    },
    readLogits(session) {
      return exclusive(async () => {
        slots.check(session);
        if (!retained.has(session)) {
          throw new RwkvError('No logits are kept for this session: its last step was not a decode of candidates.');
        }
        return step.readRetained(session);
      });
    },
    prefill(session, tokens, options = {}) {
      return exclusive(async () => {
        slots.check(session);
        if (tokens.length < 1) throw new RangeError('prefill needs at least one token.');
        retained.delete(session);
        const ids = toTokens(tokens);
        const chunk = options.allLogits ? Math.min(parts.maxChunk, parts.logitRows) : parts.maxChunk;
        const all = options.allLogits ? new Float32Array(ids.length * spec.nVocab) : undefined;
        let last: Float32Array | undefined;
        for (let start = 0; start < ids.length; start += chunk) {
          const end = Math.min(start + chunk, ids.length);
          const output = all ? 'all' : end === ids.length ? 'last' : 'none';
          const result = await step.run([session], ids.subarray(start, end), output);
          if (all) all.set(logitsOf(result), start * spec.nVocab);
          else last = result;
        }
        return all ?? logitsOf(last);
      });
    },
    describeStep(sessions, tokensPerSession, output, candidates) {
      return {
        ...parts.describe(sessions, sessions * tokensPerSession, output, candidates),
        isWeight: (buffer) => parts.weights.holds(buffer),
        stateBuffer: slots.buffer,
      };
    },
    dispose() {
      if (disposed) return;
      disposed = true;
      parts.dispose();
    },
  };
}
