/**
 * The side-by-side benchmark's W5 as its report and --json-out show it, on a
 * hand-made result: no benchmark runs here (figures come from benchmarks,
 * never from tests). The report is the compiled one (`npm test` compiles
 * first), which finds workloads.json from dist/ as `npm run bench` does.
 */
import fs from 'node:fs';
import path from 'node:path';

import { CONV_LAYERS, resolveModel, type ModelOptions } from '../lib/cli/model-config';
import type * as Report from '../benchmarks/report';

const ROOT = path.resolve(__dirname, '..');
const REPORT = path.join(ROOT, 'dist', 'benchmarks', 'report.js');

let report: typeof Report;

beforeAll(() => {
  if (!fs.existsSync(REPORT)) throw new Error(`${REPORT} is missing: run npm run build (npm test does)`);
  report = require(REPORT) as typeof Report;
});

const figure = (median: number) => ({ median, min: median * 0.9, max: median * 1.1, runs: [median * 0.9, median, median * 1.1] });

const NUMPY_CANNOT = 'the reference has no convolution layers to run';

function results(): Report.Results {
  const ceiling = "oneDNN's convolution primitives as the conv layers' native calls run them";
  return {
    date: '2026-12-02T00:00:00.000Z',
    command: 'npm run bench -- --smoke',
    machine: { cpu: 'a CPU', cores: 2, totalMemoryGiB: 8, node: 'v20', platform: 'linux', host: 'test' },
    blas: { config: 'OpenBLAS', corename: 'SkylakeX', threads: 2, env: {} } as unknown as Report.Results['blas'],
    smoke: true,
    rounds: 1,
    runners: { nndl: 'this library', numpy: 'the reference', pytorch: 'PyTorch CPU' },
    skipped: {},
    environments: [
      {
        label: 'environment as set',
        env: {},
        workloads: {
          W5: {
            nndl: {
              seconds: figure(100), gemmSeconds: figure(50), gemmRatio: figure(2), iterations: 60, ceiling,
              im2colSeconds: figure(80), im2colRatio: figure(1.25),
            },
            numpy: { skipped: NUMPY_CANNOT },
            pytorch: { seconds: figure(125), iterations: 60 },
          },
        },
        kernels: {},
      },
      { label: 'OPENBLAS_CORETYPE=SkylakeX', env: {}, skipped: 'no AVX-512', workloads: {}, kernels: {} },
    ],
    scaling: { error: 'not run' },
    memory: { skipped: 'not run' },
  };
}

test("W5 of workloads.json is the network and weight scale of nndl train's --model conv", () => {
  const spec = JSON.parse(fs.readFileSync(path.join(ROOT, 'benchmarks', 'workloads.json'), 'utf8'));
  const conv = resolveModel<ModelOptions>({ model: 'conv', batchnorm: false, dropout: 0, dtype: 'float32', reg: 0 });
  expect(spec.workloads.W5).toMatchObject({ kind: 'layers', layers: CONV_LAYERS, weightScale: conv.weightScale, dtype: 'float32', batch: 128 });
});

test('the report shows W5 beside PyTorch, its ceiling and the im2col gemms, and a runner that cannot run it as skipped with the reason', () => {
  const md = report.markdown(results());
  const row = md.split('\n').find((line) => line.startsWith('| W5 |'));
  expect(row).toBe('| W5 | 100.00 [90.00, 110.00] | 50.00 [45.00, 55.00] | skipped | 125.00 [112.50, 137.50] | 2.00x | 0.80x (pytorch) |');
  expect(md).toContain(`- W5: numpy skipped, ${NUMPY_CANNOT}.`);
  expect(md).toContain(`- W5: its "gemms alone" are oneDNN's convolution primitives`);
  expect(md).toContain('took 80.00 [72.00, 88.00] s, nndl 1.25x of them');
  expect(md).toContain('W5 the default conv net (--model conv), SGD, batch 128, float32, one epoch, timed over 60 steps and scaled');
  expect(md).toMatch(/\| W5: nndl epoch \/ pytorch's \| environment as set \| 0\.800 \| <= 0\.8 \| met \|/);
});

test('--json-out has the seconds of every runner that ran W5 and its PyTorch target, none for a skipped runner', () => {
  const entries = report.smallerIsBetter(results());
  const names = entries.map((e) => e.name);
  expect(names).toEqual(expect.arrayContaining(['W5 nndl [environment as set]', 'W5 pytorch [environment as set]']));
  expect(names.some((n) => n.startsWith('W5 numpy'))).toBe(false);
  expect(entries.find((e) => e.name === 'W5 nndl [environment as set]')).toMatchObject({
    unit: 's', value: 100, extra: '1 runs; the default conv net (--model conv), SGD, batch 128, float32',
  });
  expect(entries.find((e) => e.name === "W5: nndl epoch / pytorch's [environment as set]")).toMatchObject({ unit: 'ratio', value: 0.8 });
});
