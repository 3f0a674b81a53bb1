/**
 * What travels through the queue, read as a worker and a sweep read it:
 * every field of a trial's job and of its result is checked, with one
 * message naming the field; results round-trip exactly, and a model over
 * the sweep's limit is refused with the limit named.
 */
import type { TrainConfig } from '../lib/cli/model-config';
import {
  MalformedJobError, TRIAL_JOB_FORMAT, decodeResult, encodeResult, parseTrialJob, type TrialJobData,
} from '../lib/cli/queue/jobs';
import type { TrialResult } from '../lib/cli/sweep/trial';

const config: TrainConfig = {
  model: 'fc', hidden: [20, 10], batchnorm: true, dropout: 0.1, dtype: 'float32', reg: 0.01, update: 'adam',
  lr: 1e-3, lrDecay: 0.95, epochs: 2, batchSize: 50, seed: 7,
};
const job: TrialJobData = {
  format: TRIAL_JOB_FORMAT, trial: 2, trials: 3, config,
  data: { source: '/data/cifar-10-binary.tar.gz', md5: '0123456789abcdef0123456789abcdef', seed: 0, description: 'CIFAR-10' },
  maxModelBytes: 1000,
};

test('a well-formed job reads back as it was written', () => {
  expect(parseTrialJob(JSON.parse(JSON.stringify(job)))).toEqual(job);
  expect(parseTrialJob({ ...job, config: { ...config, weightScale: 0.01 } }).config.weightScale).toBe(0.01);
  const conv = { ...config, model: 'layers' as const, layers: 'conv8k3p1,relu,pool2,affine10', hidden: [], batchnorm: false, dropout: 0, augment: true };
  expect(parseTrialJob(JSON.parse(JSON.stringify({ ...job, config: conv }))).config).toEqual(conv);
  expect(() => parseTrialJob({ ...job, config: { ...conv, layers: 'conv8k3p1,relu,pool9x' } })).toThrow(
    'malformed trial job: job.config: --layers: unknown layer "pool9x" (layer 3 of 3)',
  );
});

test.each([
  [null, 'expected an object for job but received null'],
  [{ ...job, extra: 1 }, 'unknown field job.extra'],
  [{ ...job, format: 'nndl-trial/0' }, 'expected one of nndl-trial/1 for job.format but received string "nndl-trial/0"'],
  [{ ...job, trial: 0 }, 'expected a positive integer for job.trial but received number 0'],
  [{ ...job, trial: 4 }, 'job.trial is 4 but job.trials is 3'],
  [{ ...job, config: 'fc' }, 'expected an object for job.config but received string "fc"'],
  [{ ...job, config: { ...config, model: 'cnn' } }, 'expected one of two-layer, fc, conv, layers for job.config.model but received string "cnn"'],
  [{ ...job, config: { ...config, hidden: [] } }, 'expected a non-empty array for job.config.hidden but received Array of length 0'],
  [{ ...job, config: { ...config, hidden: [20, 1.5] } }, 'expected a positive integer for job.config.hidden[1] but received number 1.5'],
  [{ ...job, config: { ...config, dropout: 1 } }, 'expected a drop probability in [0, 1) for job.config.dropout but received number 1'],
  [{ ...job, config: { ...config, lr: '1e-3' } }, 'expected a positive number for job.config.lr but received string "1e-3"'],
  [{ ...job, config: { ...config, update: 'lbfgs' } }, 'expected one of sgd, sgd_momentum, rmsprop, adam for job.config.update but received string "lbfgs"'],
  [{ ...job, config: { ...config, seed: -1 } }, 'expected a non-negative integer seed for job.config.seed but received number -1'],
  [{ ...job, data: { ...job.data, seed: 2 ** 32 } }, 'expected an integer seed in [0, 2^32) for job.data.seed but received number 4294967296'],
  [{ ...job, config: { ...config, epochs: undefined } }, 'expected a positive integer for job.config.epochs but received undefined'],
  [{ ...job, config: { ...config, model: 'two-layer' } }, 'job.config: --model two-layer takes one hidden size, but --hidden gave 2'],
  [{ ...job, data: { ...job.data, md5: 'xyz' } }, 'expected an md5 (32 hex digits) for job.data.md5 but received string "xyz"'],
  [{ ...job, maxModelBytes: -1 }, 'expected a positive integer for job.maxModelBytes but received number -1'],
])('a malformed job is refused with the field named: %#', (raw, message) => {
  expect(() => parseTrialJob(raw)).toThrow(MalformedJobError);
  expect(() => parseTrialJob(raw)).toThrow(`malformed trial job: ${message}`);
});

const result: TrialResult = {
  status: 'diverged', valAcc: 0.25, trainAcc: null, seconds: 1.5, error: 'Solver: the loss is NaN at iteration 3',
  history: { loss: [2.3, 2.2], trainAcc: [0.1], valAcc: [0.25] },
  model: new Uint8Array([1, 2, 3, 250, 251, 252, 0, 7]),
};
const timing = { received: 1, started: 2, ended: 3 };

test('a result goes through JSON and back exactly', () => {
  const encoded = encodeResult(result, job, 'host:1', timing);
  expect(typeof encoded.model).toBe('string');
  const back = decodeResult(JSON.parse(JSON.stringify(encoded)));
  expect({ ...back, model: Array.from(back.model) }).toEqual({ ...result, model: Array.from(result.model), worker: 'host:1', timing });
});

test('a model over the sweep\'s limit is refused with both sizes named', () => {
  const big = { ...result, model: new Uint8Array(3 * 2 ** 20) };
  expect(() => encodeResult(big, { ...job, maxModelBytes: 2 ** 20 }, 'host:1', timing)).toThrow(
    "trial 2's model file is 3.0 MiB, over the sweep's limit of 1.0 MiB (nndl sweep --max-model-mb): results are stored in Redis",
  );
});

test.each([
  [{ valAcc: 1.5 }, 'expected an accuracy in [0, 1] for result.valAcc but received number 1.5'],
  [{ status: 'failed' }, 'expected one of done, diverged for result.status but received string "failed"'],
  [{ model: 'not base64!' }, 'expected base64 bytes for result.model but received string "not base64!"'],
  [{ history: { loss: ['x'], trainAcc: [], valAcc: [] } }, 'expected a number for result.history.loss[0] but received string "x"'],
  [{ timing: { received: 1 } }, 'expected a non-negative number for result.timing.started but received undefined'],
])('a result that is not one is refused with the field named: %#', (change, message) => {
  const encoded = { ...encodeResult(result, job, 'host:1', timing), ...change };
  expect(() => decodeResult(encoded)).toThrow(message);
});
