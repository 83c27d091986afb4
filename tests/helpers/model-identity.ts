/** The identity (docs/state-format.md) of a model whose tensors are all in memory, as the loader fingerprints them. */
import type { CanonicalModel } from '../../src/model/spec.js';
import { WeightsFingerprint, type ModelIdentity } from '../../src/storage/state-identity.js';

export function modelIdentity(model: CanonicalModel): ModelIdentity {
  const fingerprint = new WeightsFingerprint();
  for (const tensor of model.tensors.values()) fingerprint.add(tensor);
  return fingerprint.identity(model.spec);
}
