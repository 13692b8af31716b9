import { Worker } from 'node:worker_threads';

/**
 * Starts a worker thread on the entry file `name` beside `callerUrl`. Compiled, that is the `.js`
 * sibling in dist/. When the sources run under tsx (the tests), it is the `.ts` sibling, and since
 * Node 20 does not pass tsx's loader on to workers, a two-line bootstrap registers it first.
 */
export function startWorker(callerUrl: string, name: string, workerData: unknown): Worker {
  if (!callerUrl.endsWith('.ts')) return new Worker(new URL(`./${name}.js`, callerUrl), { workerData });
  const entry = new URL(`./${name}.ts`, callerUrl).href;
  const bootstrap = `import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(entry)}); });`;
  return new Worker(bootstrap, { eval: true, workerData });
}
