/**
 * State-tuning files: the initial WKV state that RWKV-PEFT's state tuning trains, one `blocks.N.att.time_state`
 * tensor of shape [H, S, S] per layer, saved as `.pth` (torch.save) or safetensors. Other tensors in the file are
 * left unread. The values come in the file's order, element h·S·S + i·S + j: RWKV-PEFT's state kernels (wkv6state,
 * and the v7 state kernel) run one thread per value channel i of a head and read its row S[h][i][·] over the key
 * channels j — the order of this project's state layout (src/model/state.ts), so no transpose is needed. (Loaders
 * derived from ChatRWKV transpose the last two dims because their own v5/v6 math keeps the state key-major, as
 * rwkv.cpp does.)
 */
import { ModelFormatError } from '../errors.js';
import { elementCount } from '../model/spec.js';
import { sniffModelFormat, SNIFF_BYTES } from './load.js';
import type { StoredTensor } from './official-names.js';
import { listPthTensors } from './pth/reader.js';
import { readRange, type RandomAccessSource } from './random-access.js';
import { listSafetensorsTensors } from './safetensors/reader.js';
import { decodeTensorData } from './tensor-data.js';

const TIME_STATE = /^blocks\.(\d+)\.att\.time_state$/;

export interface TimeStates {
  /** [H, S, S]: heads, then the value and the key channels of a head. */
  shape: readonly [number, number, number];
  /** Layer by layer, H·S·S floats in the file's order. */
  layers: Float32Array[];
}

/** The time_state tensors of a `.pth` or safetensors file; ModelFormatError when there are none, or a layer is odd. */
export async function readStateTuningFile(source: RandomAccessSource): Promise<TimeStates> {
  const head = await readRange(source, 0, Math.min(SNIFF_BYTES, source.bytes), 'the file header');
  const format = sniffModelFormat(head);
  let tensors: StoredTensor[];
  if (format === 'pytorch-zip') tensors = await listPthTensors(source);
  else if (format === 'safetensors') tensors = await listSafetensorsTensors(source);
  else throw new ModelFormatError('A state-tuning file is a .pth (torch.save) or safetensors file; this is neither.');
  const byLayer = new Map<number, StoredTensor>();
  for (const tensor of tensors) {
    const match = TIME_STATE.exec(tensor.name);
    if (match !== null) byLayer.set(Number(match[1]), tensor);
  }
  if (byLayer.size === 0) {
    throw new ModelFormatError('Not a state-tuning file: it holds no blocks.N.att.time_state tensor.');
  }
  for (let layer = 0; layer < byLayer.size; layer++) {
    if (!byLayer.has(layer)) {
      throw new ModelFormatError(
        `The state-tuning file has ${byLayer.size} time_state tensors but none for layer ${layer}.`,
      );
    }
  }
  const first = (byLayer.get(0) as StoredTensor).shape;
  if (first.length !== 3 || first[1] !== first[2]) {
    throw new ModelFormatError(
      `blocks.0.att.time_state has shape [${first.join(', ')}]; a time_state is [heads, head size, head size].`,
    );
  }
  const layers: Float32Array[] = [];
  for (let layer = 0; layer < byLayer.size; layer++) {
    const tensor = byLayer.get(layer) as StoredTensor;
    if (tensor.shape.join() !== first.join()) {
      throw new ModelFormatError(
        `${tensor.name} has shape [${tensor.shape.join(', ')}]; layer 0's is [${first.join(', ')}].`,
      );
    }
    const values = decodeTensorData(tensor.type, await tensor.readBytes()).slice(0, elementCount(tensor.shape));
    const bad = values.findIndex((value) => !Number.isFinite(value));
    if (bad !== -1) throw new ModelFormatError(`${tensor.name}: value ${bad} is ${values[bad]}.`);
    layers.push(values);
  }
  return { shape: [first[0], first[1], first[2]], layers };
}
