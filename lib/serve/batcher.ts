/**
 * Requests that arrive together share one predict call. Each request joins a
 * queue, and the queue is predicted on the next turn of the event loop, after
 * the I/O callbacks that filled it: under load, the requests whose bodies
 * arrived in the same turn share a call (64 images in one call cost a fifth
 * of 64 calls of one), while a request alone waits only for the loop to come
 * round. A call takes at most maxBatch images, unless one request holds more.
 */
import type { PredictInput, Predictor } from '../models/predict';
import type { ResolvedPreprocessing } from '../models/preprocessing';
import { Tensor } from '../tensor';
import { RequestError } from './images';
import type { ImagesRequest, InputsRequest, PredictRequest } from './requests';

interface Pending {
  request: PredictRequest;
  resolve: (probabilities: Tensor) => void;
  reject: (error: Error) => void;
}

/** Errors a model throws on the client's data (shapes, values) are the client's: 400 with the message. */
function clientError(e: unknown): Error {
  return e instanceof TypeError || e instanceof RangeError ? new RequestError(400, e.message) : (e as Error);
}

export class PredictBatcher {
  private queue: Pending[] = [];
  /** Predict calls made, and the requests they answered. */
  readonly stats = { calls: 0, requests: 0 };

  constructor(private readonly model: Predictor, private readonly p: ResolvedPreprocessing | null, private readonly maxBatch: number) {}

  /** The probabilities (n, C) of the request's n images or inputs. */
  predict(request: PredictRequest): Promise<Tensor> {
    return new Promise((resolve, reject) => {
      if (this.queue.length === 0) setImmediate(() => this.flush());
      this.queue.push({ request, resolve, reject });
    });
  }

  private flush(): void {
    const queue = this.queue;
    this.queue = [];
    // Requests of one kind and row length can share a call.
    const groups = new Map<string, Pending[]>();
    for (const item of queue) {
      const r = item.request;
      const key = r.kind === 'images' ? 'images' : `inputs ${r.rowLength}`;
      groups.set(key, [...(groups.get(key) ?? []), item]);
    }
    for (const group of groups.values()) {
      let batch: Pending[] = [];
      let count = 0;
      for (const item of group) {
        if (batch.length > 0 && count + item.request.n > this.maxBatch) {
          this.run(batch, count);
          batch = [];
          count = 0;
        }
        batch.push(item);
        count += item.request.n;
      }
      this.run(batch, count);
    }
  }

  /** One predict call for the batch's n examples; each request gets its rows. */
  private run(batch: Pending[], n: number): void {
    let probabilities: Tensor;
    try {
      probabilities = this.model.predictProba(this.inputs(batch, n));
    } catch (e) {
      for (const item of batch) item.reject(clientError(e));
      return;
    }
    this.stats.calls++;
    this.stats.requests += batch.length;
    const c = probabilities.shape[1];
    let row = 0;
    for (const item of batch) {
      const rows = item.request.n;
      item.resolve(new Tensor(probabilities.data.slice(row * c, (row + rows) * c), [rows, c]));
      row += rows;
    }
  }

  /** The batch's examples as one predict input: (n, H, W, C) pixels, or a tensor of rows. */
  private inputs(batch: Pending[], n: number): PredictInput {
    const requests = batch.map((item) => item.request);
    const first = requests[0];
    if (first.kind === 'images') {
      const [c, h, w] = (this.p as ResolvedPreprocessing).imageShape;
      return { data: concat((requests as ImagesRequest[]).map((r) => r.pixels), (size) => new Uint8Array(size)), shape: [n, h, w, c] };
    }
    const values = concat((requests as InputsRequest[]).map((r) => r.values), (size) => new Float64Array(size));
    const size = this.p === null ? 0 : this.p.inputShape.reduce((a, b) => a * b, 1);
    return new Tensor(values, [n, ...(size === first.rowLength ? (this.p as ResolvedPreprocessing).inputShape : [first.rowLength])]);
  }
}

/** The parts one after another: the part itself when there is one. */
function concat<A extends Uint8Array | Float64Array>(parts: A[], make: (size: number) => A): A {
  if (parts.length === 1) return parts[0];
  const out = make(parts.reduce((sum, part) => sum + part.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}
