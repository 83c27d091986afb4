/**
 * The CPU backend (`backend: 'cpu'`): the fast forward pass (src/wasm-runtime/) over compact weights and states in
 * one WebAssembly memory, its matrix products in SIMD128 kernels, split by rows over worker threads sharing that
 * memory where the environment allows (src/wasm/threads.ts). A batched decode is one forward pass over all its
 * states (each weight row read once per four sessions). Every generation's layer is its fast layer
 * (GenerationModule.fastLayer).
 */
import { slotsInUseError } from '../errors.js';
import type { ModelStream } from '../formats/tensor-stream.js';
import { createState, stateSize } from '../generations/state.js';
import { generationModule } from '../generations/registry.js';
import { checkStateFits } from '../model/checks.js';
import type { ModelSpec } from '../model/spec.js';
import type { LoadTimeQuantization } from '../quantize/load-time-formats.js';
import type { State } from '../model/state.js';
import type { WasmHeap } from '../wasm/heap.js';
import { FastOps, type MatmulRunner, type SplitWork } from '../wasm/ops.js';
import { openFastKernels, type ThreadCount } from '../wasm/threads.js';
import { FastModel } from '../wasm-runtime/model.js';
import { readFastWeights } from '../wasm-runtime/read-weights.js';
import type { BackendDescription, InferenceBackend, StateHandle } from './backend.js';

/**
 * Reads `stream` into a new WebAssembly memory and opens the backend on it, with the generation's fast layer, on up
 * to `threads` threads (`engine.info.cpu` says how many); with a load-time `quantization`, the linear weights are
 * quantized as the GPU quantizes them (src/quantize/load-time-formats.ts).
 */
export async function openWasmCpuBackend(
  stream: ModelStream,
  maxSessions: number,
  threads: ThreadCount = 'auto',
  quantization?: LoadTimeQuantization,
): Promise<InferenceBackend> {
  const { heap, kernels, runner } = await openFastKernels(threads);
  let weights;
  try {
    weights = await readFastWeights(stream, heap, quantization);
  } catch (error) {
    runner.close();
    throw error;
  }
  const kind = generationModule(weights.spec.generation).fastLayer;
  const ops = new FastOps(heap, kernels, runner);
  const model = new FastModel(weights, kind, ops);
  const description: BackendDescription = {
    kind: 'cpu',
    cpu: {
      kernels: 'wasm-simd128',
      // Read when asked: 1 once the thread pool has closed after a worker stopped (thread-pool.ts).
      get threads() {
        return runner.threads;
      },
      weightFormats: weights.formats(),
    },
  };
  const vectorBytes = [...weights.allVectors()].reduce((sum, [, data]) => sum + data.byteLength, 0);
  const weightBytes = weights.matrixBytes + vectorBytes;
  return new WasmCpuBackend(model, heap, runner, description, weightBytes, vectorBytes, maxSessions);
}

export class WasmCpuBackend implements InferenceBackend {
  readonly maxBatch = Number.POSITIVE_INFINITY;
  private readonly states = new Map<StateHandle, number>();
  private nextHandle = 1;

  constructor(
    private readonly model: FastModel,
    private readonly heap: WasmHeap,
    private readonly runner: MatmulRunner,
    readonly description: BackendDescription,
    readonly weightBytes: number,
    /** Bytes of the small f32 tensors, held outside the WebAssembly memory. */
    private readonly vectorBytes: number,
    private readonly maxSessions: number,
  ) {}

  get spec(): ModelSpec {
    return this.model.spec;
  }

  /** The matrix products' work split between threads so far (how much the workers took: bench --cpu). */
  get split(): SplitWork {
    return this.runner.split;
  }

  /** Bytes the backend holds: its WebAssembly memory (weights, states, scratch) and its f32 vectors. */
  get memoryBytes(): number {
    return this.heap.byteLength + this.vectorBytes;
  }

  async allocateState(): Promise<StateHandle> {
    if (this.states.size >= this.maxSessions) throw slotsInUseError(this.maxSessions);
    const ptr = this.heap.allocate(this.model.stateFloats * 4);
    this.view(ptr).set(createState(this.spec).data);
    const handle = this.nextHandle++;
    this.states.set(handle, ptr);
    return handle;
  }

  freeState(handle: StateHandle): void {
    this.heap.release(this.state(handle), this.model.stateFloats * 4);
    this.states.delete(handle);
  }

  async copyState(source: StateHandle, target: StateHandle): Promise<void> {
    this.view(this.state(target)).set(this.view(this.state(source)));
  }

  async readState(handle: StateHandle): Promise<State> {
    const state = createState(this.spec);
    state.data.set(this.view(this.state(handle)));
    return state;
  }

  async writeState(handle: StateHandle, state: State): Promise<void> {
    checkStateFits(state, stateSize(this.spec));
    this.view(this.state(handle)).set(state.data);
  }

  async prefill(
    handle: StateHandle,
    tokens: Uint32Array,
    options: { allLogits?: boolean } = {},
  ): Promise<Float32Array> {
    return this.model.forward(tokens, [this.state(handle)], options.allLogits);
  }

  async decode(handles: readonly StateHandle[], tokens: Uint32Array): Promise<Float32Array[]> {
    if (handles.length !== tokens.length) {
      throw new RangeError(`decode got ${handles.length} states but ${tokens.length} tokens.`);
    }
    if (new Set(handles).size !== handles.length) throw new RangeError('decode got the same state twice.');
    const logits = this.model.forward(
      tokens,
      handles.map((handle) => this.state(handle)),
    );
    const nVocab = this.spec.nVocab;
    return handles.map((_, i) => logits.slice(i * nVocab, (i + 1) * nVocab));
  }

  dispose(): void {
    this.states.clear();
    this.runner.close();
  }

  private view(ptr: number): Float32Array {
    return this.heap.floats(ptr, this.model.stateFloats);
  }

  private state(handle: StateHandle): number {
    const ptr = this.states.get(handle);
    if (ptr === undefined) throw new RangeError(`No state with handle ${handle} (freed or never allocated).`);
    return ptr;
  }
}
