/**
 * GPU buffer helpers: create, upload (sizes rounded up to 4 bytes as WebGPU requires) and read back through a
 * mappable staging buffer.
 */

const STORAGE = GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST;
export const UNIFORM = GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST;

function alignTo4(bytes: number): number {
  return Math.max(4, Math.ceil(bytes / 4) * 4);
}

/** A zero-filled buffer of at least `byteLength` bytes (storage, copy source and destination by default). */
export function createBuffer(device: GPUDevice, byteLength: number, label: string, usage = STORAGE): GPUBuffer {
  return device.createBuffer({ label, size: alignTo4(byteLength), usage });
}

/** A buffer holding a copy of `data`. */
export function uploadBuffer(device: GPUDevice, data: ArrayBufferView, label: string, usage = STORAGE): GPUBuffer {
  const buffer = device.createBuffer({ label, size: alignTo4(data.byteLength), usage, mappedAtCreation: true });
  new Uint8Array(buffer.getMappedRange()).set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  buffer.unmap();
  return buffer;
}

/** Copies `byteLength` bytes from `byteOffset` of `buffer` (which needs COPY_SRC) back to the CPU. */
export async function readBuffer(
  device: GPUDevice,
  buffer: GPUBuffer,
  byteOffset = 0,
  byteLength = buffer.size - byteOffset,
): Promise<ArrayBuffer> {
  const size = alignTo4(byteLength);
  const staging = device.createBuffer({
    label: `${buffer.label} readback`,
    size,
    usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST,
  });
  const encoder = device.createCommandEncoder({ label: `${buffer.label} readback` });
  encoder.copyBufferToBuffer(buffer, byteOffset, staging, 0, size);
  device.queue.submit([encoder.finish()]);
  await staging.mapAsync(GPUMapMode.READ);
  const bytes = staging.getMappedRange().slice(0, byteLength);
  staging.destroy();
  return bytes;
}
