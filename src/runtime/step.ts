/**
 * The recorded form of a forward step. A step runs B sessions of T tokens each (decode: T = 1; prefill: B = 1) over
 * N = B·T activation rows laid out [B, T, C]. Every op of the step is built once, when the model is created, with
 * its buffers fixed; what varies between steps (N, B, T, the head's row count) only changes workgroup counts and
 * uniform contents, so pipelines and bind groups are created once per op (per row-count variant for the linear
 * layers) and reused by every later step.
 */
import type { GpuMatrix } from '../gpu/gpu-matrix.js';
import type { Binding, KernelDispatch, KernelRunner } from '../gpu/kernel-runner.js';
import type { Activation } from '../gpu/kernels/activation.js';
import { matMatKernel } from '../gpu/kernels/matmat.js';
import { MAX_MATVEC_BATCH, matVecKernel } from '../gpu/kernels/matvec.js';

export interface StepShape {
  /** Sessions in the step (B). */
  sessions: number;
  /** Tokens per session (T). */
  tokens: number;
  /** Activation rows, B·T. */
  rows: number;
  /** Rows that reach the head: N (logits of every position) or B (the last position of each session). */
  headRows: number;
}

export interface StepOp {
  encode(pass: GPUComputePassEncoder, shape: StepShape): void;
}

/** Which row count a linear layer runs over: the step's activation rows or the head's rows. */
export type RowSource = 'rows' | 'headRows';

export interface LinearOptions {
  activation?: Activation;
  /** y += W·x instead of y = W·x (the residual adds). */
  accumulate?: boolean;
  rows?: RowSource;
}

interface Resolved {
  pipeline: GPUComputePipeline;
  bindGroup: GPUBindGroup;
}

/**
 * Builds the ops of a model's step. An op compiles its pipeline and creates its bind group on first use and keeps
 * them (pipelines are also shared through the runner's cache); compilation errors surface as GPU validation errors
 * of the step that first uses the op.
 */
export class StepBuilder {
  /**
   * @param rowsUniform the matmat `{ rows }` uniform holding N, written before each step
   * @param headRowsUniform the same for the head's row count
   */
  constructor(
    readonly runner: KernelRunner,
    private readonly rowsUniform: GPUBuffer,
    private readonly headRowsUniform: GPUBuffer,
  ) {}

  /**
   * An op whose pipeline does not depend on the step's shape (only its workgroup count does): `dispatch(shape)`
   * gives both; `bindings` are bound in binding order.
   */
  kernel(dispatch: (shape: StepShape) => KernelDispatch, bindings: readonly Binding[]): StepOp {
    let resolved: Resolved | undefined;
    return {
      encode: (pass, shape) => {
        const { kernel, workgroups } = dispatch(shape);
        resolved ??= this.resolve(kernel, bindings);
        pass.setPipeline(resolved.pipeline);
        pass.setBindGroup(0, resolved.bindGroup);
        pass.dispatchWorkgroups(...workgroups);
      },
    };
  }

  /**
   * y = act(W·x) (or y += …) over the step's rows, for every row part of `matrix`: the batched matrix-vector
   * kernel when the rows are one token of each session and at most MAX_MATVEC_BATCH (decode, and the last-position
   * head), the tiled matrix-matrix kernel otherwise (prefill chunks). x is [rows, matrix.columns], y [rows,
   * matrix.rows]. Pipelines: one matvec variant per batch size used, one matmat for every chunk length.
   */
  linear(matrix: GpuMatrix, x: GPUBuffer, y: GPUBuffer, options: LinearOptions = {}): StepOp {
    const source = options.rows ?? 'rows';
    const shapeUniform = source === 'rows' ? this.rowsUniform : this.headRowsUniform;
    const epilogue = { activation: options.activation, accumulate: options.accumulate };
    /** The kernel of one part for `rows` rows; `variant` is the matvec batch size, or 0 for matmat. */
    const partKernel = (part: GpuMatrix['parts'][number], rows: number, variant: number): KernelDispatch => {
      const shape = {
        ...epilogue,
        inWidth: matrix.columns,
        rows: part.rowCount,
        outWidth: matrix.rows,
        rowOffset: part.firstRow,
        format: matrix.format,
      };
      return variant > 0 ? matVecKernel({ ...shape, batch: variant }) : matMatKernel({ ...shape, tokens: rows });
    };
    const partBindings = (part: GpuMatrix['parts'][number], variant: number): Binding[] =>
      variant > 0 ? [part.buffer, x, y] : [shapeUniform, part.buffer, x, y];
    /** Resolved parts by variant: the matvec batch size, or 0 for matmat. */
    const variants = new Map<number, Resolved[]>();
    return {
      encode: (pass, shape) => {
        const rows = shape[source];
        const variant = rows === shape.sessions && rows <= MAX_MATVEC_BATCH ? rows : 0;
        let resolved = variants.get(variant);
        if (!resolved) {
          resolved = matrix.parts.map((part) =>
            this.resolve(partKernel(part, rows, variant).kernel, partBindings(part, variant)),
          );
          variants.set(variant, resolved);
        }
        matrix.parts.forEach((part, i) => {
          pass.setPipeline(resolved[i].pipeline);
          pass.setBindGroup(0, resolved[i].bindGroup);
          pass.dispatchWorkgroups(...partKernel(part, rows, variant).workgroups);
        });
      },
    };
  }

  private resolve(kernel: KernelDispatch['kernel'], bindings: readonly Binding[]): Resolved {
    const pipeline = this.runner.pipelines.get(kernel);
    return { pipeline, bindGroup: this.runner.bindGroup(pipeline, bindings, kernel.label) };
  }
}
