/**
 * The state inspector's picture: one layer's WKV state drawn as a heat map on a canvas, blue for negative, red for
 * positive, white for zero, scaled by the largest magnitude shown. From v5 on, the state of a head is an S × S
 * matrix (row i = value channel, column j = key channel, src/model/state.ts); v4 has no heads but three vectors per
 * channel (aa, bb, pp), drawn as three rows, each scaled on its own (pp is a log-scale maximum).
 */
import type { EngineInfo, State } from '../../src/index.js';
import { layerStateLayout } from '../../src/generations/state.js';

export interface Grid {
  rows: number;
  cols: number;
  values: Float32Array;
  /** Largest |value| of each row's scale group (one group for a matrix, one per row for v4). */
  scales: number[];
  description: string;
}

/** A fresh v4 pp is −1e30 ("minus infinity"); below this it is shown as empty. */
const V4_UNSET = -1e29;

export function stateGrid(state: State, info: EngineInfo, layer: number, head: number): Grid {
  const layout = layerStateLayout(info);
  const start = layer * layout.stride + layout.wkv;
  if (info.generation === '4') {
    const c = info.nEmbed;
    const values = state.data.slice(start, start + 3 * c).map((value) => (value < V4_UNSET ? 0 : value));
    const scales = [0, 1, 2].map((row) => maxAbs(values.subarray(row * c, (row + 1) * c)));
    return { rows: 3, cols: c, values, scales, description: `layer ${layer}: aa, bb, pp over ${c} channels` };
  }
  const s = info.headSize;
  const offset = start + head * s * s;
  const values = state.data.slice(offset, offset + s * s);
  const scale = maxAbs(values);
  return {
    rows: s,
    cols: s,
    values,
    scales: Array.from({ length: s }, () => scale),
    description: `layer ${layer}, head ${head}: ${s} × ${s}, rows = value, columns = key`,
  };
}

export function drawGrid(canvas: HTMLCanvasElement, grid: Grid): void {
  canvas.width = grid.cols;
  canvas.height = grid.rows;
  canvas.style.aspectRatio = `${grid.cols} / ${Math.max(grid.rows, grid.cols / 8)}`;
  const context = canvas.getContext('2d');
  if (context === null) return;
  const image = context.createImageData(grid.cols, grid.rows);
  for (let row = 0; row < grid.rows; row++) {
    const scale = grid.scales[row] || 1;
    for (let col = 0; col < grid.cols; col++) {
      const [r, g, b] = diverging(grid.values[row * grid.cols + col] / scale);
      const pixel = 4 * (row * grid.cols + col);
      image.data.set([r, g, b, 255], pixel);
    }
  }
  context.putImageData(image, 0, 0);
}

/** −1 → blue, 0 → white, +1 → red. */
function diverging(x: number): [number, number, number] {
  const t = Math.min(1, Math.abs(x));
  const fade = Math.round(255 * (1 - t));
  return x >= 0 ? [255, fade, fade] : [fade, fade, 255];
}

function maxAbs(values: Float32Array): number {
  let max = 0;
  for (const value of values) max = Math.max(max, Math.abs(value));
  return max;
}
