/**
 * An HTTP server for a trained model (node:http, nothing else):
 *   POST /predict  an image (PNG or JPEG body) or JSON {"images": [...]} /
 *                  {"inputs": [...]} -> {classes, labels, probabilities}
 *   GET /model     the model's card: architecture, config, preprocessing, training
 *   GET /healthz   {"status": "ok"}
 *   GET /          a page to try the model on an image
 * A bad request gets a 4xx status and {"error": "<one line>"}; nothing a
 * client sends can stop the server. Concurrent requests share predict calls
 * (see batcher.ts). `setModel` swaps the model served, for a service whose
 * model is retrained next to it (trainInWorker).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

import type { Checkpointable } from '../models/model';
import type { Predictor } from '../models/predict';
import { preprocessingArg, type ResolvedPreprocessing } from '../models/preprocessing';
import { argmaxRows } from '../ops';
import { invalidType, invalidValue, type KeySet, objectArg, optionsObjectArg, positiveIntegerArg } from '../validate';
import { PredictBatcher } from './batcher';
import { RequestError } from './images';
import { page } from './page';
import { parseRequest } from './requests';

/** A model the server can serve: prediction and what its card shows. */
export type ServableModel = Predictor & Checkpointable;

export interface ServeOptions {
  /** Port to listen on (default 8080; 0 picks a free one). */
  port?: number;
  /** Address to listen on (default 127.0.0.1, this machine only). */
  host?: string;
  /** Largest request body accepted, in bytes (default 4 MiB); larger ones get 413. */
  maxBodyBytes?: number;
  /** Most images one predict call takes when requests are batched (default 64; 1 turns batching off). */
  maxBatch?: number;
}

/** The keys of ServeOptions, checked against the type: an unknown key is an error. */
const SERVE_OPTIONS = { port: true, host: true, maxBodyBytes: true, maxBatch: true } as const satisfies KeySet<ServeOptions>;

export interface ModelServer {
  /** Where it listens, e.g. http://127.0.0.1:8080/. */
  readonly url: string;
  readonly server: http.Server;
  /** Serves another model from now on (requests already queued finish with the old one). */
  setModel(model: ServableModel): void;
  /** Predict calls made and requests they answered, since the server started or the model was last set. */
  readonly stats: { calls: number; requests: number };
  /** Stops accepting connections, and resolves when the open ones are done. */
  close(): Promise<void>;
}

const ROUTES: Record<string, string> = { '/': 'GET', '/model': 'GET', '/healthz': 'GET', '/predict': 'POST' };

/** What the server holds of the model it serves. */
interface Served {
  model: ServableModel;
  preprocessing: ResolvedPreprocessing | null;
  batcher: PredictBatcher;
  card: string;
}

function served(fn: string, value: unknown, maxBatch: number): Served {
  const model = objectArg(fn, 'model', value) as unknown as ServableModel;
  if (typeof model.predictProba !== 'function' || typeof model.config !== 'function' || typeof model.architecture !== 'string') {
    throw invalidType(fn, 'model', 'a model (TwoLayerNet, FullyConnectedNet, loadModel(...))', value);
  }
  const p = model.preprocessing === undefined || model.preprocessing === null
    ? null
    : preprocessingArg(fn, 'model.preprocessing', model.preprocessing);
  if (p !== null) {
    // One image through the model: its class count must match the names.
    const [c, h, w] = p.imageShape;
    const classes = model.predictProba({ data: new Uint8Array(c * h * w), shape: [1, h, w, c] }).shape[1];
    if (classes !== p.classNames.length) {
      throw invalidValue(fn, 'model.preprocessing.classNames', `${classes} names (the model's classes)`, p.classNames);
    }
  }
  const parameters = Object.values(model.params).reduce((sum, t) => sum + t.size, 0);
  const card = JSON.stringify({
    architecture: model.architecture,
    config: model.config(),
    parameters,
    preprocessing: p === null ? null : {
      layout: p.layout, inputShape: p.inputShape, imageShape: p.imageShape, classNames: p.classNames,
      meanImage: p.meanImage !== null, training: p.training,
    },
  });
  return { model, preprocessing: p, batcher: new PredictBatcher(model, p, maxBatch), card };
}

function send(res: http.ServerResponse, status: number, body: string, type = 'application/json'): void {
  res.writeHead(status, { 'Content-Type': `${type}; charset=utf-8`, 'Content-Length': Buffer.byteLength(body), 'Cache-Control': 'no-store' });
  res.end(body);
}

function sendError(res: http.ServerResponse, status: number, message: string): void {
  if (res.headersSent) return;
  send(res, status, JSON.stringify({ error: message.split('\n')[0] }));
}

/** The request's body, or a RequestError (413) past maxBytes: then the rest is read and dropped. */
function readBody(req: http.IncomingMessage, maxBytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const tooLarge = () => new RequestError(413, `the body is larger than ${maxBytes} bytes, the limit of this server`);
    const declared = Number(req.headers['content-length']);
    if (declared > maxBytes) {
      req.resume();
      reject(tooLarge());
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    req.on('data', (chunk: Buffer) => {
      if (over) return;
      size += chunk.length;
      if (size > maxBytes) {
        over = true;
        chunks.length = 0;
        reject(tooLarge());
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (!over) resolve(Buffer.concat(chunks));
    });
    req.on('error', reject);
  });
}

/**
 * Serves a model over HTTP.
 * @param model a model with prediction (any nndl classifier); with
 *   preprocessing it takes images, without only preprocessed inputs
 * @param options port, host, maxBodyBytes, maxBatch
 * @returns the server, listening: url, setModel(model), close()
 */
export async function serveModel(model: ServableModel, options: ServeOptions = {}): Promise<ModelServer> {
  const fn = 'serveModel';
  const o = optionsObjectArg(fn, 'options', options, SERVE_OPTIONS);
  const port = o.port === undefined ? 8080 : Number(o.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw invalidValue(fn, 'options.port', 'a port in [0, 65535]', o.port);
  const host = o.host ?? '127.0.0.1';
  if (typeof host !== 'string' || host === '') throw invalidType(fn, 'options.host', 'a host name or address', host);
  const maxBodyBytes = positiveIntegerArg(fn, 'options.maxBodyBytes', o.maxBodyBytes ?? 4 * 2 ** 20);
  const maxBatch = positiveIntegerArg(fn, 'options.maxBatch', o.maxBatch ?? 64);
  let current = served(fn, model, maxBatch);

  async function predict(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const body = await readBody(req, maxBodyBytes);
    const { batcher, preprocessing } = current;
    const request = await parseRequest(req.headers['content-type'], body, preprocessing);
    const probabilities = await batcher.predict(request);
    const [n, c] = probabilities.shape;
    const classes = Array.from(argmaxRows(probabilities));
    send(res, 200, JSON.stringify({
      classes,
      ...(preprocessing === null ? {} : { labels: classes.map((k) => preprocessing.classNames[k]) }),
      probabilities: Array.from({ length: n }, (_, i) => Array.from(probabilities.data.subarray(i * c, (i + 1) * c))),
    }));
  }

  function route(req: http.IncomingMessage, res: http.ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const method = ROUTES[url.pathname];
    if (method === undefined) {
      req.resume();
      sendError(res, 404, `no route ${url.pathname}; this server has GET /, GET /model, GET /healthz and POST /predict`);
      return;
    }
    if (req.method !== method && !(req.method === 'HEAD' && method === 'GET')) {
      req.resume();
      res.setHeader('Allow', method === 'GET' ? 'GET, HEAD' : method);
      sendError(res, 405, `${url.pathname} takes ${method}, not ${req.method}`);
      return;
    }
    if (url.pathname === '/') send(res, 200, page(), 'text/html');
    else if (url.pathname === '/model') send(res, 200, current.card);
    else if (url.pathname === '/healthz') send(res, 200, '{"status":"ok"}');
    else {
      predict(req, res).catch((e: unknown) => {
        if (e instanceof RequestError) {
          // After a 413 the rest of the body is not read: close the connection once the answer is out.
          if (e.status === 413) res.setHeader('Connection', 'close');
          sendError(res, e.status, e.message);
        } else {
          sendError(res, 500, `the server failed on this request: ${(e as Error).message}`);
        }
      });
    }
  }

  const server = http.createServer((req, res) => {
    try {
      route(req, res);
    } catch (e) {
      req.resume();
      sendError(res, 400, `cannot route ${JSON.stringify(req.url)}: ${(e as Error).message}`);
    }
  });
  server.requestTimeout = 30_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${shownHost}:${address.port}/`,
    server,
    setModel(next) {
      current = served('ModelServer.setModel', next, maxBatch);
    },
    get stats() {
      return { ...current.batcher.stats };
    },
    close: () => new Promise<void>((resolve, reject) => {
      server.close((e) => (e ? reject(e) : resolve()));
      server.closeIdleConnections();
    }),
  };
}
