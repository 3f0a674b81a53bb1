#!/usr/bin/env node
/**
 * The nndl command line: train, sweep, eval, gradcheck. Every error is one
 * line on stderr and a non-zero exit.
 */
import os from 'node:os';

import { Command, Option } from 'commander';

import { gradcheck } from './gradcheck';
import { CliError } from './errors';
import { evaluate } from './eval';
import {
  nonNegativeNumber, nonNegativeNumberList, positiveInt, positiveIntList, positiveNumber,
  positiveNumberList, probability, seed,
} from './options';
import { resolveModel } from './model-config';
import { sweep } from './sweep';
import { train } from './train';

const UPDATES = ['sgd', 'sgd_momentum', 'rmsprop', 'adam'];

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
    .addOption(new Option('--update <rule>', 'update rule').choices(UPDATES).default('sgd'))
    .option('--lr-decay <factor>', 'learning-rate factor per epoch', nonNegativeNumber, 0.95)
    .option('--epochs <n>', 'epochs', positiveInt, 10)
    .option('--batch-size <n>', 'minibatch size', positiveInt, 100)
    .option('--seed <n>', 'seed of the weights, the sampling and generated data', seed, 0)
    .option('--augment', 'random crops (pad 4) and horizontal flips of the training images', false)
    .option('--data <source>', 'a CIFAR-10 path (directory or .tar.gz), cifar10 (the cache, downloaded if empty), or synthetic');
}

export function program(): Command {
  const root = new Command('nndl')
    .description('Train and inspect neural networks on CIFAR-10 with nndl')
    .showHelpAfterError(false)
    .configureOutput({ outputError: (message, write) => write(`nndl: ${message.replace(/^error: /, '').trim()}\n`) });

  modelOptions(root.command('train').description('train one model and write its model, history, plots and report'))
    .option('--lr <rate>', 'learning rate', positiveNumber, 1e-3)
    .option('--reg <strength>', 'L2 regularization', nonNegativeNumber, 0)
    .option('--out <dir>', 'output directory', 'nndl-run')
    .action(async (o) => {
      process.exitCode = await train(resolveModel({ ...o, weightScale: o.weightScale, lrDecay: o.lrDecay, batchSize: o.batchSize }));
    });

  modelOptions(root.command('sweep').description('train a grid of settings in parallel and keep the best model'))
    .requiredOption('--lr <rates>', 'learning rates to try, comma-separated', positiveNumberList)
    .option('--reg <strengths>', 'regularization strengths to try', nonNegativeNumberList, [0])
    .option('--hidden-sizes <sizes>', 'widths to try for every hidden layer (instead of --hidden)', positiveIntList)
    .option('--workers <n>', 'trials run at once, each on its own thread', positiveInt, os.cpus().length)
    .option('--out <dir>', 'output directory', 'nndl-sweep')
    .action(async (o) => {
      process.exitCode = await sweep(resolveModel({ ...o, hiddenSizes: o.hiddenSizes, lrDecay: o.lrDecay, batchSize: o.batchSize, lrs: o.lr, regs: o.reg }));
    });

  root.command('eval')
    .description('accuracy and confusion table of a saved model')
    .requiredOption('--model <file>', 'a model.safetensors written by nndl')
    .option('--data <source>', 'as for train', 'cifar10')
    .addOption(new Option('--split <split>', 'which split').choices(['test', 'val', 'train']).default('test'))
    .option('--seed <n>', 'seed of generated data (--data synthetic)', seed, 0)
    .action(async (o) => {
      process.exitCode = await evaluate(o);
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
