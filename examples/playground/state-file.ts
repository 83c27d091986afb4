/**
 * The playground's state files (`.rwkvstate`): a session's recurrent state with the shape of the model it belongs
 * to, so that importing it into another model is refused with a clear message.
 *
 * Layout: u32 little-endian header length N | N bytes of UTF-8 JSON header, padded with spaces to a multiple of 4 |
 * the state's f32 values, little-endian, in the layout of src/model/state.ts (version `layoutVersion`).
 * Header: { format: 'rwkv-webgpu-state', layoutVersion, generation, nLayer, nEmbed, nHead, headSize, model }.
 */
import type { EngineInfo, State } from '../../src/index.js';

const FORMAT = 'rwkv-webgpu-state';
const SHAPE_KEYS = ['generation', 'nLayer', 'nEmbed', 'nHead', 'headSize'] as const;

interface StateFileHeader extends Pick<EngineInfo, (typeof SHAPE_KEYS)[number]> {
  format: typeof FORMAT;
  layoutVersion: number;
  model: string;
}

export function stateFileBlob(state: State, info: EngineInfo): Blob {
  const header: StateFileHeader = {
    format: FORMAT,
    layoutVersion: state.layoutVersion,
    generation: info.generation,
    nLayer: info.nLayer,
    nEmbed: info.nEmbed,
    nHead: info.nHead,
    headSize: info.headSize,
    model: info.name,
  };
  let json = JSON.stringify(header);
  json += ' '.repeat((4 - (new TextEncoder().encode(json).length % 4)) % 4);
  const headerBytes = new TextEncoder().encode(json);
  const length = new Uint8Array(4);
  new DataView(length.buffer).setUint32(0, headerBytes.length, true);
  return new Blob([length, headerBytes, littleEndian(state.data)], { type: 'application/octet-stream' });
}

/** The state in `file`; throws when it is not a state file or belongs to a model of another shape. */
export async function readStateFile(file: Blob, info: EngineInfo): Promise<State> {
  const bytes = new Uint8Array(await file.arrayBuffer());
  const view = new DataView(bytes.buffer);
  const headerLength = bytes.length >= 4 ? view.getUint32(0, true) : -1;
  let header: StateFileHeader;
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(4, 4 + headerLength))) as StateFileHeader;
  } catch {
    throw new Error('this is not an rwkv-webgpu state file.');
  }
  if (header.format !== FORMAT || headerLength % 4 !== 0) throw new Error('this is not an rwkv-webgpu state file.');
  const mismatch = SHAPE_KEYS.filter((key) => header[key] !== info[key]);
  if (mismatch.length > 0) {
    const describe = (shape: Pick<EngineInfo, (typeof SHAPE_KEYS)[number]>) =>
      `RWKV v${shape.generation}, ${shape.nLayer} layers × ${shape.nEmbed}, ${shape.nHead} heads of ${shape.headSize}`;
    throw new Error(
      `it holds the state of another model (${header.model}: ${describe(header)}; loaded: ${describe(info)}).`,
    );
  }
  const payload = bytes.subarray(4 + headerLength);
  if (payload.length % 4 !== 0) throw new Error('the file is truncated.');
  const data = new Float32Array(payload.length / 4);
  const values = new DataView(payload.buffer, payload.byteOffset, payload.byteLength);
  for (let i = 0; i < data.length; i++) data[i] = values.getFloat32(4 * i, true);
  return { layoutVersion: header.layoutVersion, data };
}

function littleEndian(values: Float32Array): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(values.length * 4);
  const view = new DataView(bytes.buffer);
  values.forEach((value, i) => view.setFloat32(4 * i, value, true));
  return bytes;
}
