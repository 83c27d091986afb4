/**
 * The WebGPU backend: a thin adapter from InferenceBackend to the GPU runtime's GpuModel (src/runtime/model.ts) on a
 * device from src/gpu/device.ts. Opening it streams the model: `parse` once the file's header or index is read (its
 * bytes, of themselves), then each tensor is uploaded as the reader hands it over, the large matrices run by run
 * (src/runtime/weights.ts), so that the page never holds the model — progress `upload` in bytes of the file read
 * (of its size). Building the forward pass then compiles its pipelines (`compile`, in bytes of weights on the GPU).
 * Before the upload, the GPU memory the model will take (weights, state slots, scratch and logits) is reserved and
 * freed again (gpu-memory.ts), so that a model too large for the GPU is refused with GpuOutOfMemoryError before any
 * of it is uploaded; each tensor's upload then runs in its own error scope, so that an allocation the GPU refuses
 * mid-way fails the load at that tensor (the caller's destroying the device frees what was uploaded).
 * Float matrices stay f32 when the file is f32 and become f16 otherwise; matrices stored as quantized blocks stay
 * blocks on the GPU (src/gpu/block-layout.ts); with `quantize` 'q8' / 'q4' the float matrices the load-time policy
 * names are quantized to blocks as they stream (src/quantize/), the others become f16. State handles name GpuModel sessions; a fork copies a state through a
 * readback. A decode whose sampler needs only the top candidates of a state's row reads back those (selected on the
 * GPU), the row itself staying there for `readLogits`. Once the device is lost, every call fails with the
 * DeviceLostError that says why.
 */
import type { DeviceLostError } from '../errors.js';
import { checkGpuErrors } from '../gpu/device.js';
import type { GpuContext } from '../gpu/device.js';
import type { ModelStream } from '../formats/tensor-stream.js';
import type { ModelSpec } from '../model/spec.js';
import type { State } from '../model/state.js';
import type { ProgressCallback } from '../progress.js';
import { createGpuModelFromWeights } from '../runtime/model.js';
import type { GpuModel, StateSlot } from '../runtime/model.js';
import { unquantizedFloatFormat } from '../quantize/load-time-formats.js';
import { uploadModelStream } from '../runtime/weights.js';
import type { WeightsReport } from '../runtime/weights-report.js';
import type { DecodeOutput } from '../sampling/top-candidates.js';
import type { BackendDescription, BackendSizes, InferenceBackend, StateHandle } from './backend.js';
import { estimateGpuMemory, reserveGpuMemory } from './gpu-memory.js';
import { maxPartBytes } from '../gpu/gpu-matrix.js';
import { PhaseProgress } from '../progress.js';
import { reportingProgress } from './stream-progress.js';

/** Uploads the stream's tensors to `gpu` and builds the forward pass; the caller destroys `gpu` if this fails. */
export async function openWebGpuBackend(
  gpu: GpuContext,
  stream: ModelStream,
  onProgress: ProgressCallback | undefined,
  sizes: BackendSizes,
): Promise<InferenceBackend> {
  const quantization = sizes.quantization ?? { quantize: 'none' };
  const weightType = unquantizedFloatFormat(quantization) ?? (stream.weightType === 'f32' ? 'f32' : 'f16');
  onProgress?.({ phase: 'parse', loaded: stream.bytesRead, total: stream.bytesRead });
  try {
    const what = `this model (${stream.weightType} weights in the file)`;
    const estimate = estimateGpuMemory(stream, sizes, maxPartBytes(gpu.device));
    await reserveGpuMemory(gpu.device, estimate, what, sizes);
  } catch (error) {
    await stream.close();
    throw error;
  }
  const upload = new PhaseProgress('upload', stream.bytes ?? 0, onProgress);
  upload.set(stream.bytesRead);
  const { spec, weights } = await checkGpuErrors(gpu.device, 'uploading the weights', () =>
    uploadModelStream(gpu.device, reportingProgress(stream, upload), { weightType, quantization }),
  );
  upload.finish();
  const compile = new PhaseProgress('compile', weights.byteLength, onProgress);
  compile.set(0);
  try {
    const model = await createGpuModelFromWeights(gpu, spec, weights, {
      maxSessions: sizes.maxSessions,
      maxChunk: sizes.chunkSize,
    });
    // Building the graph stacks some small weight vectors into buffers of their own (GpuWeights.stack).
    compile.finish(weights.byteLength);
    return new WebGpuBackend(gpu, model);
  } catch (error) {
    weights.destroy();
    throw error;
  }
}

class WebGpuBackend implements InferenceBackend {
  readonly description: BackendDescription;
  private readonly sessions = new Map<StateHandle, StateSlot>();
  private nextHandle = 1;

  constructor(
    private readonly gpu: GpuContext,
    private readonly model: GpuModel,
  ) {
    const limits: Record<string, number> = {};
    for (const name in gpu.limits) limits[name] = gpu.limits[name as keyof GPUSupportedLimits] as number;
    this.description = { kind: 'webgpu', adapter: { ...gpu.adapter }, limits };
  }

  get spec(): ModelSpec {
    return this.model.spec;
  }

  get weightBytes(): number {
    return this.model.weightBytes;
  }

  get weights(): WeightsReport {
    return this.model.weightsReport;
  }

  get maxBatch(): number {
    return this.model.maxBatch;
  }

  get lost(): Promise<DeviceLostError> {
    return this.gpu.lost;
  }

  async allocateState(): Promise<StateHandle> {
    const session = await this.guard(async () => this.model.allocateSlot());
    const handle = this.nextHandle++;
    this.sessions.set(handle, session);
    return handle;
  }

  freeState(handle: StateHandle): void {
    this.model.freeSlot(this.session(handle));
    this.sessions.delete(handle);
  }

  async copyState(source: StateHandle, target: StateHandle): Promise<void> {
    await this.writeState(target, await this.readState(source));
  }

  readState(handle: StateHandle): Promise<State> {
    return this.guard(() => this.model.readState(this.session(handle)));
  }

  writeState(handle: StateHandle, state: State): Promise<void> {
    return this.guard(() => this.model.writeState(this.session(handle), state));
  }

  prefill(handle: StateHandle, tokens: Uint32Array, options: { allLogits?: boolean } = {}): Promise<Float32Array> {
    return this.guard(() => this.model.prefill(this.session(handle), tokens, options));
  }

  async decode(handles: readonly StateHandle[], tokens: Uint32Array): Promise<Float32Array[]> {
    const sessions = handles.map((handle) => this.session(handle));
    const logits = await this.guard(() => this.model.decode(sessions, Array.from(tokens)));
    const nVocab = this.spec.nVocab;
    return handles.map((_, i) => logits.subarray(i * nVocab, (i + 1) * nVocab));
  }

  decodeSelecting(
    handles: readonly StateHandle[],
    tokens: Uint32Array,
    candidates: readonly number[],
  ): Promise<DecodeOutput[]> {
    const sessions = handles.map((handle) => this.session(handle));
    return this.guard(() => this.model.decodeSelecting(sessions, Array.from(tokens), candidates));
  }

  readLogits(handle: StateHandle): Promise<Float32Array> {
    return this.guard(() => this.model.readLogits(this.session(handle)));
  }

  dispose(): void {
    this.sessions.clear();
    this.model.dispose();
    this.gpu.destroy();
  }

  private session(handle: StateHandle): StateSlot {
    const session = this.sessions.get(handle);
    if (session === undefined) throw new RangeError(`No state with handle ${handle} (freed or never allocated).`);
    return session;
  }

  /** Runs GPU work; once the device is lost, fails with the DeviceLostError instead of a puzzling GPU error. */
  private async guard<T>(work: () => Promise<T>): Promise<T> {
    if (this.gpu.isLost) throw await this.gpu.lost;
    try {
      return await work();
    } catch (error) {
      throw this.gpu.isLost ? await this.gpu.lost : error;
    }
  }
}
