// Shared snippet (included with `//!include weights`): decoding of weight matrices in the GPU matrix layout
// (src/gpu/matrix-layout.ts, block formats: src/gpu/block-layout.ts). The including kernel declares the binding
// `weights: array<vec4<u32>>`. Rows are read in 16-byte chunks (vec4<u32>) of CHUNK_LEN values, decoded four at a
// time ("quads"); no `shader-f16` is needed (f16 bits are decoded with unpack2x16float):
//   WEIGHT_FORMAT 0 f32:  a chunk holds 4 f32 bit patterns;                          CHUNK_LEN 4
//                 1 f16:  8 f16, two per u32, the lower-index element in the low half; CHUNK_LEN 8
//                 2 q8_0: 16 int8 values (half a block);                             CHUNK_LEN 16
//                 3 q4_0, 4 q4_1, 5 q5_0, 6 q5_1: one block's 16 bytes of nibbles  CHUNK_LEN 32
//                   (byte j: value j in the low nibble, value j + 16 in the high one; Q5's fifth bit of value j is
//                   bit j of the block's high-bits word).
// Float rows are padded with zeros to whole chunks; block rows are whole 32-value blocks. Block formats keep, after
// the values, a region of high-bits words (Q5, one u32 per block, from u32 HIGH_BITS_BASE) and a region of f16
// scales (from u32 SCALES_BASE; per row ceil(blocks · halves / 2) words; halves: d, or d then m). A block value is
//   q·d + offset,  offset = m (q4_1, q5_1) or −zero·d (zero: q8_0 0 with q signed, q4_0 8, q5_0 16).
// A binding may hold several matrices of one format (a grouped matrix product, matvec.wgsl's `grouped` entry): each
// is read through its WeightPlace, the chunk where its values start and the words where its regions start;
// `load_chunk` reads the binding's one matrix (values from chunk 0, regions at the override bases).

override WEIGHT_FORMAT: u32 = 0u;
override HIGH_BITS_BASE: u32 = 0u;
override SCALES_BASE: u32 = 0u;

const WEIGHT_F16 = 1u;
const WEIGHT_Q8_0 = 2u;
const WEIGHT_Q4_0 = 3u;
const WEIGHT_Q4_1 = 4u;
const WEIGHT_Q5_0 = 5u;
const WEIGHT_Q5_1 = 6u;
const BLOCK_LEN = 32u;

/** One chunk of a row and what decodes it (scale, offset, fifth bits: block formats only). */
struct WeightChunk {
  values: vec4<u32>,
  scale: f32,
  offset: f32,
  high: u32,
}

fn is_block_format() -> bool {
  return WEIGHT_FORMAT >= WEIGHT_Q8_0;
}

/** Values per chunk. */
fn chunk_len() -> u32 {
  if (WEIGHT_FORMAT == 0u) {
    return 4u;
  }
  if (WEIGHT_FORMAT == WEIGHT_F16) {
    return 8u;
  }
  return select(32u, 16u, WEIGHT_FORMAT == WEIGHT_Q8_0);
}

/** Chunks (vec4<u32>) per row of `columns` elements. */
fn chunks_per_row(columns: u32) -> u32 {
  return (columns + chunk_len() - 1u) / chunk_len();
}

fn weight_word(index: u32) -> u32 {
  return weights[index / 4u][index % 4u];
}

/** Where one matrix lies in the binding: its first values chunk, its high-bits and scales regions' first words. */
struct WeightPlace {
  values: u32,
  high_bits: u32,
  scales: u32,
}

/** Chunk `c` of row `row` of the binding's one matrix (rows of `columns` values), with its block's scale. */
fn load_chunk(row: u32, c: u32, columns: u32) -> WeightChunk {
  return load_chunk_at(WeightPlace(0u, HIGH_BITS_BASE, SCALES_BASE), row, c, columns);
}

/** Chunk `c` of row `row` of the matrix at `place` (rows of `columns` values), with its block's scale. */
fn load_chunk_at(place: WeightPlace, row: u32, c: u32, columns: u32) -> WeightChunk {
  var chunk: WeightChunk;
  chunk.values = weights[place.values + row * chunks_per_row(columns) + c];
  if (!is_block_format()) {
    return chunk;
  }
  let blocks = columns / BLOCK_LEN;
  let block = c / (BLOCK_LEN / chunk_len());
  let has_min = WEIGHT_FORMAT == WEIGHT_Q4_1 || WEIGHT_FORMAT == WEIGHT_Q5_1;
  let halves = select(1u, 2u, has_min);
  let half = block * halves;
  let scale_word = weight_word(place.scales + row * ((blocks * halves + 1u) / 2u) + half / 2u);
  let pair = unpack2x16float(scale_word);
  if (has_min) {
    chunk.scale = pair.x;
    chunk.offset = pair.y;
  } else {
    chunk.scale = pair[half % 2u];
    let zero = select(select(0.0, 8.0, WEIGHT_FORMAT == WEIGHT_Q4_0), 16.0, WEIGHT_FORMAT == WEIGHT_Q5_0);
    chunk.offset = -zero * chunk.scale;
  }
  if (WEIGHT_FORMAT == WEIGHT_Q5_0 || WEIGHT_FORMAT == WEIGHT_Q5_1) {
    chunk.high = weight_word(place.high_bits + row * blocks + block);
  }
  return chunk;
}

/** Values 4q .. 4q + 3 of a chunk, q < chunk_len() / 4. */
fn chunk_quad(chunk: WeightChunk, q: u32) -> vec4<f32> {
  if (WEIGHT_FORMAT == 0u) {
    return bitcast<vec4<f32>>(chunk.values);
  }
  if (WEIGHT_FORMAT == WEIGHT_F16) {
    return vec4<f32>(unpack2x16float(chunk.values[2u * q]), unpack2x16float(chunk.values[2u * q + 1u]));
  }
  if (WEIGHT_FORMAT == WEIGHT_Q8_0) {
    let word = bitcast<i32>(chunk.values[q]);
    let codes = vec4<i32>(extractBits(word, 0u, 8u), extractBits(word, 8u, 8u), extractBits(word, 16u, 8u),
      extractBits(word, 24u, 8u));
    return vec4<f32>(codes) * chunk.scale;
  }
  // Nibble formats: quads 0..3 are the low nibbles of words 0..3, quads 4..7 their high nibbles; the fifth bits of
  // values 4q .. 4q + 3 are bits 4q .. 4q + 3 of the high-bits word in both halves.
  let nibbles = (chunk.values[q % 4u] >> (4u * (q / 4u))) & 0x0f0f0f0fu;
  var codes = vec4<u32>(nibbles & 0xffu, (nibbles >> 8u) & 0xffu, (nibbles >> 16u) & 0xffu, nibbles >> 24u);
  let fifth = (chunk.high >> (4u * q)) & 0xfu;
  codes |= vec4<u32>(fifth & 1u, (fifth >> 1u) & 1u, (fifth >> 2u) & 1u, fifth >> 3u) << vec4<u32>(4u);
  return vec4<f32>(codes) * chunk.scale + chunk.offset;
}
