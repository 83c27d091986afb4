/**
 * The CPU oracle's "quantize then dequantize" mode: a canonical model whose linear weights hold exactly the values
 * the GPU sees after a load-time quantization — each weight that load-time-formats.ts quantizes is quantized to its
 * blocks and decoded back with the exact formulas of src/formats/quantized.ts, every other f32 / f16 / bf16 linear
 * weight is rounded to f16, blocks read from a quantized file stay as read. The reference forward pass run on it is
 * what the GPU kernels must reproduce (≤ 1e-3), and what the perplexity of a quantized model is measured on.
 */
import { dequantize, isQuantizedType } from '../formats/quantized.js';
import { weightClass } from '../generations/weight-class.js';
import { roundToF16 } from '../gpu/matrix-layout.js';
import type { CanonicalModel, Tensor } from '../model/spec.js';
import { quantizeBlocks } from '../formats/quantize-blocks.js';
import { loadTimeBlockType, type LoadTimeQuantization } from './load-time-formats.js';

/** The GPU's values of one tensor after a load-time quantization. */
function asLoaded(tensor: Tensor, options: LoadTimeQuantization): Tensor {
  if (weightClass(tensor.name) === 'vector' || isQuantizedType(tensor.sourceType)) return tensor;
  const columns = tensor.shape[tensor.shape.length - 1];
  const type = loadTimeBlockType(tensor.name, columns, tensor.sourceType, options);
  const data =
    type === undefined
      ? roundToF16(tensor.data)
      : dequantize(type, quantizeBlocks(type, tensor.data, `Tensor ${tensor.name}`));
  return { ...tensor, data };
}

/** `model` with every linear weight as the GPU holds it after loading with `options` (quantize 'q8' or 'q4'). */
export function quantizedAsLoaded(model: CanonicalModel, options: LoadTimeQuantization): CanonicalModel {
  if (options.quantize === 'none') throw new RangeError("quantizedAsLoaded needs quantize 'q8' or 'q4'");
  const tensors = new Map<string, Tensor>();
  for (const [name, tensor] of model.tensors) tensors.set(name, asLoaded(tensor, options));
  return { spec: model.spec, tensors };
}
