import type { TransferListItem } from 'node:worker_threads';
import { Worker } from 'node:worker_threads';

/**
 * Starts a worker thread on the entry file `name` beside `callerUrl`: the compiled `.js` sibling in
 * dist/, or, when the sources run under tsx (the tests), the `.ts` sibling — and since `--import tsx`
 * does not reach a worker's entry module on Node 20 (tsx issue #354), a bootstrap registers tsx's hooks
 * inside the worker through its API first.
 */
export function startWorker(callerUrl: string, name: string, workerData: unknown, transferList: TransferListItem[] = []): Worker {
  const options = { workerData, transferList };
  if (!callerUrl.endsWith('.ts')) return new Worker(new URL(`./${name}.js`, callerUrl), options);
  const entry = new URL(`./${name}.ts`, callerUrl).href;
  const api = import.meta.resolve('tsx/esm/api');
  const bootstrap = `import(${JSON.stringify(api)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(entry)}); });`;
  return new Worker(bootstrap, { ...options, eval: true });
}
