/**
 * Every RWKV generation this library runs, one module each. The Record type makes the compiler insist on an entry
 * for every member of `Generation` (src/model/spec.ts): adding a generation there without registering it here, or
 * removing a line here, fails the type-check.
 */
import { ModelFormatError } from '../errors.js';
import { GENERATIONS, type Generation } from '../model/spec.js';
import type { GenerationModule } from './generation-module.js';
import { V4_MODULE } from './v4/module.js';
import { V5_1_MODULE, V5_2_MODULE } from './v5/module.js';
import { V6_MODULE } from './v6/module.js';
import { V7_MODULE } from './v7/module.js';

export const GENERATION_MODULES: Readonly<Record<Generation, GenerationModule>> = {
  '4': V4_MODULE,
  '5.1': V5_1_MODULE,
  '5.2': V5_2_MODULE,
  '6': V6_MODULE,
  '7': V7_MODULE,
};

/** The module of `generation`; a spec naming anything else fails with a ModelFormatError. */
export function generationModule(generation: Generation): GenerationModule {
  if (!Object.hasOwn(GENERATION_MODULES, generation)) {
    throw new ModelFormatError(`Unsupported RWKV generation "${String(generation)}".`);
  }
  return GENERATION_MODULES[generation];
}

/** The modules newest first: an older generation's signature can be a subset of a newer one's. */
export const MODULES_NEWEST_FIRST: readonly GenerationModule[] = [...GENERATIONS]
  .reverse()
  .map((generation) => GENERATION_MODULES[generation]);
