/**
 * Refusing a model the GPU cannot hold before any weight is uploaded. Before its tensors, a model stream knows its
 * file size, which gives the bytes its weights take on the GPU: f32 files stay f32, f16 and bf16 become f16 (the
 * same size), quantized blocks stay blocks (the same size, src/gpu/block-layout.ts), K-quant super-blocks become f16
 * (Q4_K: 144 bytes per 256 weights become 512); with `quantize` 'q8' / 'q4' a float file's weights take the payload
 * of the block types they are quantized to. Its header or index also gives the width, depth and vocabulary, which size the rest the forward pass
 * allocates (src/runtime/step-buffers.ts): the state slots of `maxSessions` sessions, the scratch activations of
 * the largest step and the logits with their readback copy. `reserveGpuMemory` then asks the device for the total,
 * in buffers as large as the uploader's largest (`maxPartBytes`: the smaller of maxBufferSize and
 * maxStorageBufferBindingSize), inside an 'out-of-memory' error scope each, and frees them at once: an allocation
 * the device refuses becomes a GpuOutOfMemoryError stating what the model needs (by part) and how much the device
 * did give, before half a model sits on the GPU. WebGPU reports no memory size, so this reservation is the only way
 * to learn it; it costs one allocation per maxPartBytes and no upload.
 */
import { GpuOutOfMemoryError } from '../errors.js';
import { K_BLOCK_BYTES, K_BLOCK_VALUES, isKQuantType } from '../formats/k-quants.js';
import type { ModelStream } from '../formats/tensor-stream.js';
import { QUANT_BLOCK_BYTES, QUANT_BLOCK_VALUES, isQuantizedType } from '../formats/quantized.js';
import type { EncodedBlockType } from '../formats/quantize-blocks.js';
import { LOAD_TIME_BLOCK_TYPES, type LoadTimeQuantization } from '../quantize/load-time-formats.js';
import { maxPartBytes } from '../gpu/gpu-matrix.js';
import { defaultMaxBatch } from '../runtime/model.js';
import type { BackendSizes } from './backend.js';

const MIB = 1024 * 1024;

/**
 * Floats of WKV state per channel of a layer: a head size of 64 (that of every released v5–v7 model: H·S·S floats
 * = nEmbed · 64); v4 holds 3 per channel.
 */
const WKV_FLOATS_PER_CHANNEL = 64;
/**
 * Activation vectors of nEmbed floats per row of the largest step, a bound on the scratch every generation's layer
 * takes (v7 and v6 use about 30, the FFN's hidden width included).
 */
const SCRATCH_VECTORS = 40;

/** GPU memory a model takes, by part, in bytes. */
export interface GpuMemoryEstimate {
  weights: number;
  /** The state slots of maxSessions sessions (0 when the file does not say its shape before its tensors). */
  states: number;
  /** Scratch activations, token ids and logits with their readback copy, for the largest step. */
  scratch: number;
  total: number;
}

/** The estimate for a stream loaded with `sizes` on a device whose largest part is `partBytes`. */
export function estimateGpuMemory(
  stream: Pick<ModelStream, 'bytes' | 'nVocab' | 'declaredShape' | 'weightType'>,
  sizes: BackendSizes,
  partBytes: number,
): GpuMemoryEstimate {
  const weights = estimateWeightBytes(stream, sizes.quantization ?? { quantize: 'none' });
  const rows = Math.max(sizes.chunkSize, defaultMaxBatch(sizes.maxSessions));
  const logitRows = Math.max(1, Math.min(rows, Math.floor(partBytes / (4 * stream.nVocab))));
  // the logits with their readback copy, and each session's retained row (decodes that read back candidates)
  const logits = (2 * logitRows + sizes.maxSessions) * stream.nVocab * 4;
  const shape = stream.declaredShape;
  const states = shape ? sizes.maxSessions * shape.nLayer * (2 + WKV_FLOATS_PER_CHANNEL) * shape.nEmbed * 4 : 0;
  const scratch = logits + (shape ? rows * (SCRATCH_VECTORS * shape.nEmbed + 1) * 4 : 0);
  return { weights, states, scratch, total: weights + states + scratch };
}

/**
 * GPU bytes of the weights: the file's size as it is (K-quant blocks become f16), or with a load-time quantization of
 * a float file, its values (file bytes / bytes per value) at the payload of the block type each class gets: the head
 * and the embedding (nVocab · nEmbed values each, when the header gives the width) and the rest at the matrices'.
 */
function estimateWeightBytes(
  stream: Pick<ModelStream, 'bytes' | 'nVocab' | 'declaredShape' | 'weightType'>,
  quantization: LoadTimeQuantization,
): number {
  const type = stream.weightType;
  const fileBytes = stream.bytes ?? 0;
  if (isKQuantType(type)) return Math.ceil((fileBytes * 2 * K_BLOCK_VALUES) / K_BLOCK_BYTES[type]);
  if (quantization.quantize === 'none' || isQuantizedType(type)) return fileBytes;
  const values = fileBytes / (type === 'f32' ? 4 : 2);
  const edgeValues = Math.min(values / 2, stream.nVocab * (stream.declaredShape?.nEmbed ?? 0));
  const types = LOAD_TIME_BLOCK_TYPES[quantization.quantize];
  const payload = (blockType: EncodedBlockType, quantized = true) =>
    quantized ? QUANT_BLOCK_BYTES[blockType] / QUANT_BLOCK_VALUES : 2;
  const edges =
    edgeValues *
    (payload(types.head, quantization.head !== false) + payload(types.embedding, quantization.embedding !== false));
  return Math.ceil(edges + (values - 2 * edgeValues) * payload(types.matrix));
}

/** Allocates and frees the estimate's total; throws GpuOutOfMemoryError when the device refuses. */
export async function reserveGpuMemory(
  device: GPUDevice,
  estimate: GpuMemoryEstimate,
  what: string,
  sizes: BackendSizes,
): Promise<void> {
  const pieceBytes = maxPartBytes(device);
  const pieces: GPUBuffer[] = [];
  const bytes = estimate.total;
  try {
    for (let reserved = 0; reserved < bytes; reserved += pieceBytes) {
      const size = Math.min(pieceBytes, bytes - reserved);
      device.pushErrorScope('out-of-memory');
      pieces.push(device.createBuffer({ label: 'memory reservation', size, usage: GPUBufferUsage.STORAGE }));
      const error = await device.popErrorScope();
      if (error !== null) {
        throw new GpuOutOfMemoryError(
          `Loading ${what} needs about ${mib(bytes)} of GPU memory (weights ${mib(estimate.weights)}, state slots ` +
            `of ${sizes.maxSessions} sessions ${mib(estimate.states)}, scratch and logits ` +
            `${mib(estimate.scratch)}); this GPU gave ${mib(reserved)} and then refused ${mib(size)} more ` +
            `(${error.message.trim().split('\n')[0]}). Use a smaller model (fewer parameters, or an f16 or ` +
            "quantized file rather than an f32 one), quantize: 'q4' or 'q8', fewer sessions " +
            '(maxSessions) or a shorter prefillChunkSize.',
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
