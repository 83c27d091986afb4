/**
 * Tells a WebGPU adapter that runs on the CPU (SwiftShader, Mesa's llvmpipe / lavapipe, Microsoft's WARP) from a
 * GPU, by the names it gives itself: the benchmark shrinks its sizes on one, and `bench --require-gpu` refuses it.
 */

export interface AdapterNames {
  vendor: string;
  architecture: string;
  description: string;
}

export function isSoftwareAdapter({ vendor, architecture, description }: AdapterNames): boolean {
  return /swiftshader|llvmpipe|lavapipe|software|microsoft basic/i.test(`${vendor} ${architecture} ${description}`);
}
