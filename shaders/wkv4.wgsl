// WKV v4: the RWKV-4 time-mix recurrence per channel, over a chunk of T tokens for a batch of B sessions, kept
// numerically stable with a running maximum exponent pp (aa and bb are scaled by exp(−pp)).
//
// Per channel c and token t, with u = time_first[c], w = time_decay[c] (already −exp(decay_pth)):
//   ww = u + k_t;  q = max(pp, ww);  e1 = exp(pp − q);  e2 = exp(ww − q)
//   wkv_t = (e1·aa + e2·v_t) / (e1·bb + e2);  out_t = σ(r_t) · wkv_t    (the receptance gate folded in)
//   ww = pp + w;   q = max(ww, k_t); e1 = exp(ww − q);  e2 = exp(k_t − q)
//   aa ← e1·aa + e2·v_t;  bb ← e1·bb + e2;  pp ← q
//
// State (src/model/state.ts, v4): aa [C] | bb [C] | pp [C] starting at the float offset state_offsets[b] for batch
// element b (fresh state: aa = bb = 0, pp = −1e30). Read at the start, written back after the last token.
// Tokens are laid out [B, T, C]: element (b·T + t)·C + c.
//
// Bindings (group 0):
//   0 uniform Params: tokens T (offset 0), state_offsets (16): B offsets, 4 per vec4 (B ≤ 256)
//   1 storage read_write state  array<f32>
//   2 storage read       time_first [C]
//   3 storage read       time_decay [C]
//   4 storage read       k [B, T, C]
//   5 storage read       v [B, T, C]
//   6 storage read       r [B, T, C]
//   7 storage read_write out [B, T, C]: σ(r) · wkv
// Override CHANNELS: C. Entry point `main`, workgroup size 64; dispatch (ceil(C / 64), B, 1).

override CHANNELS: u32;

//!include step-params

@group(0) @binding(1) var<storage, read_write> state: array<f32>;
@group(0) @binding(2) var<storage, read> time_first: array<f32>;
@group(0) @binding(3) var<storage, read> time_decay: array<f32>;
@group(0) @binding(4) var<storage, read> k: array<f32>;
@group(0) @binding(5) var<storage, read> v: array<f32>;
@group(0) @binding(6) var<storage, read> r: array<f32>;
@group(0) @binding(7) var<storage, read_write> out: array<f32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let c = gid.x;
  if (c >= CHANNELS) {
    return;
  }
  let b = gid.y;
  let base = state_offset(b) + c;
  var aa = state[base];
  var bb = state[base + CHANNELS];
  var pp = state[base + 2u * CHANNELS];
  let u = time_first[c];
  let w = time_decay[c];

  for (var t = 0u; t < params.tokens; t++) {
    let index = token_row(b, t) * CHANNELS + c;
    let kt = k[index];
    let vt = v[index];

    let ww = u + kt;
    let q = max(pp, ww);
    let e1 = exp(pp - q);
    let e2 = exp(ww - q);
    out[index] = (e1 * aa + e2 * vt) / (e1 * bb + e2) / (1.0 + exp(-r[index]));

    let decayed = pp + w;
    let q2 = max(decayed, kt);
    let d1 = exp(decayed - q2);
    let d2 = exp(kt - q2);
    aa = d1 * aa + d2 * vt;
    bb = d1 * bb + d2;
    pp = q2;
  }

  state[base] = aa;
  state[base + CHANNELS] = bb;
  state[base + 2u * CHANNELS] = pp;
}
