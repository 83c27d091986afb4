/** `reportingProgress`: reports the bytes of a model file read as its tensors' runs are consumed. */
import { observeRuns } from '../formats/tensor-stream.js';
import type { ModelStream } from '../formats/tensor-stream.js';
import type { PhaseProgress } from '../progress.js';

/** The same stream, reporting `stream.bytesRead` to `progress` after every run its consumer reads. */
export function reportingProgress(stream: ModelStream, progress: PhaseProgress): ModelStream {
  return observeRuns(stream, () => progress.set(stream.bytesRead));
}
