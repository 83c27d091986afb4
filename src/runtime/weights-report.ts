/**
 * What the weights take on the GPU, per class of tensor (`engine.info.weights`): for the head, the embedding, the
 * large matrices, the LoRA projections and the vectors, the GPU formats used, the bytes of the buffers allocated
 * (measured: GPUBuffer sizes, padding included) and the values held; and the total bytes. The class of a tensor is
 * its generation's upload policy's (src/generations/weight-class.ts).
 */
import { weightClass, type WeightClass } from '../generations/weight-class.js';
import type { WeightFormat } from '../gpu/matrix-layout.js';
import type { UploadedTensor } from '../gpu/step/gpu-weights.js';

export interface WeightClassReport {
  /** The GPU formats of the class's tensors, most bytes first (empty when the model has none). */
  formats: WeightFormat[];
  /** Bytes of GPU memory allocated for them. */
  bytes: number;
  /** Values (weights) they hold: bytes / values is the bytes per weight. */
  values: number;
}

export interface WeightsReport {
  head: WeightClassReport;
  embedding: WeightClassReport;
  matrices: WeightClassReport;
  lora: WeightClassReport;
  vectors: WeightClassReport;
  /** Bytes of GPU memory allocated for all weights. */
  totalBytes: number;
}

const REPORT_KEYS: Readonly<Record<WeightClass, Exclude<keyof WeightsReport, 'totalBytes'>>> = {
  head: 'head',
  embedding: 'embedding',
  matrix: 'matrices',
  lora: 'lora',
  vector: 'vectors',
};

/** The report of the tensors uploaded (GpuWeights.tensors). */
export function reportWeights(tensors: ReadonlyMap<string, UploadedTensor>): WeightsReport {
  const tallies = new Map<keyof WeightsReport, { bytes: number; values: number; formats: Map<WeightFormat, number> }>();
  let totalBytes = 0;
  for (const [name, tensor] of tensors) {
    const key = REPORT_KEYS[weightClass(name.replace(/\.\d+$/, ''))];
    const tally = tallies.get(key) ?? { bytes: 0, values: 0, formats: new Map() };
    tally.bytes += tensor.bytes;
    tally.values += tensor.values;
    tally.formats.set(tensor.format, (tally.formats.get(tensor.format) ?? 0) + tensor.bytes);
    tallies.set(key, tally);
    totalBytes += tensor.bytes;
  }
  const classReport = (key: keyof WeightsReport): WeightClassReport => {
    const tally = tallies.get(key);
    if (!tally) return { formats: [], bytes: 0, values: 0 };
    const formats = [...tally.formats].sort((a, b) => b[1] - a[1]).map(([format]) => format);
    return { formats, bytes: tally.bytes, values: tally.values };
  };
  return {
    head: classReport('head'),
    embedding: classReport('embedding'),
    matrices: classReport('matrices'),
    lora: classReport('lora'),
    vectors: classReport('vectors'),
    totalBytes,
  };
}
