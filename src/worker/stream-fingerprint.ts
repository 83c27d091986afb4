/**
 * The model identity (src/storage/state-identity.ts) of a model that streams past on its way to a backend: each
 * tensor's sample values are picked out of the runs as they go by, so that no tensor needs to be whole, and digested
 * once the set is checked and every tensor's canonical shape is known. It gives the same identity as
 * `modelIdentity` over the same model in memory.
 */
import { RwkvError } from '../errors.js';
import { valueAt } from '../formats/tensor-data.js';
import { observeRuns, type ModelStream, type StreamedTensor, type TensorRun } from '../formats/tensor-stream.js';
import { elementCount } from '../model/spec.js';
import type { CheckedTensorSet } from '../generations/tensor-set.js';
import { WeightsFingerprint, samplePositions } from '../storage/state-identity.js';
import type { ModelIdentity } from '../storage/state-identity.js';

interface TensorSamples {
  length: number;
  positions: number[];
  values: Float32Array;
  /** Samples taken so far (positions before the runs seen). */
  taken: number;
}

export class StreamFingerprint {
  private readonly samples = new Map<string, TensorSamples>();
  private checked: CheckedTensorSet | undefined;

  /** `stream`, sampling every run its consumer reads (observeRuns), and keeping the checked tensor set. */
  wrap(stream: ModelStream): ModelStream {
    const sampled = observeRuns(stream, (tensor, run) => this.sample(tensor, run));
    const sampledForEach = sampled.forEachTensor;
    const forEachTensor: ModelStream['forEachTensor'] = async (consume) => {
      this.checked = await sampledForEach(consume);
      return this.checked;
    };
    return Object.assign(sampled, { forEachTensor });
  }

  /** The identity, once the wrapped stream has been consumed whole. */
  identity(): ModelIdentity {
    if (this.checked === undefined) throw new RwkvError('The model stream was not read to its end.');
    const fingerprint = new WeightsFingerprint();
    for (const [name, shape] of this.checked.shapes) {
      const samples = this.samples.get(name);
      if (samples === undefined || samples.taken < samples.positions.length) {
        throw new RwkvError(`Tensor ${name} was not read whole, so the model has no identity.`);
      }
      fingerprint.addSamples(name, shape, samples.length, samples.values);
    }
    return fingerprint.identity(this.checked.spec);
  }

  /** Takes the samples of `tensor` that fall in `run` (runs come in row order, the first from row 0). */
  private sample(tensor: StreamedTensor, run: TensorRun): void {
    let samples = this.samples.get(tensor.name);
    if (samples === undefined || run.firstRow === 0) {
      const length = elementCount(tensor.shape);
      const positions = samplePositions(length);
      samples = { length, positions, values: new Float32Array(positions.length), taken: 0 };
      this.samples.set(tensor.name, samples);
    }
    const rowLength = tensor.shape[tensor.shape.length - 1];
    const start = run.firstRow * rowLength;
    const end = start + run.rowCount * rowLength;
    while (samples.taken < samples.positions.length && samples.positions[samples.taken] < end) {
      samples.values[samples.taken] = valueAt(tensor.dataType, run.bytes, samples.positions[samples.taken] - start);
      samples.taken += 1;
    }
  }
}
