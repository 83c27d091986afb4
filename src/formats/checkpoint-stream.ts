/**
 * An official checkpoint (`.pth` or safetensors, read by random access) as a ModelStream: its spec is known from the
 * index before any data is read, and its tensors come in file order, the large ones in runs of rows (see
 * official-names.ts). Progress is the file offset where the last tensor handed out ends.
 */
import { checkTensorSet } from '../generations/tensor-set.js';
import type { SourceType } from '../model/spec.js';
import type { OfficialCheckpoint } from './official-names.js';
import { DEFAULT_RUN_BYTES } from './tensor-stream.js';
import type { ModelFileFormat, ModelStream } from './tensor-stream.js';

export function checkpointStream(
  checkpoint: OfficialCheckpoint,
  format: ModelFileFormat,
  bytes: number,
  runBytes = DEFAULT_RUN_BYTES,
): ModelStream {
  let bytesRead = 0;
  let consumed = false;
  return {
    format,
    weightType: checkpoint.spec.weightType,
    nVocab: checkpoint.spec.nVocab,
    declaredShape: { nEmbed: checkpoint.spec.nEmbed, nLayer: checkpoint.spec.nLayer },
    bytes,
    get bytesRead() {
      return bytesRead;
    },
    async forEachTensor(consume) {
      if (consumed) throw new Error('the tensors of a checkpoint can be iterated only once');
      consumed = true;
      const found = new Map<string, { shape: readonly number[]; sourceType: SourceType }>();
      for (const { tensor, end } of checkpoint.streamedTensors(runBytes)) {
        found.set(tensor.name, tensor);
        await consume(tensor);
        bytesRead = Math.max(bytesRead, end);
      }
      return checkTensorSet(found);
    },
    close: async () => undefined,
  };
}
