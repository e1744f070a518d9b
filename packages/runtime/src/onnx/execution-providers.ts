import type { InferenceSession } from 'onnxruntime-node';

/** Devices the ONNX backend runs on. */
export type OnnxDevice = 'cpu' | 'cuda' | 'webgpu';

/** The onnxruntime execution providers for each device, CPU always last as the fallback. */
export const EXECUTION_PROVIDERS: Readonly<
  Record<OnnxDevice, (deviceId: number) => InferenceSession.ExecutionProviderConfig[]>
> = Object.freeze({
  cpu: () => ['cpu'],
  cuda: (deviceId: number) => [{ name: 'cuda', deviceId }],
  webgpu: () => ['webgpu'],
});
