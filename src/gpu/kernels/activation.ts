/** Names of the ACTIVATION override of shaders/lib/activation.wgsl (the values must match the WGSL switch). */
export const ACTIVATIONS = { identity: 0, tanh: 1, sigmoid: 2, squaredRelu: 3, silu: 4 } as const;

export type Activation = keyof typeof ACTIVATIONS;
