/**
 * Host side of shaders/token-mix.wgsl: `mixes` token-shift mixes of N rows at once, static (v4/v5 lerp, v7's six,
 * channel mix) or data-dependent (v6). Bindings: [x, shifted, mix, out] (+ offset for data-dependent).
 * Forms: 'shift' x + (shifted − x)·mix (v6 / v7); 'lerp' x·mix + shifted·(1 − mix) (v4 / v5).
 */
import source from '../../../shaders/token-mix.wgsl?raw';
import type { KernelDispatch } from '../kernel-runner.js';
import { resolveWgsl } from '../wgsl.js';
import { ceilDiv, checkCount, MAX_WORKGROUPS_PER_DIMENSION } from './grid.js';

const CODE = resolveWgsl(source);

export interface TokenMixShape {
  channels: number;
  rows: number;
  mixes: number;
  /** Default 'shift'; 'lerp' is the v4 / v5 form (static mixes only). */
  form?: 'shift' | 'lerp';
  /** v6: add a per-token offset (the LoRA output) to each mix. */
  dataDependent?: boolean;
}

export function tokenMixKernel(shape: TokenMixShape): KernelDispatch {
  checkCount('token mix channels', shape.channels);
  checkCount('token mix rows', shape.rows, MAX_WORKGROUPS_PER_DIMENSION);
  checkCount('token mix mixes', shape.mixes);
  if (shape.dataDependent && shape.form === 'lerp') throw new RangeError('the data-dependent mix has no lerp form');
  return {
    kernel: {
      label: 'token-mix',
      code: CODE,
      entryPoint: shape.dataDependent ? 'data_dependent' : 'main',
      constants: { CHANNELS: shape.channels, MIXES: shape.mixes, MIX_WEIGHTS_CURRENT: Number(shape.form === 'lerp') },
    },
    workgroups: [ceilDiv(shape.channels, 64), shape.rows, 1],
  };
}
