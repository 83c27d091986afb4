/**
 * What the CLI's runner page loads for `--model PATH [--lora …]` with `--backend webgpu`: each local file at a path
 * of the loopback server — the model's files under `/model/`, keeping their names (a Hugging Face index names its
 * shards, a split GGUF's parts are told by their numbers), the adapters under `/lora/N/` — and the RunnerModel that
 * tells the page which URLs form the model.
 */
import { basename } from 'node:path';
import type { RunnerModel } from '../runner/runner-api.js';
import type { LoraFlagEntry } from '../lora-flag.js';
import { modelPaths } from '../model-file.js';

export async function runnerModelOf(
  modelPath: string,
  lora: readonly LoraFlagEntry[],
): Promise<{ served: Record<string, string>; model: RunnerModel }> {
  const served: Record<string, string> = {};
  /** Serves `path` at `folder` + its file name (the server matches decoded paths); returns the URL path. */
  const serve = (folder: string, path: string) => {
    served[`${folder}${basename(path)}`] = path;
    return `${folder}${encodeURIComponent(basename(path))}`;
  };
  const { paths, set } = await modelPaths(modelPath);
  const urls = paths.map((path) => serve('/model/', path));
  return {
    served,
    model: {
      files: set ? urls : urls[0],
      lora: lora.map(({ path, alpha, weight }, i) => ({
        url: serve(`/lora/${i}/`, path),
        alpha,
        weight,
      })),
    },
  };
}
