/**
 * WGSL loading. Kernels live in `shaders/*.wgsl` and are imported as text with Vite's `?raw` suffix
 * (`import source from '../../shaders/matvec.wgsl?raw'`). Shared snippets live in `shaders/lib/*.wgsl`; a kernel
 * asks for one with a line of its own, `//!include <name>` (a WGSL comment, so the file stays valid WGSL for
 * editors and linters), and `resolveWgsl` replaces that line with the snippet's text — once per snippet, however
 * often it is asked for. Snippets do not include other snippets. Compiler line numbers refer to the resolved text.
 *
 * Snippets: `activation` (override ACTIVATION, fn activate), `weights` (override WEIGHT_FORMAT: f32, packed-f16
 * or block-quantized 16-byte weight chunks: chunk_len, chunks_per_row, load_chunk, chunk_quad), `step-params` (the Params uniform of the
 * state-stepping kernels: state_offset, token_row), `head-state` (a matrix-state row in registers: MAX_HEAD_SIZE,
 * state_row_start, load_state_row, store_state_row), `head-norm` (the GroupNorm a matrix-state WKV folds in:
 * head_mean_variance, group_norm), `workgroup-sum` (fn workgroup_sum over WORKGROUP_SIZE
 * invocations), `workgroup-sums` (reduce_sums / reduced_sum: many sums at once, matvec's), `wkv-chunk` (the chunk-parallel WKV kernels' sub-chunk tiles and log-decays: SUB_CHUNK,
 * MAX_SUB_CHUNK, log_decay, tile_index, pair_index, lower_pair), `wkv5-bindings` / `wkv7-bindings` (the storage
 * bindings both forms of a WKV kernel share), `wkv5-decay` (the v5.x decay, channel_decay; v6's kernels resolve it to
 * `wkv5-decay-lora`, its decay LoRA's second half). On a device with `subgroups`, `resolveWgslForSubgroups` gives the
 * source with `workgroup-sum` and `workgroup-sums` in their subgroupAdd forms (`…-subgroups`). A kernel may ask for
 * other snippets in place of those it names (`variants`).
 */
import activation from '../../shaders/lib/activation.wgsl?raw';
import headNorm from '../../shaders/lib/head-norm.wgsl?raw';
import headState from '../../shaders/lib/head-state.wgsl?raw';
import stepParams from '../../shaders/lib/step-params.wgsl?raw';
import weights from '../../shaders/lib/weights.wgsl?raw';
import workgroupSum from '../../shaders/lib/workgroup-sum.wgsl?raw';
import workgroupSumSubgroups from '../../shaders/lib/workgroup-sum-subgroups.wgsl?raw';
import workgroupSums from '../../shaders/lib/workgroup-sums.wgsl?raw';
import workgroupSumsSubgroups from '../../shaders/lib/workgroup-sums-subgroups.wgsl?raw';
import wkvChunk from '../../shaders/lib/wkv-chunk.wgsl?raw';
import wkv5Bindings from '../../shaders/lib/wkv5-bindings.wgsl?raw';
import wkv5Decay from '../../shaders/lib/wkv5-decay.wgsl?raw';
import wkv5DecayLora from '../../shaders/lib/wkv5-decay-lora.wgsl?raw';
import wkv7Bindings from '../../shaders/lib/wkv7-bindings.wgsl?raw';

const SNIPPETS: Readonly<Record<string, string>> = {
  activation,
  weights,
  'step-params': stepParams,
  'head-state': headState,
  'head-norm': headNorm,
  'workgroup-sum': workgroupSum,
  'workgroup-sums': workgroupSums,
  'wkv-chunk': wkvChunk,
  'wkv5-bindings': wkv5Bindings,
  'wkv5-decay': wkv5Decay,
  'wkv5-decay-lora': wkv5DecayLora,
  'wkv7-bindings': wkv7Bindings,
};

const INCLUDE_LINE = /^\/\/!include ([\w-]+)[ \t]*$/gm;

interface WgslOptions {
  /**
   * The device has the `subgroups` feature: `enable subgroups;` heads the module and `workgroup-sum` resolves to its
   * subgroupAdd form (shaders/lib/workgroup-sum-subgroups.wgsl). Compiler line numbers then count that line.
   */
  subgroups?: boolean;
  /** Snippets to resolve in place of the ones a kernel names: `{ 'wkv5-decay': 'wkv5-decay-lora' }`. */
  variants?: Readonly<Record<string, string>>;
}

/** Snippets swapped in by `subgroups`. */
const SUBGROUP_SNIPPETS: Readonly<Record<string, string>> = {
  'workgroup-sum': workgroupSumSubgroups,
  'workgroup-sums': workgroupSumsSubgroups,
};

/** `source` with every `//!include <name>` line replaced by the snippet (the first time) or nothing (after). */
export function resolveWgsl(source: string, options: WgslOptions = {}): string {
  const included = new Set<string>();
  const resolved = source.replace(INCLUDE_LINE, (_line, named: string) => {
    const name = options.variants?.[named] ?? named;
    const snippet = (options.subgroups ? SUBGROUP_SNIPPETS[name] : undefined) ?? SNIPPETS[name];
    if (snippet === undefined) {
      throw new Error(`Unknown WGSL snippet '${name}' (known: ${Object.keys(SNIPPETS).join(', ')})`);
    }
    if (included.has(name)) return '';
    included.add(name);
    return snippet;
  });
  return options.subgroups ? `enable subgroups;\n${resolved}` : resolved;
}

/**
 * A kernel's source resolved for each answer to "does the device have subgroups?" (kernels using `workgroup-sum` or
 * `workgroup-sums`).
 */
export function resolveWgslForSubgroups(source: string): (subgroups: boolean) => string {
  const [tree, withSubgroups] = [resolveWgsl(source), resolveWgsl(source, { subgroups: true })];
  return (subgroups) => (subgroups ? withSubgroups : tree);
}
