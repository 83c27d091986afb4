/**
 * Writer of rwkv.cpp `.bin` files (layout in ./format.ts): used by tests to build synthetic and hostile files and
 * by converters that turn other formats into `.bin`. It writes records as given; `tensorRecord` turns a canonical
 * f32 tensor into an FP32, FP16, Q8_0 or Q4_0 record.
 */
import type { Tensor } from '../../model/spec.js';
import { encodeF16 } from '../../numeric/half.js';
import { joinArrays } from '../join-arrays.js';
import { quantizeBlocks, type EncodedBlockType } from '../quantize-blocks.js';
import { tensorByteLength } from '../tensor-data.js';
import { RWKV_CPP_LIMITS, RWKV_CPP_MAGIC, RWKV_CPP_TYPE_IDS } from './format.js';
import type { RwkvCppHeader, RwkvCppRecord } from './format.js';

const UTF8 = new TextEncoder();

/** A record holding a canonical tensor's values as FP32, FP16, Q8_0 or Q4_0 (ggml dims are the shape reversed). */
export function tensorRecord(
  tensor: Pick<Tensor, 'name' | 'shape' | 'data'>,
  dataType: 'f32' | 'f16' | EncodedBlockType,
): RwkvCppRecord {
  const data =
    dataType === 'f16'
      ? encodeF16(tensor.data)
      : dataType === 'f32'
        ? new Uint8Array(
            tensor.data.buffer.slice(tensor.data.byteOffset, tensor.data.byteOffset + tensor.data.byteLength),
          )
        : quantizeBlocks(dataType, tensor.data);
  return { name: tensor.name, dims: [...tensor.shape].reverse(), dataType, data };
}

/** The bytes of a `.bin` file with this header and these records, in order. */
export function writeRwkvCpp(header: RwkvCppHeader, records: Iterable<RwkvCppRecord>): Uint8Array {
  const parts: Uint8Array[] = [
    int32Bytes([
      RWKV_CPP_MAGIC,
      header.version,
      header.nVocab,
      header.nEmbed,
      header.nLayer,
      RWKV_CPP_TYPE_IDS[header.dataType],
    ]),
  ];
  for (const record of records) {
    const key = UTF8.encode(record.name);
    const count = record.dims.reduce((product, dim) => product * dim, 1);
    const expectedBytes = tensorByteLength(record.dataType, count);
    if (record.dims.length < 1 || record.dims.length > RWKV_CPP_LIMITS.maxDimCount) {
      throw new RangeError(`${record.name}: ${record.dims.length} dims, rwkv.cpp files allow 1 to 3`);
    }
    if (record.data.length !== expectedBytes) {
      throw new RangeError(`${record.name}: ${record.data.length} data bytes, its dims and type need ${expectedBytes}`);
    }
    parts.push(
      int32Bytes([record.dims.length, key.length, RWKV_CPP_TYPE_IDS[record.dataType], ...record.dims]),
      key,
      record.data,
    );
  }
  return joinArrays(parts, Uint8Array);
}

function int32Bytes(values: readonly number[]): Uint8Array {
  const bytes = new Uint8Array(4 * values.length);
  const view = new DataView(bytes.buffer);
  values.forEach((value, i) => view.setInt32(4 * i, value, true));
  return bytes;
}
