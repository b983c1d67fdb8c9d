// A worker's first task (training and prediction workers alike): import the modules the
// caller listed (workerModules), which register model kinds of their own in the
// worker's own registry, before the model is rebuilt there.
import { ConfigError } from '../errors.js';

export async function importWorkerModules(urls: readonly string[]): Promise<void> {
  for (const url of urls) {
    try {
      await import(url);
    } catch (e) {
      throw new ConfigError(`workerModules: cannot import ${url}: ${(e as Error).message}`);
    }
  }
}
