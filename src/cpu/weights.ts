/**
 * Typed access to a canonical model's tensors for the CPU reference: fetches a tensor by name and checks its size
 * (matrices: their exact [out, in] shape), so that a malformed model fails at construction with a clear message.
 */
import { ModelFormatError } from '../errors.js';
import type { CanonicalModel, LoraDims, ModelSpec } from '../model/spec.js';

export class ModelWeights {
  readonly spec: ModelSpec;
  private readonly model: CanonicalModel;

  constructor(model: CanonicalModel) {
    this.model = model;
    this.spec = model.spec;
  }

  /** A tensor of `count` values, whatever its shape (vectors, [H, S], [5, C, D]). */
  values(name: string, count: number): Float32Array {
    const data = this.tensor(name).data;
    if (data.length !== count) {
      throw new ModelFormatError(`Tensor ${name} has ${data.length} values; expected ${count}.`);
    }
    return data;
  }

  /** A matrix of exact shape [rows, cols] (canonical [out, in]). */
  matrix(name: string, rows: number, cols: number): Float32Array {
    const tensor = this.tensor(name);
    const [r, c] = tensor.shape;
    if (tensor.shape.length !== 2 || r !== rows || c !== cols || tensor.data.length !== rows * cols) {
      throw new ModelFormatError(`Tensor ${name} has shape [${tensor.shape.join(', ')}]; expected [${rows}, ${cols}].`);
    }
    return tensor.data;
  }

  /** A LoRA width from the spec; a model of this generation must declare it. */
  loraWidth(key: keyof LoraDims): number {
    const width = this.spec.lora[key];
    if (width === undefined || !Number.isInteger(width) || width <= 0) {
      throw new ModelFormatError(`Generation ${this.spec.generation} model spec lacks the LoRA width "${key}".`);
    }
    return width;
  }

  private tensor(name: string) {
    const tensor = this.model.tensors.get(name);
    if (!tensor) throw new ModelFormatError(`Tensor ${name} is missing from the model.`);
    return tensor;
  }
}
