import { type Ceiling, type Params, resolveParams, workloadOf } from '@gemmkit/cli/workloads';
import type { OpName } from '@gemmkit/core';
import { useCallback, useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { Roofline, SweepChart } from './components/Charts.js';
import { Compare, type Comparison } from './components/Compare.js';
import { Controls } from './components/Controls.js';
import { Details } from './components/Details.js';
import { Heatmap } from './components/Heatmap.js';
import { Metrics } from './components/Metrics.js';
import { BACKENDS, type BackendName, Engine, RunError } from './engine/engine.js';
import { compareBackends, execute, type RunReport, type SweepPoint, sweep } from './engine/execute.js';
import type { DeviceInfo } from './engine/protocol.js';
import { type AppState, parseState, stateToSearch } from './state.js';

type Status =
  | { kind: 'idle' }
  | { kind: 'running'; what: string }
  | { kind: 'done' }
  | { kind: 'error'; code?: string; message: string };

/** A backend's chip text; a server backend that is not CUDA says what it really runs (e.g. the CPU stand-in). */
function chipText(d: DeviceInfo | undefined): string {
  if (!d) return ' …';
  if (!d.available) return ' unavailable';
  return d.backend && d.backend !== 'cuda' ? ` via server: ${d.backend}, ${d.device}` : ` ${d.device}`;
}

export function App() {
  const engine = useMemo(() => new Engine(), []);
  const initial = useMemo(() => parseState(location.search), []);
  const [state, setState] = useState<AppState>(initial.state);
  const [linkError, setLinkError] = useState(initial.error);
  const [devices, setDevices] = useState<Partial<Record<BackendName, DeviceInfo>>>({});
  const [status, setStatus] = useState<Status>({ kind: 'idle' });
  const [report, setReport] = useState<RunReport>();
  const [points, setPoints] = useState<SweepPoint[]>([]);
  const [ceiling, setCeiling] = useState<Ceiling>();
  const [shared, setShared] = useState<string>();
  const [comparison, setComparison] = useState<Comparison>();
  const autorun = useRef(initial.autorun);

  useEffect(() => {
    history.replaceState(null, '', stateToSearch(state));
  }, [state]);

  useEffect(() => {
    for (const b of BACKENDS) engine.info(b).then((d) => setDevices((x) => ({ ...x, [b]: d })));
  }, [engine]);

  const fail = (e: unknown) =>
    e instanceof RunError && e.code === 'CANCELLED'
      ? setStatus({ kind: 'idle' })
      : setStatus({
          kind: 'error',
          code: e instanceof RunError ? e.code : (e as { code?: string }).code,
          message: e instanceof Error ? e.message : String(e),
        });

  const ready = (): DeviceInfo | undefined => {
    const d = devices[state.backend];
    if (!d) {
      setStatus({ kind: 'error', message: `still probing ${state.backend}; try again in a moment` });
      return undefined;
    }
    if (!d.available) {
      setStatus({ kind: 'error', code: 'E_DEVICE', message: `${state.backend} is unavailable: ${d.reason}` });
      return undefined;
    }
    if (d.ops && !d.ops.includes(state.op)) {
      setStatus({
        kind: 'error',
        code: 'E_UNSUPPORTED',
        message: `${state.op} has no kernel on ${state.backend}`,
      });
      return undefined;
    }
    return d;
  };

  const run = useCallback(async () => {
    const d = ready();
    if (!d) return;
    setStatus({ kind: 'running', what: `${state.op} on ${state.backend}` });
    try {
      const c = await engine.ceiling(state.backend, d);
      setCeiling(c);
      const r = await execute(engine, state.backend, state.op, state.params, state.seed, c);
      setReport(r);
      setStatus({ kind: 'done' });
    } catch (e) {
      fail(e);
    }
  }, [engine, state, devices]);

  const runSweep = useCallback(async () => {
    const d = ready();
    if (!d) return;
    setStatus({ kind: 'running', what: `sweep of ${state.op} on ${state.backend}` });
    setPoints([]);
    try {
      setCeiling(await engine.ceiling(state.backend, d));
      await sweep(engine, state.backend, state.op, state.params, state.seed, (p) =>
        setPoints((x) => [...x, p]),
      );
      setStatus({ kind: 'done' });
    } catch (e) {
      fail(e);
    }
  }, [engine, state, devices]);

  const runCompare = useCallback(async () => {
    const usable = BACKENDS.filter(
      (b) => devices[b]?.available && (!devices[b]!.ops || devices[b]!.ops!.includes(state.op)),
    );
    if (!usable.length) {
      setStatus({ kind: 'error', code: 'E_DEVICE', message: `no available backend runs ${state.op}` });
      return;
    }
    setStatus({ kind: 'running', what: `${state.op} on ${usable.join(', ')}` });
    setComparison(undefined);
    try {
      const withCeilings = [];
      for (const name of usable)
        withCeilings.push({ name, ceiling: await engine.ceiling(name, devices[name]!) });
      setComparison(await compareBackends(engine, withCeilings, state.op, state.params, state.seed));
      setStatus({ kind: 'done' });
    } catch (e) {
      fail(e);
    }
  }, [engine, state, devices]);

  // A shared link (`run=1`) runs as soon as its backend has been probed.
  useEffect(() => {
    if (autorun.current && devices[state.backend]) {
      autorun.current = false;
      run();
    }
  }, [devices, run]);

  const update = (s: Partial<AppState>) => {
    setState((x) => ({ ...x, ...s }));
    setShared(undefined);
  };
  const onOp = (op: OpName) => {
    update({ op, params: resolveParams(workloadOf(op)!, 'small') });
    setReport(undefined);
    setPoints([]);
    setComparison(undefined);
  };
  const onParams = (p: Params) => {
    try {
      update({ params: resolveParams(workloadOf(state.op)!, 'small', p) });
      setLinkError(undefined);
    } catch (e) {
      setLinkError((e as Error).message);
    }
  };
  const onShare = () => {
    const url = `${location.origin}${location.pathname}${stateToSearch(state, true)}`;
    setShared(url);
    navigator.clipboard?.writeText(url).catch(() => {});
  };

  const w = workloadOf(state.op)!;
  const sweepLabel = w.sweep?.toUpperCase() ?? 'size';
  const stale = report && (report.op !== state.op || report.backend !== state.backend);
  return (
    <div class="app">
      <header class="top">
        <div class="brand">
          <span class="logo">▦</span> gemmkit <span class="muted">playground</span>
        </div>
        <div class="chips">
          {BACKENDS.map((b) => (
            <span
              key={b}
              data-testid={`chip-${b}`}
              class={`chip ${devices[b]?.available ? 'ok' : devices[b] ? 'down' : ''}`}
              title={devices[b]?.reason ?? devices[b]?.device}
            >
              <i />
              {b}
              <span class="muted">{chipText(devices[b])}</span>
            </span>
          ))}
        </div>
      </header>
      <main class="layout">
        <Controls
          state={state}
          devices={devices}
          busy={status.kind === 'running'}
          onOp={onOp}
          onParams={onParams}
          onBackend={(backend) => {
            update({ backend });
            setPoints([]); // a sweep belongs to the backend it ran on
          }}
          onSeed={(seed) => update({ seed })}
          onRun={run}
          onSweep={runSweep}
          onShare={onShare}
          onCancel={() => engine.cancel()}
          onCompare={runCompare}
        />
        <section class="results">
          {linkError && <div class="banner warn">{linkError}</div>}
          {shared && (
            <div class="banner info">
              Link copied:{' '}
              <input
                readOnly
                value={shared}
                data-testid="share-link"
                onFocus={(e) => (e.target as HTMLInputElement).select()}
              />
            </div>
          )}
          <Metrics status={status} report={report} stale={!!stale} />
          <div class="grid">
            <div class="card">
              <h3>Error heatmap</h3>
              {report?.outputs[0] ? (
                <Heatmap check={report.outputs[0]} />
              ) : (
                <div class="placeholder">|got − reference| of the output, per element.</div>
              )}
            </div>
            <div class="card">
              <h3>Roofline</h3>
              <Roofline run={report} sweep={points} ceiling={ceiling} precision={w.precision} />
            </div>
            <div class="card">
              <h3>
                Throughput vs {sweepLabel} <span class="muted small">({state.backend})</span>
              </h3>
              <SweepChart points={points} label={sweepLabel} zeroFlop={report?.flops === 0} />
            </div>
            {comparison && <Compare rows={comparison} />}
            <Details report={report} seed={state.seed} />
          </div>
        </section>
      </main>
    </div>
  );
}
