/**
 * Vitest global setup of the browser project: starts the model-store test server (test-server.ts) for the run and
 * hands its URL to the tests as `inject('storageServerUrl')`.
 */
import type { TestProject } from 'vitest/node';
import { startTestServer } from './test-server.js';

declare module 'vitest' {
  export interface ProvidedContext {
    storageServerUrl: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const server = await startTestServer();
  project.provide('storageServerUrl', server.url);
  return () => server.close();
}
