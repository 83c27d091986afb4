/**
 * Writes safetensors files for tests: an 8-byte little-endian header length, the JSON header (tensor entries with
 * dtype, shape and data_offsets, plus `__metadata__`) padded with spaces to a multiple of 8 bytes as the
 * safetensors library does, then the tensors' bytes back to back.
 */
import { encodeValues, type OfficialType } from './tensor-encoding.js';
import type { OfficialTensor } from './write-pth.js';

const DTYPES = { f32: 'F32', f16: 'F16', bf16: 'BF16' } as const;

/** A safetensors file from a header object (written as given, for hostile tests) and the data section. */
export function safetensorsFile(header: unknown, data: Uint8Array): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(header));
  const headerLength = Math.ceil(json.length / 8) * 8;
  const out = new Uint8Array(8 + headerLength + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerLength), true);
  out.fill(0x20, 8, 8 + headerLength);
  out.set(json, 8);
  out.set(data, 8 + headerLength);
  return out;
}

/** A safetensors file holding `tensors` (in this order) as `type`. */
export function writeSafetensors(
  tensors: readonly OfficialTensor[],
  options: { type?: OfficialType; metadata?: Record<string, string> } = {},
): Uint8Array {
  const type = options.type ?? 'f32';
  const header: Record<string, unknown> = { __metadata__: options.metadata ?? { format: 'pt' } };
  const parts = tensors.map((tensor) => encodeValues(tensor.data, type));
  let offset = 0;
  tensors.forEach((tensor, i) => {
    header[tensor.name] = {
      dtype: DTYPES[type],
      shape: tensor.shape,
      data_offsets: [offset, offset + parts[i].length],
    };
    offset += parts[i].length;
  });
  const data = new Uint8Array(offset);
  offset = 0;
  for (const part of parts) {
    data.set(part, offset);
    offset += part.length;
  }
  return safetensorsFile(header, data);
}
