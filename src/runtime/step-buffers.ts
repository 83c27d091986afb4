/**
 * Buffer planning of the GPU forward pass: everything a step reads or writes besides the weights, created once at
 * model creation for the largest step — the state slots, the step uniforms, the scratch activations ([R, width] per
 * role, R = max(maxChunk, maxBatch)), the token ids, the logits (L rows, as many as fit one binding up to R), the
 * top candidates of a decode's rows, each slot's retained row of logits, and the readback copy. See
 * docs/runtime.md, "Buffers".
 */
import { createBuffer } from '../gpu/buffers.js';
import { candidateRecordWords } from '../gpu/kernels/top-candidates.js';
import { MAX_CANDIDATES } from '../sampling/top-candidates.js';
import { maxPartBytes } from '../gpu/gpu-matrix.js';
import { Scratch } from '../gpu/step/scratch.js';
import { StateSlots } from '../gpu/step/state-slots.js';
import { StepParams } from '../gpu/step/step-params.js';
import { createState, layerStateLayout, stateSize } from '../generations/state.js';
import type { ModelSpec } from '../model/spec.js';

export interface StepSizes {
  maxSessions: number;
  maxBatch: number;
  maxChunk: number;
}

export interface StepBuffers {
  slots: StateSlots;
  params: StepParams;
  scratch: Scratch;
  /** The step's token ids [N] u32. */
  tokens: GPUBuffer;
  /** The head's output [logitRows, nVocab]. */
  logits: GPUBuffer;
  /** The top candidates of the head's rows, [maxBatch] records (src/gpu/kernels/top-candidates.ts). */
  candidates: GPUBuffer;
  /** Each slot's row of logits from its last decode that read back only candidates, [maxSessions, nVocab]. */
  retained: GPUBuffer;
  /** The MAP_READ copy of what a step reads back (logits, candidates): the only readback. */
  staging: GPUBuffer;
  /** Rows the logits buffer holds. */
  logitRows: number;
  destroy(): void;
}

/** Creates the step buffers, or none (each one created is destroyed again when a later one fails). */
export function planStepBuffers(device: GPUDevice, spec: ModelSpec, sizes: StepSizes): StepBuffers {
  const bindingLimit = maxPartBytes(device);
  const logitRows = Math.min(Math.max(sizes.maxChunk, sizes.maxBatch), Math.floor(bindingLimit / (spec.nVocab * 4)));
  if (logitRows < sizes.maxBatch) {
    throw new RangeError(`The logits of ${sizes.maxBatch} sessions do not fit one GPU binding; lower maxBatch.`);
  }
  const owned: { destroy(): void }[] = [];
  const own = <T extends { destroy(): void }>(resource: T): T => {
    owned.push(resource);
    return resource;
  };
  const destroy = () => {
    for (const resource of owned.splice(0)) resource.destroy();
  };
  try {
    const layout = layerStateLayout(spec);
    const slotShape = { stateFloats: stateSize(spec), layerStride: layout.stride, fresh: () => createState(spec) };
    const slots = own(new StateSlots(device, slotShape, sizes.maxSessions, bindingLimit));
    const params = own(new StepParams(device, slots, spec.nLayer, layout));
    const scratch = own(new Scratch(device, Math.max(sizes.maxChunk, sizes.maxBatch)));
    const tokens = own(createBuffer(device, scratch.rows * 4, 'tokens'));
    const logits = own(createBuffer(device, logitRows * spec.nVocab * 4, 'logits'));
    const recordBytes = candidateRecordWords(Math.min(MAX_CANDIDATES, spec.nVocab)) * 4;
    const candidates = own(createBuffer(device, sizes.maxBatch * recordBytes, 'top candidates'));
    const retained = own(createBuffer(device, sizes.maxSessions * spec.nVocab * 4, 'retained logits'));
    const staging = own(
      device.createBuffer({
        label: 'logits readback',
        size: logits.size,
        usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST,
      }),
    );
    return { slots, params, scratch, tokens, logits, candidates, retained, staging, logitRows, destroy };
  } catch (error) {
    destroy();
    throw error;
  }
}
