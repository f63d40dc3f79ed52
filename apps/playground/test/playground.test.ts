import { type ChildProcess, spawn } from 'node:child_process';
import { copyFile, mkdir } from 'node:fs/promises';
import { createServer } from 'node:net';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launch, REQUIRE_WEBGPU } from './browser.js';
import { buildAndServe } from './serve.js';

const appDir = fileURLToPath(new URL('..', import.meta.url));
const outDir = fileURLToPath(new URL('../test-output/', import.meta.url));
const docsImg = fileURLToPath(new URL('../../../docs/img/playground.png', import.meta.url));

/** The FP8 GEMM every backend must run in the browser, small enough for SwiftShader. */
const FP8 = { op: 'gemmFp8NtGroupwise', m: '16', n: '64', k: '256' };

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** The playground server, serving the CPU backend as a stand-in for CUDA (no GPU here). */
async function startServer(port: number): Promise<ChildProcess> {
  const child = spawn(
    process.execPath,
    ['--conditions=source', '--import', 'tsx', 'server.mjs', '--backend', 'cpu', '--port', String(port)],
    { cwd: appDir, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  await new Promise<void>((resolve, reject) => {
    let log = '';
    const onData = (d: Buffer) => {
      log += d;
      if (log.includes('playground server')) resolve();
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (d) => (log += d));
    child.once('exit', (code) => reject(new Error(`server exited with ${code}: ${log}`)));
  });
  return child;
}

let url: string;
let stopPreview: () => Promise<void>;
let server: ChildProcess;
let browser: { context: BrowserContext; close(): Promise<void> };
const pageErrors: string[] = [];

beforeAll(async () => {
  const port = await freePort();
  server = await startServer(port);
  process.env.GEMMKIT_CUDA_SERVER = `http://127.0.0.1:${port}`;
  const preview = await buildAndServe();
  url = preview.url;
  stopPreview = preview.close;
  browser = await launch();
  await mkdir(outDir, { recursive: true });
});

afterAll(async () => {
  await browser?.close();
  await stopPreview?.();
  server?.kill();
});

async function open(query = ''): Promise<Page> {
  const page = await browser.context.newPage();
  page.on('pageerror', (e) => pageErrors.push(e.message));
  await page.goto(`${url}${query}`);
  // Every backend chip leaves its "probing" state.
  await page.waitForFunction(() => document.querySelectorAll('.chip.ok, .chip.down').length === 3, null, {
    timeout: 60_000,
  });
  return page;
}

async function setNumber(page: Page, name: string, value: string) {
  const input = page.getByTestId(`param-${name}`);
  await input.fill(value);
  await input.press('Enter');
}

/** Pick the FP8 GEMM at a small size on `backend` and run it; returns the status text. */
async function runFp8(page: Page, backend: string): Promise<string> {
  await page.getByTestId('op-select').selectOption(FP8.op);
  for (const d of ['m', 'n', 'k'] as const) await setNumber(page, d, FP8[d]);
  await page.getByTestId(`backend-${backend}`).click();
  await page.getByTestId('run').click();
  await page.waitForSelector('.badge.pass, .badge.fail', { timeout: 240_000 });
  return page.getByTestId('status').innerText();
}

async function expectResultPanel(page: Page) {
  expect(await page.getByTestId('metric-calcdiff').innerText()).toMatch(/\d\.\d\de[+-]\d/);
  expect(await page.getByTestId('metric-tflops').innerText()).toMatch(/\d/);
  const heat = page.locator('[data-testid=heatmap] canvas');
  await expect.poll(() => heat.count()).toBe(1);
  const size = await heat.evaluate((c: HTMLCanvasElement) => [c.width, c.height]);
  expect(size).toEqual([64, 16]); // one pixel per output element at this size
  await expect.poll(() => page.locator('[data-testid=roofline] canvas').count()).toBe(1);
}

describe('playground in Chromium', () => {
  it('probes the backends; WebGPU is present (required in CI)', async () => {
    const page = await open();
    const webgpuUp = await page.locator('[data-testid=chip-webgpu].ok').count();
    if (REQUIRE_WEBGPU) expect(webgpuUp, 'WebGPU adapter missing in Chromium').toBe(1);
    await expect.poll(() => page.locator('[data-testid=chip-cpu].ok').count()).toBe(1);
    await page.close();
  });

  it('runs an FP8 GEMM on WebGPU and shows a pass, the error heatmap and the roofline', async () => {
    const page = await open();
    const webgpuUp = (await page.locator('[data-testid=chip-webgpu].ok').count()) === 1;
    if (!webgpuUp && !REQUIRE_WEBGPU) {
      // Without an adapter the page must say why instead of running.
      await page.getByTestId('backend-webgpu').click();
      await page.getByTestId('run').click();
      await expect
        .poll(() => page.getByTestId('error').innerText())
        .toMatch(/^E_DEVICE: webgpu is unavailable/);
      return;
    }
    const status = await runFp8(page, 'webgpu');
    expect(status).toBe('PASS');
    await expectResultPanel(page);
    expect(await page.getByTestId('device-line').innerText()).toMatch(/\S/);
    await page.getByTestId('sweep').click();
    await page.waitForSelector('[data-testid=sweep-chart] canvas', { timeout: 120_000 });
    await page.waitForSelector('.badge.pass, .badge.idle, .badge.fail', { timeout: 120_000 });
    await page.screenshot({ path: `${outDir}playground.png` });
    // The README's screenshot: refreshed on demand, never as a side effect of a CI run.
    if (process.env.GEMMKIT_UPDATE_DOCS_IMG) {
      await mkdir(dirname(docsImg), { recursive: true });
      await copyFile(`${outDir}playground.png`, docsImg);
    }
    await page.close();
  });

  it('runs an FP8 GEMM on the CPU backend in a Web Worker, the page stays responsive, then sweeps M', async () => {
    const page = await open();
    await page.getByTestId('op-select').selectOption(FP8.op);
    for (const d of ['n', 'k'] as const) await setNumber(page, d, FP8[d]);
    await setNumber(page, 'm', '256'); // big enough to take a while on the worker
    await page.getByTestId('backend-cpu').click();
    await page.getByTestId('run').click();
    await page.waitForSelector('.badge.running');
    // The main thread answers while the worker computes.
    const t0 = Date.now();
    expect(await page.evaluate(() => 1 + 1)).toBe(2);
    expect(Date.now() - t0).toBeLessThan(1000);
    await page.waitForSelector('.badge.pass, .badge.fail', { timeout: 240_000 });
    expect(await page.getByTestId('status').innerText()).toBe('PASS');
    await setNumber(page, 'm', '16');
    expect(await runFp8(page, 'cpu')).toBe('PASS');
    await expectResultPanel(page);
    await page.getByTestId('sweep').click();
    await page.waitForSelector('[data-testid=sweep-chart] canvas', { timeout: 120_000 });
    await page.waitForSelector('.badge.pass, .badge.idle, .badge.fail', { timeout: 120_000 });
    await page.screenshot({ path: `${outDir}playground-cpu.png` });
    await page.close();
  });

  it('cancels a long CPU run and keeps working', async () => {
    const page = await open();
    await page.getByTestId('op-select').selectOption('bmmFp16');
    for (const d of ['m', 'n', 'k']) await setNumber(page, d, '2048'); // minutes on the CPU reference
    await page.getByTestId('backend-cpu').click();
    await page.getByTestId('run').click();
    await page.waitForSelector('.badge.running');
    await page.getByTestId('cancel').click();
    await page.waitForSelector('.badge.idle', { timeout: 5_000 });
    for (const d of ['m', 'n', 'k']) await setNumber(page, d, '32');
    await page.getByTestId('run').click();
    await page.waitForSelector('.badge.pass, .badge.fail', { timeout: 60_000 });
    expect(await page.getByTestId('status').innerText()).toBe('PASS');
    await page.close();
  });

  it('runs on the "cuda" backend through the local server (CPU stand-in here)', async () => {
    const page = await open();
    await expect.poll(() => page.locator('[data-testid=chip-cuda].ok').count()).toBe(1);
    expect(await runFp8(page, 'cuda')).toBe('PASS');
    expect(await page.getByTestId('device-line').innerText()).toContain('host CPU');
    await expectResultPanel(page);
    await page.close();
  });

  it('compares the same FP8 GEMM on every available backend against one reference', async () => {
    const page = await open();
    await page.getByTestId('op-select').selectOption(FP8.op);
    for (const d of ['m', 'n', 'k'] as const) await setNumber(page, d, FP8[d]);
    await page.getByTestId('compare-run').click();
    await page.waitForSelector('[data-testid=compare]', { timeout: 240_000 });
    const expected = [
      'cpu',
      'cuda',
      ...((await page.locator('[data-testid=chip-webgpu].ok').count()) ? ['webgpu'] : []),
    ];
    for (const b of expected) {
      const row = page.getByTestId(`compare-${b}`);
      expect(await row.locator('.badge').innerText(), b).toBe('PASS');
    }
    await page.close();
  });

  it('a copied link reproduces the run: same op, options and result', async () => {
    const page = await open();
    await page.getByTestId('op-select').selectOption('bmmFp8');
    await setNumber(page, 'm', '8');
    await setNumber(page, 'n', '24');
    await setNumber(page, 'k', '48');
    await page.getByTestId('param-outDtype-e4m3').click();
    await page.getByTestId('backend-cpu').click();
    await page.getByTestId('share').click();
    const link = await page.getByTestId('share-link').inputValue();
    expect(link).toContain('op=bmmFp8');
    expect(link).toContain('run=1');
    await page.close();

    const again = await browser.context.newPage();
    again.on('pageerror', (e) => pageErrors.push(e.message));
    await again.goto(link);
    await again.waitForSelector('.badge.pass, .badge.fail', { timeout: 120_000 });
    expect(await again.getByTestId('status').innerText()).toBe('PASS');
    expect(await again.getByTestId('op-select').inputValue()).toBe('bmmFp8');
    expect(await again.getByTestId('param-k').inputValue()).toBe('48');
    expect(await again.locator('[data-testid=param-outDtype-e4m3].on').count()).toBe(1);
    expect(await again.locator('.summary-head').innerText()).toContain('M=8 N=24 K=48');
    await again.close();
  });

  it('an op without a sized workload runs through its conformance cases', async () => {
    const page = await open();
    await page.getByTestId('op-select').selectOption('quantPerTokenFp8');
    const cases = await page.getByTestId('param-case').locator('option').allInnerTexts();
    expect(cases.length).toBeGreaterThan(1);
    await page.getByTestId('param-case').selectOption(cases[1]);
    await page.getByTestId('backend-cpu').click();
    expect(await page.getByTestId('sweep').isDisabled()).toBe(true);
    await page.getByTestId('run').click();
    await page.waitForSelector('.badge.pass, .badge.fail', { timeout: 120_000 });
    expect(await page.getByTestId('status').innerText()).toBe('PASS');
    expect(await page.locator('.summary-head').innerText()).toContain(cases[1]);
    await page.close();
  });

  it('a bad link names what is wrong with it', async () => {
    const page = await open('?op=bmmFp8&backend=cpu&k=33');
    expect(await page.locator('.banner.warn').innerText()).toMatch(
      /E_ALIGN: must be a multiple of 16; argument: bmmFp8\.k/,
    );
    await page.close();
  });

  it('raised no uncaught page errors', () => {
    expect(pageErrors).toEqual([]);
  });
});
