/**
 * The model identity (src/storage/state-identity.ts) of a model that streams past on its way to a backend: each
 * tensor's sample values are picked out of the runs as they go by, so that no tensor needs to be whole, and digested
 * once the set is checked and every tensor's canonical shape is known. It gives the same identity as
 * `modelIdentity` over the same model in memory.
 */
import { RwkvError } from '../errors.js';
import { valueAt } from '../formats/tensor-data.js';
import type { ModelStream, StreamedTensor, TensorRun } from '../formats/tensor-stream.js';
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

  /** `stream`, sampling every run its consumer reads. */
  wrap(stream: ModelStream): ModelStream {
    return {
      format: stream.format,
      weightType: stream.weightType,
      nVocab: stream.nVocab,
      bytes: stream.bytes,
      get bytesRead() {
        return stream.bytesRead;
      },
      forEachTensor: async (consume) => {
        this.checked = await stream.forEachTensor((tensor) => consume({ ...tensor, runs: () => this.sampled(tensor) }));
        return this.checked;
      },
      close: () => stream.close(),
    };
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

  private async *sampled(tensor: StreamedTensor): AsyncGenerator<TensorRun, void, undefined> {
    const length = elementCount(tensor.shape);
    const positions = samplePositions(length);
    const samples: TensorSamples = { length, positions, values: new Float32Array(positions.length), taken: 0 };
    this.samples.set(tensor.name, samples);
    const rowLength = tensor.shape[tensor.shape.length - 1];
    for await (const run of tensor.runs()) {
      const start = run.firstRow * rowLength;
      const end = start + run.rowCount * rowLength;
      while (samples.taken < positions.length && positions[samples.taken] < end) {
        samples.values[samples.taken] = valueAt(tensor.dataType, run.bytes, positions[samples.taken] - start);
        samples.taken += 1;
      }
      yield run;
    }
  }
}
