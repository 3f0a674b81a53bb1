/**
 * The page at GET / in a real browser: Debian's Chromium, headless, driven by
 * puppeteer-core, uploads a CIFAR-10 test image (the archive's first when it
 * is beside the checkout, else a CIFAR-10-format fixture) and the page shows
 * the model's five most probable classes and its card. The screenshot is
 * kept in test-out/serve-page/. Skipped, saying why, where Chromium is absent
 * (scripts/setup.sh installs it).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { PNG } from 'pngjs';
import puppeteer, { type Browser } from 'puppeteer-core';

import { CIFAR10_CLASSES, loadCifar10 } from '../lib/data/cifar10';
import { TwoLayerNet } from '../lib/models/two-layer-net';
import { serveModel, type ModelServer } from '../lib/serve/server';
import { fixtureSet } from './cifar-fixtures';

const CHROMIUM = process.env.NNDL_CHROMIUM ?? '/usr/bin/chromium';
const ARCHIVE = path.resolve(__dirname, '..', '..', 'shared', 'datasets', 'cifar-10-binary.tar.gz');
const OUT = path.resolve(__dirname, '..', 'test-out', 'serve-page');
const available = fs.existsSync(CHROMIUM);
if (!available) console.log(`skipping the browser test: no Chromium at ${CHROMIUM} (scripts/setup.sh installs it; NNDL_CHROMIUM names another)`);
const browserTest = available ? test : test.skip;

/** A CIFAR-10 test image as (3, 32, 32) bytes, and where it came from. */
async function testImage(): Promise<{ planes: Uint8Array; source: string }> {
  if (fs.existsSync(ARCHIVE)) {
    const data = await loadCifar10(ARCHIVE);
    return { planes: data.XTest.data.slice(0, 3072), source: 'the first CIFAR-10 test image' };
  }
  console.log(`the browser test uploads a CIFAR-10-format fixture image: ${ARCHIVE} is absent`);
  return { planes: fixtureSet(3).test.pixels.slice(0, 3072), source: 'a fixture image' };
}

/** A PNG of (3, 32, 32) bytes. */
function png(planes: Uint8Array): Buffer {
  const image = new PNG({ width: 32, height: 32 });
  for (let p = 0; p < 1024; p++) {
    for (let c = 0; c < 3; c++) image.data[4 * p + c] = planes[c * 1024 + p];
    image.data[4 * p + 3] = 255;
  }
  return PNG.sync.write(image);
}

let browser: Browser | undefined;
let server: ModelServer | undefined;
let profile: string;

afterAll(async () => {
  await browser?.close();
  await server?.close();
  if (profile) fs.rmSync(profile, { recursive: true, force: true });
});

browserTest('uploading an image shows it scaled up, its top-5 classes with bars, and the model card', async () => {
  const { planes, source } = await testImage();
  const model = new TwoLayerNet({ hiddenDims: 30, weightScale: 2e-3, dtype: 'float32', rng: 7 });
  model.preprocessing = {
    meanImage: new Float64Array(3072).fill(120), classNames: CIFAR10_CLASSES,
    training: { data: 'cifar10', valAcc: 0.526, testAcc: 0.495, epochs: 10, date: '2026-12-02T18:00:00.000Z' },
  };
  server = await serveModel(model, { port: 0 });
  fs.mkdirSync(OUT, { recursive: true });
  const file = path.join(OUT, 'upload.png');
  fs.writeFileSync(file, png(planes));

  profile = fs.mkdtempSync(path.join(os.tmpdir(), 'nndl-chromium-'));
  browser = await puppeteer.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
      '--disable-sync', '--no-first-run', `--user-data-dir=${profile}`,
    ],
  });
  const page = await browser.newPage();
  await page.setViewport({ width: 1000, height: 760 });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(server.url, { waitUntil: 'networkidle0' });
  expect(await page.title()).toBe('nndl · TwoLayerNet');

  const input = await page.$('#file');
  await (input as unknown as { uploadFile(file: string): Promise<void> }).uploadFile(file);
  await page.waitForSelector('#top5 li:nth-child(5)');
  const rows = await page.$$eval('#top5 li', (items) => items.map((li) => ({
    k: Number(li.getAttribute('data-class')),
    label: li.querySelector('.label')?.textContent,
    shown: li.querySelector('.p')?.textContent,
    bar: (li.querySelector('.bar') as unknown as { style: { width: string } }).style.width,
  })));
  const preview = await page.$eval('#preview', (img) => ({
    natural: (img as unknown as { naturalWidth: number }).naturalWidth, shown: img.getBoundingClientRect().width,
  }));
  const card = await page.$eval('#card-fields', (dl) => dl.textContent);
  await page.screenshot({ path: path.join(OUT, 'page.png') });

  // What the page shows is what the model predicts for the image.
  const hwc = new Uint8Array(3072);
  for (let p = 0; p < 1024; p++) for (let c = 0; c < 3; c++) hwc[3 * p + c] = planes[c * 1024 + p];
  const proba = Array.from(model.predictProba({ data: hwc, shape: [1, 32, 32, 3] }).data);
  const order = proba.map((_, k) => k).sort((a, b) => proba[b] - proba[a]).slice(0, 5);
  console.log(`the page's top class for ${source}: ${rows[0].label} (${rows[0].shown}); screenshot in ${OUT}`);
  expect(rows.map((r) => r.k)).toEqual(order);
  expect(rows.map((r) => r.label)).toEqual(order.map((k) => CIFAR10_CLASSES[k]));
  expect(rows.map((r) => r.shown)).toEqual(order.map((k) => `${(100 * proba[k]).toFixed(1)}%`));
  // The browser normalizes the width it was given ("10.0%" reads back as "10%"): compared as numbers.
  expect(rows.map((r) => parseFloat(r.bar))).toEqual(order.map((k) => Number((100 * proba[k]).toFixed(1))));
  expect(preview).toEqual({ natural: 32, shown: 256 });
  expect(card).toContain('TwoLayerNet [30]');
  expect(card).toContain('val 52.6%, test 49.5%');
  expect(errors).toEqual([]);
}, 120000);
