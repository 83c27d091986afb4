/**
 * Refusing a model the GPU cannot hold before any weight is uploaded. Before its tensors, a model stream knows its
 * file size and dominant weight type, which give the bytes its weights take on the GPU: f32 files stay f32, f16 and
 * bf16 become f16 (the same size), quantized blocks are dequantized to f16 (Q4_0: 18 bytes of file per 32 weights
 * become 64). `reserveGpuMemory` then asks the device for that much, in buffers as large as the uploader's largest
 * (`maxPartBytes`: the smaller of maxBufferSize and maxStorageBufferBindingSize), inside an 'out-of-memory' error
 * scope each, and frees them at once: an allocation the device refuses becomes a GpuOutOfMemoryError stating what the
 * model needs and how much the device did give, before half a model sits on the GPU. WebGPU reports no memory size,
 * so this reservation is the only way to learn it; it costs one allocation per maxPartBytes and no upload. The states, scratch and logits come after the weights (a few per
 * cent of them for 16 sessions) and are checked by the error scope of model creation.
 */
import { GpuOutOfMemoryError } from '../errors.js';
import type { ModelStream } from '../formats/tensor-stream.js';
import { QUANT_BLOCK_BYTES, QUANT_BLOCK_VALUES, isQuantizedType } from '../formats/quantized.js';
import { maxPartBytes } from '../gpu/gpu-matrix.js';
import type { SourceType } from '../model/spec.js';

const MIB = 1024 * 1024;

/** Bytes of GPU memory the weights of a file of `fileBytes` bytes of `weightType` weights take (0 when unknown). */
export function estimateWeightBytes(stream: Pick<ModelStream, 'bytes' | 'weightType'>): number {
  return Math.ceil((stream.bytes ?? 0) * gpuBytesPerFileByte(stream.weightType));
}

function gpuBytesPerFileByte(type: SourceType): number {
  return isQuantizedType(type) ? (2 * QUANT_BLOCK_VALUES) / QUANT_BLOCK_BYTES[type] : 1;
}

/** Allocates and frees `bytes` of GPU memory; throws GpuOutOfMemoryError when the device refuses. */
export async function reserveGpuMemory(device: GPUDevice, bytes: number, what: string): Promise<void> {
  const pieceBytes = maxPartBytes(device);
  const pieces: GPUBuffer[] = [];
  try {
    for (let reserved = 0; reserved < bytes; reserved += pieceBytes) {
      const size = Math.min(pieceBytes, bytes - reserved);
      device.pushErrorScope('out-of-memory');
      pieces.push(device.createBuffer({ label: 'memory reservation', size, usage: GPUBufferUsage.STORAGE }));
      const error = await device.popErrorScope();
      if (error !== null) {
        throw new GpuOutOfMemoryError(
          `Loading ${what} needs about ${mib(bytes)} of GPU memory; this GPU gave ${mib(reserved)} and then refused ` +
            `${mib(size)} more (${error.message.trim().split('\n')[0]}). Use a smaller model: fewer parameters, ` +
            'or an f16 file rather than an f32 one (quantized files take the memory of f16 ones here).',
        );
      }
    }
  } finally {
    for (const piece of pieces) piece.destroy();
  }
}

function mib(bytes: number): string {
  return `${(bytes / MIB).toFixed(bytes < 10 * MIB ? 1 : 0)} MiB`;
}
