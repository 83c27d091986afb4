// Shared snippet (included with `//!include weights`): decoding of weight matrices stored in the GPU matrix layout
// (src/gpu/matrix-layout.ts). Each row is padded with zeros to whole 16-byte chunks and read as vec4<u32>:
//   PACKED_F16 = false: a chunk holds 4 f32 (bit patterns), CHUNK_LEN = 4;
//   PACKED_F16 = true:  a chunk holds 8 f16, two per u32 with the lower-index element in the low half,
//                       decoded with unpack2x16float (core WGSL, no `shader-f16` needed), CHUNK_LEN = 8.
// chunk_lo returns elements 0..3 of a chunk, chunk_hi elements 4..7 (zero for f32 chunks).

override PACKED_F16: bool = false;

const CHUNK_LEN_F32 = 4u;
const CHUNK_LEN_F16 = 8u;

fn chunk_len() -> u32 {
  return select(CHUNK_LEN_F32, CHUNK_LEN_F16, PACKED_F16);
}

/** Chunks (vec4<u32>) per row of `columns` elements. */
fn chunks_per_row(columns: u32) -> u32 {
  return (columns + chunk_len() - 1u) / chunk_len();
}

fn chunk_lo(chunk: vec4<u32>) -> vec4<f32> {
  if (PACKED_F16) {
    return vec4<f32>(unpack2x16float(chunk.x), unpack2x16float(chunk.y));
  }
  return bitcast<vec4<f32>>(chunk);
}

fn chunk_hi(chunk: vec4<u32>) -> vec4<f32> {
  if (PACKED_F16) {
    return vec4<f32>(unpack2x16float(chunk.z), unpack2x16float(chunk.w));
  }
  return vec4<f32>(0.0);
}
