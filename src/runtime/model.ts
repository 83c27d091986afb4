/**
 * The GPU forward pass of every generation: a model on the GPU with per-session recurrent states in a state slots,
 * stepping a batch of sessions by one token each (decode) or one session by a chunk of tokens (prefill).
 *
 *   x = LayerNorm(emb[token]; ln0)
 *   per layer: x += TimeMix(LayerNorm(x; ln1)),  x += ChannelMix(LayerNorm(x; ln2))  (generations/vN/gpu-layer.ts)
 *   logits = head · LayerNorm(x; ln_out)          for the last position of each session, or every position
 *
 * A step is one command buffer: the ops built once at creation (step.ts), encoded with the step's shape, then a copy
 * of the logits to a staging buffer — the only readback. Steps run one at a time, in call order. See docs/runtime.md.
 */
import { ModelFormatError, RwkvError } from '../errors.js';
import { createBuffer } from '../gpu/buffers.js';
import { checkGpuErrors, type GpuContext } from '../gpu/device.js';
import { maxPartBytes } from '../gpu/gpu-matrix.js';
import { KernelRunner } from '../gpu/kernel-runner.js';
import { embeddingKernel } from '../gpu/kernels/embedding.js';
import { layerNormKernel } from '../gpu/kernels/layer-norm.js';
import { MAX_SEQUENCES } from '../gpu/kernels/token-shift.js';
import type { WeightFormat } from '../gpu/matrix-layout.js';
import { MAX_WKV_HEAD_SIZE } from '../gpu/kernels/wkv.js';
import type { GpuWeights } from '../gpu/step/gpu-weights.js';
import { normOp, type LayerContext } from '../gpu/step/layer-ops.js';
import { Scratch } from '../gpu/step/scratch.js';
import { StateSlots, type StateSlot } from '../gpu/step/state-slots.js';
import { StepParams } from '../gpu/step/step-params.js';
import { StepBuilder, type StepOp, type StepShape } from '../gpu/step/step-builder.js';
import { generationModule } from '../generations/registry.js';
import { checkModelSpec } from '../generations/spec-check.js';
import { createState, layerStateLayout, stateSize } from '../generations/state.js';
import type { CanonicalModel, ModelSpec } from '../model/spec.js';
import type { State } from '../model/state.js';
import { createWeightUploader, type WeightUploadOptions } from './weights.js';

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
  readonly maxSessions: number;
  readonly maxBatch: number;
  readonly maxChunk: number;
  /** A new session with a fresh state, or a copy of `state`. */
  createSession(state?: State): StateSlot;
  /** Frees the session's slot (do not free a session that a pending step uses). */
  freeSession(session: StateSlot): void;
  /** The session's state after every step called before. */
  readState(session: StateSlot): Promise<State>;
  /** Replaces the session's state (after every step called before). */
  writeState(session: StateSlot, state: State): Promise<void>;
  /** Feeds tokens[b] to sessions[b], all in one step; returns the logits [B × nVocab]. */
  decode(sessions: readonly StateSlot[], tokens: readonly number[]): Promise<Float32Array>;
  /** Feeds a prompt to one session in chunks of ≤ maxChunk tokens; returns the last or every position's logits. */
  prefill(session: StateSlot, tokens: ArrayLike<number>, options?: PrefillOptions): Promise<Float32Array>;
  /** Frees every GPU buffer of the model; the model is unusable afterwards. */
  dispose(): void;
}

/** Uploads `model`'s tensors (f32, or f16 with `weightType: 'f16'`) and builds its GPU forward pass. */
export async function createGpuModel(
  gpu: GpuContext,
  model: CanonicalModel,
  options: GpuModelOptions = {},
): Promise<GpuModel> {
  const uploader = createWeightUploader(gpu.device, options);
  const weights = await checkGpuErrors(gpu.device, 'uploading the weights', () => {
    for (const tensor of model.tensors.values()) uploader.add(tensor);
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

/** Builds the GPU forward pass over weights already uploaded (by a streaming loader, for instance). */
export async function createGpuModelFromWeights(
  gpu: GpuContext,
  spec: ModelSpec,
  weights: GpuWeights,
  options: GpuModelOptions = {},
): Promise<GpuModel> {
  checkSpec(spec);
  const device = gpu.device;
  const bindingLimit = maxPartBytes(device);
  const maxSessions = checkCountOption('maxSessions', options.maxSessions ?? 16, Number.MAX_SAFE_INTEGER);
  const maxBatch = checkCountOption('maxBatch', options.maxBatch ?? Math.min(16, maxSessions), MAX_SEQUENCES);
  const maxChunk = checkCountOption('maxChunk', options.maxChunk ?? 128, 65535);
  const c = spec.nEmbed;
  const vocab = spec.nVocab;
  const logitRows = Math.min(Math.max(maxChunk, maxBatch), Math.floor(bindingLimit / (vocab * 4)));
  if (logitRows < maxBatch) {
    throw new RangeError(`The logits of ${maxBatch} sessions do not fit one GPU binding; lower maxBatch.`);
  }

  const owned: { destroy(): void }[] = [];
  const own = <T extends { destroy(): void }>(resource: T): T => {
    owned.push(resource);
    return resource;
  };
  const destroyAll = () => {
    for (const resource of owned.splice(0)) resource.destroy();
  };

  try {
    return await checkGpuErrors(device, 'creating the model', async () => {
      const layout = layerStateLayout(spec);
      const slotShape = { stateFloats: stateSize(spec), layerStride: layout.stride, fresh: () => createState(spec) };
      const slots = own(new StateSlots(device, slotShape, maxSessions, bindingLimit));
      const params = own(new StepParams(device, slots, spec.nLayer, layout));
      const scratch = own(new Scratch(device, Math.max(maxChunk, maxBatch)));
      const tokenBuffer = own(createBuffer(device, scratch.rows * 4, 'tokens'));
      const logits = own(createBuffer(device, logitRows * vocab * 4, 'logits'));
      const staging = own(
        device.createBuffer({
          label: 'logits readback',
          size: logits.size,
          usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST,
        }),
      );
      const builder = new StepBuilder(runnerFor(device), params.rowsUniform, params.headRowsUniform);
      const x = scratch.get('x', c);
      const context: LayerContext = { spec, weights, builder, scratch, params, slots, x };

      const embedded = scratch.get('embedded', c);
      const normed = scratch.get('normed', c);
      const table = weights.matrix('emb.weight', vocab, c);
      const body: StepOp[] = table.parts.map((part) =>
        builder.kernel(
          (shape) =>
            embeddingKernel({
              columns: c,
              rows: part.rowCount,
              rowStart: part.firstRow,
              format: table.format,
              tokens: shape.rows,
            }),
          [tokenBuffer, part.buffer, embedded],
        ),
      );
      body.push(normOp(context, 'blocks.0.ln0', embedded, x));
      const gpuLayer = await generationModule(spec.generation).loadGpuLayer();
      for (let layer = 0; layer < spec.nLayer; layer++) {
        const mixers = gpuLayer(context, layer);
        body.push(normOp(context, `blocks.${layer}.ln1`, x, normed), ...mixers.timeMix(normed));
        body.push(normOp(context, `blocks.${layer}.ln2`, x, normed), ...mixers.channelMix(normed));
      }

      const lastRows = scratch.get('last rows', c);
      const headInput = scratch.get('head input', c);
      const headMatrix = weights.matrix('head.weight', vocab, c);
      const lnOutWeight = weights.vector('ln_out.weight', c);
      const lnOutBias = weights.vector('ln_out.bias', c);
      const headOps = (source: GPUBuffer): StepOp[] => [
        builder.kernel(
          (shape) => layerNormKernel({ channels: c, rows: shape.headRows }),
          [source, lnOutWeight, lnOutBias, headInput],
        ),
        builder.linear(headMatrix, headInput, logits, { rows: 'headRows' }),
      ];
      const headFromResidual = headOps(x);
      const headFromLastRows = headOps(lastRows);
      await builder.compile([...body, ...headFromResidual], warmUpShapes(maxChunk));

      type LogitRows = 'none' | 'last' | 'all';
      const step = (sessions: readonly StateSlot[], tokens: Uint32Array, output: LogitRows) =>
        checkGpuErrors(device, 'running a forward step', async () => {
          const tokensPerSession = tokens.length / sessions.length;
          const shape: StepShape = {
            sessions: sessions.length,
            tokens: tokensPerSession,
            rows: tokens.length,
            headRows: output === 'all' ? tokens.length : sessions.length,
          };
          params.write(shape, sessions);
          device.queue.writeBuffer(tokenBuffer, 0, tokens);
          const encoder = device.createCommandEncoder({ label: 'forward step' });
          let pass = encoder.beginComputePass({ label: 'layers' });
          for (const op of body) op.encode(pass, shape);
          if (output !== 'none') {
            let head = headFromResidual;
            if (output === 'last' && tokensPerSession > 1) {
              pass.end();
              sessions.forEach((_, b) => {
                const row = b * tokensPerSession + tokensPerSession - 1;
                encoder.copyBufferToBuffer(x, row * c * 4, lastRows, b * c * 4, c * 4);
              });
              pass = encoder.beginComputePass({ label: 'head' });
              head = headFromLastRows;
            }
            for (const op of head) op.encode(pass, shape);
          }
          pass.end();
          const logitBytes = shape.headRows * vocab * 4;
          if (output !== 'none') encoder.copyBufferToBuffer(logits, 0, staging, 0, logitBytes);
          device.queue.submit([encoder.finish()]);
          if (output === 'none') return undefined;
          await staging.mapAsync(GPUMapMode.READ, 0, logitBytes);
          const result = new Float32Array(staging.getMappedRange(0, logitBytes).slice(0));
          staging.unmap();
          return result;
        });

      return createModelObject({
        spec,
        weights,
        slots,
        maxBatch,
        maxChunk,
        logitRows,
        step,
        dispose: () => {
          destroyAll();
          weights.destroy();
        },
      });
    });
  } catch (error) {
    destroyAll();
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
  step(
    sessions: readonly StateSlot[],
    tokens: Uint32Array,
    output: 'none' | 'last' | 'all',
  ): Promise<Float32Array | undefined>;
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
  const toTokens = (tokens: ArrayLike<number>): Uint32Array => {
    const out = new Uint32Array(tokens.length);
    for (let t = 0; t < tokens.length; t++) {
      const token = tokens[t];
      if (!Number.isInteger(token) || token < 0 || token >= spec.nVocab) {
        throw new RangeError(`Token ${token} at position ${t} is outside the vocabulary [0, ${spec.nVocab}).`);
      }
      out[t] = token;
    }
    return out;
  };
  const logitsOf = (result: Float32Array | undefined): Float32Array => {
    if (!result) throw new Error('a step that should return logits returned none');
    return result;
  };

  return {
    spec,
    weightType: parts.weights.weightType,
    weightBytes: parts.weights.byteLength,
    maxSessions: slots.capacity,
    maxBatch: parts.maxBatch,
    maxChunk: parts.maxChunk,
    createSession(state) {
      if (disposed) throw new RwkvError('This GPU model was disposed.');
      return slots.allocate(state);
    },
    freeSession(session) {
      slots.release(session);
    },
    readState(session) {
      return exclusive(() => slots.read(session));
    },
    writeState(session, state) {
      return exclusive(async () => slots.write(session, state));
    },
    decode(sessions, tokens) {
      return exclusive(async () => {
        if (sessions.length < 1 || sessions.length > parts.maxBatch || tokens.length !== sessions.length) {
          throw new RangeError(
            `decode takes 1 to ${parts.maxBatch} sessions and one token for each; got ${sessions.length} sessions ` +
              `and ${tokens.length} tokens.`,
          );
        }
        if (new Set(sessions).size !== sessions.length) throw new RangeError('decode got the same session twice.');
        for (const session of sessions) slots.check(session);
        return logitsOf(await step(sessions, toTokens(tokens), 'last'));
      });
    },
    prefill(session, tokens, options = {}) {
      return exclusive(async () => {
        slots.check(session);
        if (tokens.length < 1) throw new RangeError('prefill needs at least one token.');
        const ids = toTokens(tokens);
        const chunk = options.allLogits ? Math.min(parts.maxChunk, parts.logitRows) : parts.maxChunk;
        const all = options.allLogits ? new Float32Array(ids.length * spec.nVocab) : undefined;
        let last: Float32Array | undefined;
        for (let start = 0; start < ids.length; start += chunk) {
          const end = Math.min(start + chunk, ids.length);
          const output = all ? 'all' : end === ids.length ? 'last' : 'none';
          const result = await step([session], ids.subarray(start, end), output);
          if (all) all.set(logitsOf(result), start * spec.nVocab);
          else last = result;
        }
        return all ?? logitsOf(last);
      });
    },
    dispose() {
      if (disposed) return;
      disposed = true;
      parts.dispose();
    },
  };
}
