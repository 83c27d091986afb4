/**
 * Named initial states from state-tuning files (src/formats/state-tuning.ts): `engine.loadState(file, { name })`
 * turns a file's time_state tensors into a whole state of this model — each layer's WKV part the layer's
 * time_state as it is (the same value-major order), the token shifts zero as in a fresh state — and
 * `engine.createSession({ state: name })` starts a session from it. A file whose layers or [H, S, S] shape do not fit
 * the model, or a model whose WKV state is not a per-head matrix (v4), is refused with StateMismatchError.
 */
import { generationModule } from '../generations/registry.js';
import { createState, layerStateLayout } from '../generations/state.js';
import { ModelFormatError } from '../errors.js';
import { blobSource, memorySource } from '../formats/random-access.js';
import type { RandomAccessSource } from '../formats/random-access.js';
import { readStateTuningFile, type TimeStates } from '../formats/state-tuning.js';
import type { State } from '../model/state.js';
import type { EngineInfo, ResolvedInput } from '../protocol/types.js';
import { openHttpFile } from '../storage/http-file.js';
import { StateMismatchError } from '../storage/state-errors.js';

/** The file by random access: a URL by Range requests, a Blob by slices, bytes as they are. */
async function randomAccessFile(file: ResolvedInput): Promise<RandomAccessSource> {
  if (file instanceof Blob) return blobSource(file);
  if (typeof file !== 'string') return memorySource(new Uint8Array(file));
  const remote = await openHttpFile(file);
  if (remote.read === undefined) {
    throw new ModelFormatError(
      `the state-tuning file ${file} is read by random access: its server must answer Range requests`,
    );
  }
  return { bytes: remote.bytes!, read: remote.read };
}

export class InitialStates {
  private readonly states = new Map<string, State>();
  /** The names, in the order they were first loaded (engine.info.initialStates). */
  readonly names: string[] = [];

  constructor(private readonly info: EngineInfo) {}

  /** Reads a state-tuning file into the initial state `name` (replacing one of that name). */
  async load(file: ResolvedInput, name: string): Promise<void> {
    if (typeof name !== 'string' || name === '') throw new TypeError('loadState needs a non-empty { name }.');
    const source = await randomAccessFile(file);
    const state = this.stateOf(await readStateTuningFile(source));
    if (!this.states.has(name)) this.names.push(name);
    this.states.set(name, state);
  }

  /** The initial state `name`; a RangeError names the loaded ones when there is none. */
  get(name: string): State {
    const state = this.states.get(name);
    if (state === undefined) {
      const loaded = this.names.length === 0 ? 'none is loaded' : `loaded: ${this.names.join(', ')}`;
      throw new RangeError(
        `No initial state named ${JSON.stringify(name)} (${loaded}); load it with engine.loadState.`,
      );
    }
    return state;
  }

  private stateOf({ shape, layers }: TimeStates): State {
    const { generation, nLayer, nHead, headSize } = this.info;
    const fits = [nHead, headSize, headSize].join() === shape.join() && layers.length === nLayer;
    if (!generationModule(generation).tensors.heads || !fits) {
      const model = generationModule(generation).tensors.heads
        ? `${nLayer} layers with time_state [${nHead}, ${headSize}, ${headSize}]`
        : `${nLayer} layers and no per-head matrix state (RWKV v${generation})`;
      throw new StateMismatchError(
        `This state-tuning file holds ${layers.length} layers of time_state [${shape.join(', ')}]; this engine's ` +
          `model (${this.info.name}, RWKV v${generation}) has ${model}. A tuned state fits only the model it was ` +
          'trained on.',
      );
    }
    const state = createState(this.info);
    const layout = layerStateLayout(this.info);
    layers.forEach((values, layer) => state.data.set(values, layer * layout.stride + layout.wkv));
    return state;
  }
}
