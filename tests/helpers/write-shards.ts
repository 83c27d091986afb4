/**
 * Splits a checkpoint's tensors over several files as Hugging Face's `save_pretrained` does: consecutive tensors in
 * `model-0000i-of-0000n.safetensors` (or `pytorch_model-0000i-of-0000n.bin`), and an index
 * `{ "metadata": { "total_size" }, "weight_map": { tensor: file } }` naming the file of every tensor.
 */
import { writePth } from './write-pth.js';
import type { OfficialTensor } from './write-pth.js';
import { writeSafetensors } from './write-safetensors.js';

export interface WrittenShards {
  files: { name: string; bytes: Uint8Array }[];
  /** The index's JSON text. */
  index: string;
}

export function writeShards(
  tensors: readonly OfficialTensor[],
  count: number,
  container: 'safetensors' | 'pth' = 'safetensors',
): WrittenShards {
  const perShard = Math.ceil(tensors.length / count);
  const files: WrittenShards['files'] = [];
  const weightMap: Record<string, string> = {};
  for (let i = 0; i < count; i++) {
    const part = tensors.slice(i * perShard, (i + 1) * perShard);
    const number = (n: number) => String(n).padStart(5, '0');
    const name =
      container === 'safetensors'
        ? `model-${number(i + 1)}-of-${number(count)}.safetensors`
        : `pytorch_model-${number(i + 1)}-of-${number(count)}.bin`;
    for (const tensor of part) weightMap[tensor.name] = name;
    files.push({ name, bytes: container === 'safetensors' ? writeSafetensors(part) : writePth(part) });
  }
  const totalSize = tensors.reduce((sum, tensor) => sum + tensor.data.length * 4, 0);
  return { files, index: JSON.stringify({ metadata: { total_size: totalSize }, weight_map: weightMap }) };
}
