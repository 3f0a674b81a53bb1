#!/usr/bin/env node
/**
 * The nndl command line: train, sweep (here or on a queue), worker, eval,
 * serve, gradcheck. Every error is one line on stderr and a non-zero exit.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { Command, Option } from 'commander';

import { packageRoot } from '../native';
import { gradcheck } from './gradcheck';
import { CliError } from './errors';
import { evaluate } from './eval';
import { resolveModel, UPDATE_RULES } from './model-config';
import {
  nonNegativeNumber, nonNegativeNumberList, port, positiveInt, positiveIntList, positiveNumber,
  positiveNumberList, probability, queueName, redisUrl, seed,
} from './options';
import { serve } from './serve';
import { localSweep } from './sweep/local';
import { train } from './train';

/**
 * Runs one of the queue's commands. BullMQ and ioredis are optional
 * dependencies, loaded only here: an install without them still trains and
 * sweeps locally.
 */
async function queueCommand<M>(load: () => Promise<M>, run: (m: M) => Promise<number>): Promise<void> {
  let m: M;
  try {
    m = await load();
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'MODULE_NOT_FOUND' || !/'(bullmq|ioredis)'/.test((e as Error).message)) throw e;
    throw new CliError(
      'sweeps on a queue need the optional packages bullmq and ioredis, which are not installed here; ' +
        'install them with `npm install bullmq@6.7.0 ioredis@6.0.0`',
    );
  }
  try {
    process.exitCode = await run(m);
  } finally {
    // A connection that BullMQ reopens while closing (Redis restarting at that moment) would keep the
    // process alive after its work: it ends a second later, whatever is still open.
    setTimeout(() => process.exit(), 1000).unref();
  }
}

/** The sweep's options that only a queued sweep takes. */
const QUEUE_ONLY = { name: '--name', wait: '--no-wait', attempts: '--attempts', maxModelMb: '--max-model-mb', status: '--status', clean: '--clean' };

/** Options of the model and optimizer, shared by train and sweep. */
function modelOptions(cmd: Command): Command {
  return cmd
    .addOption(new Option('--model <kind>', 'two-layer (TwoLayerNet, the default), fc (FullyConnectedNet) or conv (a convolutional net)').choices(['two-layer', 'fc', 'conv']))
    .option('--layers <list>', 'the network as a layer list, e.g. conv32k3p1,bn,relu,pool2,affine10 (see the README)')
    .option('--hidden <sizes>', 'hidden layer sizes, comma-separated (default 200)', positiveIntList)
    .option('--batchnorm', 'batch normalization after each hidden affine layer (fc)', false)
    .option('--dropout <p>', 'probability of dropping a hidden unit (fc)', probability, 0)
    .addOption(new Option('--dtype <dtype>', 'precision').choices(['float32', 'float64']).default('float32'))
    .option('--weight-scale <std>', "std of the initial weights (default: the model's, 1e-3 two-layer, 1e-2 fc and conv, He's rule for --layers)", positiveNumber)
    .addOption(new Option('--update <rule>', 'update rule').choices(UPDATE_RULES).default('sgd'))
    .option('--lr-decay <factor>', 'learning-rate factor per epoch', nonNegativeNumber, 0.95)
    .option('--epochs <n>', 'epochs', positiveInt, 10)
    .option('--batch-size <n>', 'minibatch size', positiveInt, 100)
    .option('--seed <n>', 'seed of the weights, the sampling and generated data', seed, 0)
    .option('--augment', 'random crops (pad 4) and horizontal flips of the training images', false)
    .option('--data <source>', 'a CIFAR-10 path (directory or .tar.gz), cifar10 (the cache, downloaded if empty), or synthetic');
}

/** The version in nndl's package.json. */
function version(): string {
  return (JSON.parse(fs.readFileSync(path.join(packageRoot(), 'package.json'), 'utf8')) as { version: string }).version;
}

export function program(): Command {
  const root = new Command('nndl')
    .description('Train, inspect and serve neural networks on CIFAR-10 with nndl')
    .version(version(), '-V, --version', 'print the version of nndl')
    .showHelpAfterError(false)
    .configureOutput({ outputError: (message, write) => write(`nndl: ${message.replace(/^error: /, '').trim()}\n`) });

  modelOptions(root.command('train').description('train one model and write its model, history, plots and report'))
    .option('--lr <rate>', 'learning rate', positiveNumber, 1e-3)
    .option('--reg <strength>', 'L2 regularization', nonNegativeNumber, 0)
    .option('--out <dir>', 'output directory', 'nndl-run')
    .action(async (o) => {
      process.exitCode = await train(resolveModel({ ...o, weightScale: o.weightScale, lrDecay: o.lrDecay, batchSize: o.batchSize }));
    });

  const sweepCommand = modelOptions(root.command('sweep').description('train a grid of settings in parallel, here or on a queue, and keep the best model'))
    .option('--lr <rates>', 'learning rates to try, comma-separated (required)', positiveNumberList)
    .option('--reg <strengths>', 'regularization strengths to try', nonNegativeNumberList, [0])
    .option('--hidden-sizes <sizes>', 'widths to try for every hidden layer (instead of --hidden)', positiveIntList)
    .option('--workers <n>', 'trials run at once, each on its own thread (without --queue)', positiveInt, os.cpus().length)
    .option('--out <dir>', 'output directory', 'nndl-sweep')
    .option('--queue <url>', 'put the trials on a BullMQ queue in this Redis (redis://host:port[/db]) for nndl worker processes', redisUrl)
    .option('--name <name>', 'the sweep\'s name: its queue is nndl:NAME', queueName, 'default')
    .option('--no-wait', 'with --queue: only put the trials on the queue')
    .option('--attempts <n>', 'with --queue: runs of a trial that throws before it is failed', positiveInt, 3)
    .option('--max-model-mb <n>', 'with --queue: largest model file a trial may return', positiveNumber, 64)
    .option('--status', 'with --queue: print the state of the sweep NAME')
    .option('--clean', 'with --queue: remove the sweep NAME and its results from the queue')
    .action(async (o) => {
      const queueOnly = Object.entries(QUEUE_ONLY).find(([key]) => sweepCommand.getOptionValueSource(key) === 'cli');
      if (o.queue === undefined && queueOnly) throw new CliError(`${queueOnly[1]} needs --queue`);
      if (o.queue !== undefined && sweepCommand.getOptionValueSource('workers') === 'cli') {
        throw new CliError('--workers is for sweeps on this machine; with --queue, start nndl worker processes instead');
      }
      if (o.status && o.clean) throw new CliError('--status and --clean go alone');
      if (o.status) {
        await queueCommand(() => import('./queue/manage'), (m) => m.queueStatus(o));
        return;
      }
      if (o.clean) {
        await queueCommand(() => import('./queue/manage'), (m) => m.queueClean(o));
        return;
      }
      if (o.lr === undefined) throw new CliError("required option '--lr <rates>' not specified");
      const grid = resolveModel({ ...o, lrs: o.lr, regs: o.reg });
      if (o.queue === undefined) process.exitCode = await localSweep(grid);
      else await queueCommand(() => import('./queue/sweep'), (m) => m.queueSweep(grid));
    });

  root.command('worker')
    .description('run the trials of a queued sweep (nndl sweep --queue), on this machine')
    .requiredOption('--queue <url>', 'the Redis of the sweep (redis://host:port[/db])', redisUrl)
    .option('--name <name>', 'the sweep\'s name, as given to nndl sweep', queueName, 'default')
    .option('--concurrency <n>', 'trials at a time', positiveInt, 1)
    .option('--threads <t>', 'BLAS threads of each trial (default: the cores shared out)', positiveInt)
    .option('--data <source>', 'this machine\'s copy of the sweep\'s data, when not at the path the sweep names')
    .option('--stalled-seconds <s>', 'a dead worker\'s trials go back to the queue after this long', positiveNumber, 30)
    .action(async (o) => {
      await queueCommand(() => import('./queue/worker'), (m) => m.queueWorker(o));
    });

  root.command('eval')
    .description('accuracy and confusion table of a saved model')
    .requiredOption('--model <file>', 'a model.safetensors written by nndl')
    .option('--data <source>', 'as for train (default: the data the model file records, else cifar10)')
    .addOption(new Option('--split <split>', 'which split').choices(['test', 'val', 'train']).default('test'))
    .option('--seed <n>', 'seed of generated data (default: the model file\'s, else 0)', seed)
    .action(async (o) => {
      process.exitCode = await evaluate(o);
    });

  root.command('serve')
    .description('serve a saved model over HTTP: POST /predict, GET /model, GET /healthz, and a page at /')
    .requiredOption('--model <file>', 'a model.safetensors written by nndl')
    .option('--port <n>', 'port to listen on (0: any free port)', port, 8080)
    .option('--host <address>', 'address to listen on (0.0.0.0 for every interface)', '127.0.0.1')
    .option('--max-body <bytes>', 'largest request body accepted', positiveInt, 4 * 2 ** 20)
    .option('--max-batch <n>', 'most images one predict call takes when requests are batched (1: no batching)', positiveInt, 64)
    .option('--blas-threads <n>', 'BLAS threads of the predict calls', positiveInt, 1)
    .action(async (o) => {
      process.exitCode = await serve({
        model: o.model, port: o.port, host: o.host, maxBody: o.maxBody, maxBatch: o.maxBatch, blasThreads: o.blasThreads,
      });
    });

  root.command('gradcheck')
    .description('numerical gradient checks of every layer and model, with relative errors')
    .option('--seed <n>', 'seed of the random inputs', seed, 0)
    .action((o) => {
      process.exitCode = gradcheck(o.seed);
    });
  return root;
}

export async function main(argv: string[]): Promise<void> {
  try {
    await program().parseAsync(argv);
  } catch (e) {
    const message = e instanceof CliError ? e.message : (e as Error).message ?? String(e);
    // The library's own messages (a missing addon, say) already start with 'nndl: '.
    process.stderr.write(`nndl: ${message.split('\n')[0].replace(/^nndl: /, '')}\n`);
    process.exitCode = e instanceof CliError ? e.exitCode : 1;
  }
}

if (require.main === module) void main(process.argv);
