// Shared snippet (included with `//!include activation`): the elementwise activation chosen by the override
// ACTIVATION — 0 identity, 1 tanh, 2 sigmoid σ(x) = 1 / (1 + e^−x), 3 squared ReLU max(x, 0)², 4 SiLU x·σ(x).
// Values match `Activation` in src/gpu/kernels/activation.ts. `activate_as(kind, x)` applies activation `kind`
// (a grouped matrix product's per-member activation).

override ACTIVATION: u32 = 0u;

fn activate(x: f32) -> f32 {
  return activate_as(ACTIVATION, x);
}

fn activate_as(kind: u32, x: f32) -> f32 {
  switch kind {
    case 1u: {
      // tanh via e^(−2|x|) keeps large |x| finite (WGSL's tanh may overflow to NaN on some drivers).
      let e = exp(-2.0 * abs(x));
      return sign(x) * (1.0 - e) / (1.0 + e);
    }
    case 2u: {
      return 1.0 / (1.0 + exp(-x));
    }
    case 3u: {
      let r = max(x, 0.0);
      return r * r;
    }
    case 4u: {
      return x / (1.0 + exp(-x));
    }
    default: {
      return x;
    }
  }
}
