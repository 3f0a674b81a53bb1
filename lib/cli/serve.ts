/**
 * `nndl serve`: a saved model behind HTTP (lib/serve/server.ts) until
 * Ctrl-C or SIGTERM, which close the server, print how many requests it
 * answered in how many predict calls, and exit 0.
 *
 * BLAS runs one thread by default: a server's parallelism is its requests,
 * and OpenBLAS's second thread, spinning between small batches, takes the
 * core the event loop needs (bench:serve measured batching at half the
 * throughput of no batching with two threads, and ahead of it with one).
 */
import fs from 'node:fs';

import { setThreads } from '../engine';
import { loadModel } from '../models/load';
import { serveModel } from '../serve/server';
import { CliError } from './errors';

export interface ServeOptions {
  model: string;
  port: number;
  host: string;
  maxBody: number;
  maxBatch: number;
  blasThreads: number;
}

export async function serve(options: ServeOptions): Promise<number> {
  if (!fs.existsSync(options.model)) throw new CliError(`model file ${options.model} does not exist`);
  let model;
  try {
    model = loadModel(options.model);
  } catch (e) {
    throw new CliError((e as Error).message);
  }
  setThreads(options.blasThreads);
  let server;
  try {
    server = await serveModel(model, { port: options.port, host: options.host, maxBodyBytes: options.maxBody, maxBatch: options.maxBatch });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new CliError(code ? `cannot listen on ${options.host}:${options.port}: ${code}` : (e as Error).message);
  }
  console.log(`serving ${model.architecture} from ${options.model} at ${server.url} (POST /predict, GET /model, GET /healthz, GET /)`);
  if (model.preprocessing === null) {
    console.log('this model file holds no preprocessing: it takes preprocessed inputs only (JSON {"inputs": [...]}), not images');
  }
  await new Promise<void>((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  await server.close();
  const { requests, calls } = server.stats;
  console.log(`answered ${requests} prediction requests in ${calls} predict calls`);
  return 0;
}
