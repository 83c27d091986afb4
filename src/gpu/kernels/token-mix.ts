/**
 * Host side of shaders/token-mix.wgsl: one token-shift mix of N rows, static (v4/v5 lerp, v6/v7 shift form) or
 * data-dependent (v6, with plane `offsetPlane` of the LoRA output). Bindings: [x, shifted, mix, out] (+ offset for
 * data-dependent). Forms: 'shift' x + (shifted − x)·mix (v6 / v7); 'lerp' x·mix + shifted·(1 − mix) (v4 / v5).
 */
import source from '../../../shaders/token-mix.wgsl?raw';
import type { KernelDispatch } from '../kernel-runner.js';
import { resolveWgsl } from '../wgsl.js';
import { channelRowsDispatch } from './grid.js';

const CODE = resolveWgsl(source);

export interface TokenMixShape {
  channels: number;
  rows: number;
  /** Default 'shift'; 'lerp' is the v4 / v5 form (static mixes only). */
  form?: 'shift' | 'lerp';
  /** v6: add plane `offsetPlane` of a per-token offset [planes, N, C] (the LoRA output) to the mix. */
  dataDependent?: boolean;
  offsetPlane?: number;
}

export function tokenMixKernel(shape: TokenMixShape): KernelDispatch {
  if (shape.dataDependent && shape.form === 'lerp') throw new RangeError('the data-dependent mix has no lerp form');
  if (!shape.dataDependent && shape.offsetPlane !== undefined) throw new RangeError('a static mix has no offset');
  return channelRowsDispatch(
    {
      label: 'token-mix',
      code: CODE,
      entryPoint: shape.dataDependent ? 'data_dependent' : 'main',
      constants: { MIX_WEIGHTS_CURRENT: Number(shape.form === 'lerp'), OFFSET_PLANE: shape.offsetPlane ?? 0 },
    },
    shape.channels,
    shape.rows,
  );
}
