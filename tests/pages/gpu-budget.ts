/// <reference types="@webgpu/types" />
/**
 * Makes every WebGPU device of this worker behave like a GPU with `budget` bytes of buffer memory. An allocation that
 * would exceed it fails as a real out-of-memory allocation does (WebGPU spec, createBuffer): the device raises a
 * GPUOutOfMemoryError and the call returns an invalid buffer, whose later use fails. The budget is read from the worker's
 * name, `gpu-budget:BYTES`, so that it is in place before the app's worker module runs.
 */
const budget = Number(/^gpu-budget:(\d+)$/.exec(self.name)?.[1] ?? NaN);
if (!Number.isFinite(budget)) throw new Error(`worker name ${self.name} does not give a budget (gpu-budget:BYTES)`);

const used = new WeakMap<GPUDevice, number>();
const sizes = new WeakMap<GPUBuffer, { device: GPUDevice; size: number }>();
const createBuffer = GPUDevice.prototype.createBuffer;
const destroyBuffer = GPUBuffer.prototype.destroy;

GPUDevice.prototype.createBuffer = function (this: GPUDevice, descriptor: GPUBufferDescriptor): GPUBuffer {
  const total = (used.get(this) ?? 0) + descriptor.size;
  if (total > budget) {
    // MAP_READ with MAP_WRITE is never valid: the real call returns the invalid buffer an allocation failure leaves.
    this.pushErrorScope('validation');
    const invalid = createBuffer.call(this, {
      ...descriptor,
      usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.MAP_WRITE,
    });
    void this.popErrorScope();
    const error = new GPUOutOfMemoryError(
      `Failed to allocate a buffer of ${descriptor.size} bytes: ${total} bytes would exceed this GPU's ${budget}`,
    );
    this.dispatchEvent(new GPUUncapturedErrorEvent('uncapturederror', { error }));
    return invalid;
  }
  const buffer = createBuffer.call(this, descriptor);
  used.set(this, total);
  sizes.set(buffer, { device: this, size: descriptor.size });
  return buffer;
};

GPUBuffer.prototype.destroy = function (this: GPUBuffer): undefined {
  const owner = sizes.get(this);
  if (owner) {
    sizes.delete(this);
    used.set(owner.device, (used.get(owner.device) ?? 0) - owner.size);
  }
  return destroyBuffer.call(this);
};
