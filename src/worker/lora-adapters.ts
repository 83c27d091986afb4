/**
 * The LoRA adapter files of `createEngine({ lora })`, opened like model files (through the model store where it
 * works, so a URL is downloaded once) and handed to the format readers as random-access sources with their alpha
 * and weight; `reopen` opens them again from their start when the model is reloaded after a GPU device loss, so the
 * reloaded weights are merged exactly as before.
 */
import { ModelFormatError } from '../errors.js';
import type { AdapterFile } from '../formats/load.js';
import { randomAccessOf } from '../formats/random-access.js';
import type { ByteSource } from '../formats/byte-stream.js';
import type { ModelFileSet } from '../formats/sharded/reader.js';
import type { LoadProgress, LoadWarning } from '../progress.js';
import type { ResolvedLora } from '../protocol/types.js';
import { fileNameOf } from './model-files.js';
import { openModelSource } from './model-source.js';
import type { ModelSource, ModelSourceOpener } from './model-source.js';

export interface OpenedAdapters {
  files: readonly AdapterFile[];
  reopen(): Promise<AdapterFile[]>;
}

export async function openAdapters(
  lora: readonly ResolvedLora[],
  onProgress?: (event: LoadProgress | LoadWarning) => void,
  signal?: AbortSignal,
  open: ModelSourceOpener = openModelSource,
): Promise<OpenedAdapters> {
  const opened: ModelSource[] = [];
  for (const adapter of lora) opened.push(await open(adapter.adapter, onProgress, signal));
  const labels = lora.map((adapter, i) => {
    const name = fileNameOf(adapter.adapter);
    return name === undefined ? `${i + 1}` : `${i + 1} ('${name}')`;
  });
  const files = (sources: readonly (ByteSource | ModelFileSet)[]): AdapterFile[] =>
    sources.map((source, i) => {
      const access = randomAccessOf(source);
      if (access === undefined) {
        throw new ModelFormatError(
          `LoRA adapter ${labels[i]} must be read by random access: give it as a File, a Blob or bytes, or as a URL ` +
            'whose server answers Range requests',
        );
      }
      return { source: access, alpha: lora[i].alpha, weight: lora[i].weight, label: labels[i] };
    });
  return {
    files: files(opened.map((file) => file.source)),
    reopen: async () => {
      const sources = [];
      for (const file of opened) sources.push(await file.reopen());
      return files(sources);
    },
  };
}
