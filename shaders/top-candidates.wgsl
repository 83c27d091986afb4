// Top-K candidates of rows of logits, so that greedy and top-k sampling read back K ids instead of the whole row:
// per row, the K tokens ranked first by (logit descending, id ascending — equal logits go to the lower id), their
// logits, and what the sampler needs for probabilities of the full softmax:
//   total = Σ_v exp(l_v − l_max) over the whole row (0 when every logit is −Infinity);
//   flags: bit 0 the row holds a NaN, bit 1 a +Infinity (the sampler refuses such a row).
//
// Logits are compared as order-preserving u32 keys of their bits (sign-magnitude flipped; −0 and +0 share a key), so
// the order is exact and NaNs cannot disturb it. Selection is a radix select: four passes of 8 bits from the top,
// each a 256-bin histogram of the keys that share the bits found so far, find T, the K-th largest key, and how many
// of the keys equal to T are wanted. Then every key above T is gathered (any order) and the wanted keys equal to T
// with the lowest ids (each invocation owns a contiguous range of ids and counts its ties; an exclusive prefix over
// the invocations orders them); each of the K gathered candidates finds its rank by counting those before it.
//
// Bindings (group 0):
//   0 storage read       logits      [rows, VOCAB] f32, bound as u32 bit patterns
//   1 storage read_write candidates  [rows, 2 + 2·K] u32: flags, bits of total (f32), K ids, K logits' bits (f32),
//                                    ids and logits in rank order
// Entry point `main`, workgroup size 256 (WORKGROUP_SIZE); dispatch (rows, 1, 1), one workgroup per row.

override VOCAB: u32;
// 1 ≤ K ≤ min(MAX_K, VOCAB) (checked by the host).
override K: u32;

const WORKGROUP_SIZE = 256u;
const MAX_K = 64u;
const BINS = 256u;
// The key of −Infinity; only NaNs (flagged) have smaller keys.
const NEGATIVE_INFINITY_KEY = 0x007fffffu;

//!include workgroup-sum

@group(0) @binding(0) var<storage, read> logits: array<u32>;
@group(0) @binding(1) var<storage, read_write> candidates: array<u32>;

var<workgroup> histogram: array<atomic<u32>, BINS>;
var<workgroup> tie_offsets: array<u32, WORKGROUP_SIZE>;
// The high bits of T found so far, and how many keys with those bits are still wanted.
var<workgroup> threshold: u32;
var<workgroup> wanted: u32;
var<workgroup> flags: atomic<u32>;
var<workgroup> top_key: atomic<u32>;
var<workgroup> above: atomic<u32>;
var<workgroup> picked_keys: array<u32, MAX_K>;
var<workgroup> picked_ids: array<u32, MAX_K>;

fn order_key(raw: u32) -> u32 {
  let bits = select(raw, 0u, (raw & 0x7fffffffu) == 0u);
  return select(bits | 0x80000000u, ~bits, (bits & 0x80000000u) != 0u);
}

fn key_bits(key: u32) -> u32 {
  return select(~key, key & 0x7fffffffu, (key & 0x80000000u) != 0u);
}

fn row_flags(raw: u32) -> u32 {
  let magnitude = raw & 0x7fffffffu;
  return select(0u, 1u, magnitude > 0x7f800000u) | select(0u, 2u, raw == 0x7f800000u);
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(workgroup_id) workgroup: vec3<u32>, @builtin(local_invocation_index) lane: u32) {
  let row = workgroup.x;
  let base = row * VOCAB;
  if (lane == 0u) {
    threshold = 0u;
    wanted = K;
  }

  // Radix select of T, 8 bits per pass from the top; the first pass also finds the flags and the largest key.
  for (var round = 0u; round < 4u; round++) {
    let shift = 24u - 8u * round;
    let known = select(0xffffffffu << (shift + 8u), 0u, round == 0u);
    atomicStore(&histogram[lane], 0u);
    workgroupBarrier();
    let prefix = threshold;
    for (var v = lane; v < VOCAB; v += WORKGROUP_SIZE) {
      let raw = logits[base + v];
      let key = order_key(raw);
      if (round == 0u) {
        atomicOr(&flags, row_flags(raw));
        atomicMax(&top_key, key);
      }
      if ((key & known) == prefix) {
        atomicAdd(&histogram[(key >> shift) & 0xffu], 1u);
      }
    }
    workgroupBarrier();
    if (lane == 0u) {
      var need = wanted;
      var digit = BINS - 1u;
      loop {
        let count = atomicLoad(&histogram[digit]);
        if (count >= need || digit == 0u) {
          break;
        }
        need -= count;
        digit -= 1u;
      }
      threshold = prefix | (digit << shift);
      wanted = need;
    }
    workgroupBarrier();
  }

  // Gather the keys above T; count each invocation's ties and its part of the total.
  let cut = threshold;
  let top = atomicLoad(&top_key);
  let max_logit = bitcast<f32>(key_bits(top));
  let span = (VOCAB + WORKGROUP_SIZE - 1u) / WORKGROUP_SIZE;
  let first = min(lane * span, VOCAB);
  let last = min(first + span, VOCAB);
  var ties = 0u;
  var sum = 0.0;
  for (var v = first; v < last; v++) {
    let raw = logits[base + v];
    let key = order_key(raw);
    if (key > cut) {
      let slot = atomicAdd(&above, 1u);
      picked_keys[slot] = key;
      picked_ids[slot] = v;
    } else if (key == cut) {
      ties += 1u;
    }
    if (key > NEGATIVE_INFINITY_KEY && top > NEGATIVE_INFINITY_KEY) {
      sum += exp(bitcast<f32>(raw) - max_logit);
    }
  }
  tie_offsets[lane] = ties;
  let total = workgroup_sum(sum, lane);
  if (lane == 0u) {
    var running = 0u;
    for (var i = 0u; i < WORKGROUP_SIZE; i++) {
      let count = tie_offsets[i];
      tie_offsets[i] = running;
      running += count;
    }
  }
  workgroupBarrier();

  // The wanted ties, lowest ids first, after the keys above T.
  let take = wanted;
  var tie = tie_offsets[lane];
  for (var v = first; v < last && tie < take; v++) {
    if (order_key(logits[base + v]) == cut) {
      picked_keys[K - take + tie] = cut;
      picked_ids[K - take + tie] = v;
      tie += 1u;
    }
  }
  workgroupBarrier();

  let record = row * (2u + 2u * K);
  if (lane < K) {
    let key = picked_keys[lane];
    let id = picked_ids[lane];
    var rank = 0u;
    for (var j = 0u; j < K; j++) {
      let other = picked_keys[j];
      rank += select(0u, 1u, other > key || (other == key && picked_ids[j] < id));
    }
    candidates[record + 2u + rank] = id;
    candidates[record + 2u + K + rank] = key_bits(key);
  }
  if (lane == 0u) {
    candidates[record] = atomicLoad(&flags);
    candidates[record + 1u] = bitcast<u32>(total);
  }
}
