/**
 * The kernel tests' own encoders of a row-split matrix: one dispatch per row part, as the runtime's StepBuilder
 * (src/gpu/step/step-builder.ts) and forward graph (src/runtime/forward-graph.ts) encode them inside a step.
 */
import { uploadBuffer, UNIFORM } from '../../../src/gpu/buffers.js';
import { matrixPartShapes, partBinding, type GpuMatrix } from '../../../src/gpu/gpu-matrix.js';
import type { Binding, KernelRunner } from '../../../src/gpu/kernel-runner.js';
import { embeddingKernel } from '../../../src/gpu/kernels/embedding.js';
import { matMatKernel, type MatMatEpilogue } from '../../../src/gpu/kernels/matmat.js';
import { matVecKernel, type MatVecEpilogue } from '../../../src/gpu/kernels/matvec.js';

/** The uniform `{ rows }` binding of matmat. */
export function createShapeUniform(device: GPUDevice, rows: number): GPUBuffer {
  return uploadBuffer(device, new Uint32Array([rows, 0, 0, 0]), `shape rows=${rows}`, UNIFORM);
}

/** y = act(W·x) (or y += …) for every row part of `matrix`. */
export function encodeMatVec(
  runner: KernelRunner,
  pass: GPUComputePassEncoder,
  matrix: GpuMatrix,
  x: Binding,
  y: Binding,
  epilogue: MatVecEpilogue = {},
): void {
  for (const { part, shape } of matrixPartShapes(matrix)) {
    runner.encode(pass, matVecKernel({ ...epilogue, ...shape }), [partBinding(part), x, y]);
  }
}

/** Y = act(X·Wᵀ) (or Y += …) for every row part of `matrix`. */
export function encodeMatMat(
  runner: KernelRunner,
  pass: GPUComputePassEncoder,
  matrix: GpuMatrix,
  shape: Binding,
  x: Binding,
  y: Binding,
  epilogue: MatMatEpilogue,
): void {
  for (const { part, shape: partShape } of matrixPartShapes(matrix)) {
    runner.encode(pass, matMatKernel({ ...epilogue, ...partShape }), [shape, partBinding(part), x, y]);
  }
}

/** out[n] = table[tokens[n]] for `tokenCount` tokens over every part of `table`. */
export function encodeEmbedding(
  runner: KernelRunner,
  pass: GPUComputePassEncoder,
  table: GpuMatrix,
  tokens: Binding,
  tokenCount: number,
  out: Binding,
): void {
  for (const part of table.parts) {
    const dispatch = embeddingKernel({
      columns: table.columns,
      rows: part.rowCount,
      rowStart: part.firstRow,
      format: table.format,
      tokens: tokenCount,
    });
    runner.encode(pass, dispatch, [tokens, partBinding(part), out]);
  }
}
