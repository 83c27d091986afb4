/**
 * Seeded synthetic models: deterministic from the seed, and exactly the tensors (names and shapes) that
 * docs/canonical-model.md lists for each generation.
 */
import { describe, expect, it } from 'vitest';
import type { Generation } from '../../src/model/spec.js';
import { createSyntheticModel, type SyntheticModelOptions } from '../../src/generations/synthetic.js';

const C = 16;
const F = 40;
const V = 30;
const H = 4;
const S = 4;
const LORA = { mix: 3, decay: 5, iclr: 6, valueResidual: 7, gate: 8 };

function options(generation: Generation, seed = 1): SyntheticModelOptions {
  return { generation, nLayer: 2, nEmbed: C, nHead: H, nFfn: F, nVocab: V, lora: LORA, seed };
}

/** The canonical tensor list of docs/canonical-model.md, written out independently of the generator. */
function expectedTensors(generation: Generation, nLayer: number): Map<string, number[]> {
  const expected = new Map<string, number[]>([
    ['emb.weight', [V, C]],
    ['blocks.0.ln0.weight', [C]],
    ['blocks.0.ln0.bias', [C]],
    ['ln_out.weight', [C]],
    ['ln_out.bias', [C]],
    ['head.weight', [V, C]],
  ]);
  for (let layer = 0; layer < nLayer; layer++) {
    const b = `blocks.${layer}.`;
    const add = (name: string, shape: number[]) => expected.set(b + name, shape);
    for (const n of ['ln1', 'ln2']) {
      add(`${n}.weight`, [C]);
      add(`${n}.bias`, [C]);
    }
    for (const m of ['key', 'value', 'receptance', 'output']) add(`att.${m}.weight`, [C, C]);
    add('ffn.key.weight', [F, C]);
    add('ffn.value.weight', [C, F]);
    if (generation !== '4') {
      add('att.ln_x.weight', [C]);
      add('att.ln_x.bias', [C]);
    }
    if (generation === '4' || generation === '5.1' || generation === '5.2' || generation === '6') {
      const mix = generation === '6' ? 'time_maa' : 'time_mix';
      add(`ffn.${mix}_k`, [C]);
      add(`ffn.${mix}_r`, [C]);
      add('ffn.receptance.weight', [C, C]);
    }
    if (generation === '4') {
      for (const n of ['time_decay', 'time_first', 'time_mix_k', 'time_mix_v', 'time_mix_r']) add(`att.${n}`, [C]);
    }
    if (generation === '5.1') {
      add('att.time_decay', [H]);
      add('att.time_first', [H]);
      for (const m of ['k', 'v', 'r']) add(`att.time_mix_${m}`, [C]);
    }
    if (generation === '5.2') {
      add('att.time_decay', [H, S]);
      add('att.time_faaaa', [H, S]);
      for (const m of ['k', 'v', 'r', 'g']) add(`att.time_mix_${m}`, [C]);
      add('att.gate.weight', [C, C]);
    }
    if (generation === '6') {
      for (const m of ['x', 'w', 'k', 'v', 'r', 'g']) add(`att.time_maa_${m}`, [C]);
      add('att.time_maa_w1', [5 * LORA.mix, C]);
      add('att.time_maa_w2', [5, C, LORA.mix]);
      add('att.time_decay', [H, S]);
      add('att.time_decay_w1', [LORA.decay, C]);
      add('att.time_decay_w2', [C, LORA.decay]);
      add('att.time_faaaa', [H, S]);
      add('att.gate.weight', [C, C]);
    }
    if (generation === '7') {
      add('att.x_rwkvag', [6, C]);
      for (const n of ['w0', 'a0', 'k_k', 'k_a']) add(`att.${n}`, [C]);
      add('att.r_k', [H, S]);
      const widths: [string, number][] = [
        ['w', LORA.decay],
        ['a', LORA.iclr],
        ['g', LORA.gate],
      ];
      if (layer > 0) {
        widths.push(['v', LORA.valueResidual]);
        add('att.v0', [C]);
      }
      for (const [n, d] of widths) {
        add(`att.${n}1`, [d, C]);
        add(`att.${n}2`, [C, d]);
      }
      add('ffn.x_k', [C]);
    }
  }
  return expected;
}

describe.each(['4', '5.1', '5.2', '6', '7'] as const)('synthetic model, generation %s', (generation) => {
  const model = createSyntheticModel(options(generation));

  it('has exactly the canonical tensors, with f32 data of the declared shapes', () => {
    const expected = expectedTensors(generation, 2);
    expect([...model.tensors.keys()].sort()).toEqual([...expected.keys()].sort());
    for (const [name, tensor] of model.tensors) {
      expect(tensor.name).toBe(name);
      expect(tensor.shape, name).toEqual(expected.get(name));
      expect(tensor.data.length).toBe(tensor.shape.reduce((n, d) => n * d, 1));
      expect(tensor.sourceType).toBe('f32');
    }
    expect(model.spec).toMatchObject({ generation, nLayer: 2, nEmbed: C, nFfn: F, nVocab: V, weightType: 'f32' });
    expect(model.spec.nHead * model.spec.headSize).toBe(generation === '4' ? 0 : C);
  });

  it('is deterministic from the seed', () => {
    const again = createSyntheticModel(options(generation));
    const other = createSyntheticModel(options(generation, 2));
    for (const [name, tensor] of model.tensors) {
      expect(again.tensors.get(name)?.data, name).toEqual(tensor.data);
    }
    const head = model.tensors.get('head.weight')?.data;
    expect(other.tensors.get('head.weight')?.data).not.toEqual(head);
  });
});

describe('synthetic model value ranges', () => {
  it('keeps decays in realistic ranges', () => {
    const v4 = createSyntheticModel(options('4')).tensors.get('blocks.0.att.time_decay')?.data ?? [];
    for (const w of v4) expect(w).toBeLessThan(0);
    const v5 = createSyntheticModel(options('5.2')).tensors.get('blocks.1.att.time_decay')?.data ?? [];
    for (const w of v5) expect(w > 0 && w < 1).toBe(true);
  });

  it('rejects head shapes that do not divide nEmbed', () => {
    expect(() => createSyntheticModel({ ...options('7'), nHead: 5 })).toThrow(RangeError);
    expect(() => createSyntheticModel({ ...options('7'), nHead: undefined, headSize: 6 })).toThrow(RangeError);
  });
});
