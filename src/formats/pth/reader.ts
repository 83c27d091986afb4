/**
 * Streaming reader of official RWKV `.pth` checkpoints (torch.save's zip format): the zip directory at the end of
 * the file locates `<archive>/data.pkl`, whose pickle (read by ./pickle.ts, which executes nothing) maps each
 * tensor name to a storage entry `<archive>/data/<key>`, an element offset, a size and strides. The spec is
 * inferred from names and shapes before any tensor data is read; tensors then come one at a time, each read from
 * its storage entry only when it is due.
 */
import { ModelFormatError } from '../../errors.js';
import { elementCount } from '../../model/spec.js';
import { FLOAT_TYPE_BYTES, openOfficialCheckpoint } from '../official-names.js';
import type { OfficialCheckpoint, StoredTensor } from '../official-names.js';
import type { LoraAdapter } from '../lora-merge.js';
import { readRange } from '../random-access.js';
import type { RandomAccessSource } from '../random-access.js';
import { parsePickle } from './pickle.js';
import type { TensorRef } from './pickle.js';
import { readZipDirectory, zipEntryDataOffset } from './zip.js';
import type { ZipDirectory, ZipEntry } from './zip.js';

/** A state dict's pickle is ~100 bytes per tensor; this bound is far above any real checkpoint's. */
const MAX_PICKLE_BYTES = 64 << 20;

const ARCHIVE_PICKLE = /^([^/]+)\/data\.pkl$/;

/** The archive folder (torch.save names it after the file) that holds data.pkl. */
function archiveFolder(directory: ZipDirectory): string {
  const folders = [...directory.entries.keys()].flatMap((name) => ARCHIVE_PICKLE.exec(name)?.[1] ?? []);
  if (folders.length !== 1) {
    throw new ModelFormatError(
      folders.length === 0
        ? 'not a PyTorch checkpoint: the zip archive has no <archive>/data.pkl'
        : `the zip archive holds ${folders.length} PyTorch archives (${folders.join(', ')}); expected one`,
    );
  }
  return folders[0];
}

async function entryText(source: RandomAccessSource, directory: ZipDirectory, entry: ZipEntry): Promise<string> {
  const offset = await zipEntryDataOffset(source, directory, entry);
  return new TextDecoder().decode(await readRange(source, offset, entry.size, `'${entry.name}'`));
}

/** Row-major strides for `shape`; dims of size 1 may carry any stride, as in torch's own contiguity test. */
function isContiguous(tensor: TensorRef): boolean {
  let expected = 1;
  for (let dim = tensor.shape.length - 1; dim >= 0; dim--) {
    if (tensor.shape[dim] !== 1 && tensor.stride[dim] !== expected) return false;
    expected *= tensor.shape[dim];
  }
  return true;
}

function storedTensor(
  source: RandomAccessSource,
  directory: ZipDirectory,
  folder: string,
  name: string,
  tensor: TensorRef,
): StoredTensor {
  const { storage } = tensor;
  const itemBytes = FLOAT_TYPE_BYTES[storage.dtype];
  const entry = directory.entries.get(`${folder}/data/${storage.key}`);
  if (entry === undefined) throw new ModelFormatError(`tensor '${name}': storage entry data/${storage.key} is missing`);
  if (storage.numel * itemBytes > entry.size) {
    throw new ModelFormatError(
      `tensor '${name}': storage ${storage.key} declares ${storage.numel} values but its entry holds ${entry.size} bytes`,
    );
  }
  if (!isContiguous(tensor)) {
    throw new ModelFormatError(
      `tensor '${name}' is not contiguous (size [${tensor.shape}], stride [${tensor.stride}]); ` +
        'save it with .contiguous() first',
    );
  }
  const count = elementCount(tensor.shape);
  if (tensor.storageOffset + count > storage.numel) {
    throw new ModelFormatError(
      `tensor '${name}': ${count} values from offset ${tensor.storageOffset} overrun its storage of ${storage.numel}`,
    );
  }
  const byteOffset = tensor.storageOffset * itemBytes;
  /** Where the storage entry's data starts, read from its local header on first use. */
  let dataOffset: Promise<number> | undefined;
  return {
    name,
    shape: tensor.shape,
    type: storage.dtype,
    position: entry.localHeaderOffset + byteOffset,
    async readBytes(offset = 0, length = count * itemBytes - offset) {
      dataOffset ??= zipEntryDataOffset(source, directory, entry);
      return readRange(source, (await dataOffset) + byteOffset + offset, length, `the data of '${name}'`);
    },
  };
}

/** The tensors a `.pth` stores, under their stored names, each read from its storage entry on demand. */
export async function listPthTensors(source: RandomAccessSource): Promise<StoredTensor[]> {
  const directory = await readZipDirectory(source);
  const folder = archiveFolder(directory);
  const byteorder = directory.entries.get(`${folder}/byteorder`);
  if (byteorder !== undefined && (await entryText(source, directory, byteorder)) !== 'little') {
    throw new ModelFormatError('the checkpoint was saved on a big-endian machine; only little-endian is supported');
  }
  const pickleEntry = directory.entries.get(`${folder}/data.pkl`) as ZipEntry;
  if (pickleEntry.size > MAX_PICKLE_BYTES) {
    throw new ModelFormatError(`data.pkl is ${pickleEntry.size} bytes, far beyond any state dict`);
  }
  const pickleOffset = await zipEntryDataOffset(source, directory, pickleEntry);
  const stateDict = parsePickle(await readRange(source, pickleOffset, pickleEntry.size, 'data.pkl'));
  if (!(stateDict instanceof Map)) {
    throw new ModelFormatError('data.pkl does not hold a dict of tensors (a state dict) at its top level');
  }
  const stored: StoredTensor[] = [];
  for (const [name, value] of stateDict) {
    if (typeof name !== 'string') throw new ModelFormatError(`the state dict has a non-string key ${name}`);
    if (typeof value !== 'object' || value === null || !('kind' in value) || value.kind !== 'tensor') {
      throw new ModelFormatError(`state dict entry '${name}' is not a tensor`);
    }
    stored.push(storedTensor(source, directory, folder, name, value));
  }
  return stored;
}

export async function openPth(
  source: RandomAccessSource,
  adapters: readonly LoraAdapter[] = [],
): Promise<OfficialCheckpoint> {
  return openOfficialCheckpoint(await listPthTensors(source), adapters);
}
