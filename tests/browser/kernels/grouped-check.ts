/**
 * The check the grouped matrix-vector kernel (shaders/matvec.wgsl `grouped`) shares between the float and the block
 * formats' tests: matrices of one format moved into one buffer (shareBuffer), each member with its own shape,
 * activation, x region and output binding (y or y2), against the CPU oracle's act(W·x) per member.
 */
import { expect } from 'vitest';
import { uploadBuffer, UNIFORM } from '../../../src/gpu/buffers.js';
import { shareBuffer, type GpuMatrix } from '../../../src/gpu/gpu-matrix.js';
import { groupedMatVecKernel, memberTable, type GroupedMember } from '../../../src/gpu/kernels/matvec.js';
import type { Activation } from '../../../src/gpu/kernels/activation.js';
import { matMat, sigmoid, silu, squaredRelu, tanh } from '../../../src/cpu/ops.js';
import { expectClose, gpu, randomArray, readFloats } from '../gpu-harness.js';

const ORACLE: Record<Activation, (values: Float32Array) => Float32Array> = {
  identity: (values) => values,
  tanh,
  sigmoid,
  squaredRelu,
  silu,
};
const ACTIVATIONS = Object.keys(ORACLE) as Activation[];

/** Floats a region's start is aligned to (256 bytes). */
const ALIGN = 64;

/** One member: its uploaded matrix and the values the GPU sees of it (rounded or dequantized). */
export interface GroupedCase {
  matrix: GpuMatrix;
  values: Float32Array;
}

/**
 * Runs the cases `makeCases` uploads (one format) as one grouped dispatch for a batch of `batch` vectors and checks
 * every member's output, with the tree reduction and (a device with `subgroups`) subgroupAdd's; member m takes
 * activation m (cycling) and writes into y (even m) or y2 (odd m).
 */
export async function expectGroupedMatVec(makeCases: () => GroupedCase[], batch: number): Promise<void> {
  const { context } = await gpu();
  const reductions = context.features.has('subgroups') ? [false, true] : [false];
  if (reductions.length === 1)
    console.warn('!!! adapter without subgroups: the subgroupAdd grouped matvec is untested');
  for (const subgroups of reductions) await runGrouped(makeCases(), batch, subgroups);
}

async function runGrouped(cases: readonly GroupedCase[], batch: number, subgroups: boolean): Promise<void> {
  const { context, runner } = await gpu();
  const device = context.device;
  const matrices = shareBuffer(
    device,
    cases.map((c) => c.matrix),
    'grouped',
  );
  expect(new Set(matrices.map((m) => m.parts[0].buffer)).size).toBe(1);
  const region = (floats: number) => Math.ceil(floats / ALIGN) * ALIGN;
  let xFloats = 0;
  const outFloats = [0, 0];
  const members: GroupedMember[] = matrices.map((matrix, m) => {
    const output = (m % 2) as 0 | 1;
    const member = {
      rows: matrix.rows,
      columns: matrix.columns,
      byteOffset: matrix.parts[0].offset,
      activation: ACTIVATIONS[m % ACTIVATIONS.length],
      xOffset: xFloats,
      yOffset: outFloats[output],
      output,
    };
    xFloats += region(batch * matrix.columns);
    outFloats[output] += region(batch * matrix.rows);
    return member;
  });
  const x = randomArray(xFloats, 40 + batch);
  const buffers = {
    x: uploadBuffer(device, x, 'x'),
    y: uploadBuffer(device, new Float32Array(outFloats[0]), 'y'),
    y2: uploadBuffer(device, new Float32Array(Math.max(outFloats[1], 1)), 'y2'),
    table: uploadBuffer(device, memberTable(matrices[0].format, members), 'members', UNIFORM),
  };
  const dispatch = groupedMatVecKernel({ format: matrices[0].format, members, batch, subgroups });
  await runner.run(dispatch, [matrices[0].parts[0].buffer, buffers.x, buffers.y, buffers.y2, buffers.table]);
  const outputs = [await readFloats(device, buffers.y), await readFloats(device, buffers.y2)];
  members.forEach((member, m) => {
    const xm = x.subarray(member.xOffset, member.xOffset + batch * member.columns);
    const expected = ORACLE[member.activation ?? 'identity'](matMat(cases[m].values, xm, batch));
    const got = outputs[member.output].subarray(member.yOffset, member.yOffset + batch * member.rows);
    expectClose(got, expected, 1e-5);
  });
}
