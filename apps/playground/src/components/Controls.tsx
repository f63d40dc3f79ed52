import { type ParamSpec, type Params, workloadOf } from '@gemmkit/cli/workloads';
import { contracts, type OpName } from '@gemmkit/core';
import { BACKENDS, type BackendName } from '../engine/engine.js';
import type { DeviceInfo } from '../engine/protocol.js';
import { type AppState, PLAYGROUND_OPS } from '../state.js';

function ParamInput(props: { spec: ParamSpec; value: string | number; onChange(v: string | number): void }) {
  const { spec, value } = props;
  const id = `param-${spec.name}`;
  // Many or long choices (conformance case names) read better in a select than as buttons.
  if (spec.kind === 'enum' && (spec.values!.length > 4 || spec.values!.some((v) => String(v).length > 14)))
    return (
      <label class="field" for={id}>
        <span>{spec.label}</span>
        <select
          id={id}
          data-testid={id}
          value={String(value)}
          onChange={(e) => props.onChange((e.target as HTMLSelectElement).value)}
        >
          {spec.values!.map((v) => (
            <option key={String(v)} value={String(v)}>
              {String(v)}
            </option>
          ))}
        </select>
      </label>
    );
  if (spec.kind === 'enum')
    return (
      <label class="field" for={id}>
        <span>{spec.label}</span>
        <div class="segmented" id={id} role="radiogroup">
          {spec.values!.map((v) => (
            <button
              type="button"
              key={String(v)}
              class={String(v) === String(value) ? 'on' : ''}
              data-testid={`${id}-${v}`}
              onClick={() => props.onChange(v)}
            >
              {String(v)}
            </button>
          ))}
        </div>
      </label>
    );
  return (
    <label class="field" for={id}>
      <span>
        {spec.label}
        {spec.multipleOf ? <em> (×{spec.multipleOf})</em> : null}
      </span>
      <input
        id={id}
        data-testid={id}
        type="number"
        min={spec.min}
        max={spec.max}
        step={spec.multipleOf ?? 1}
        value={value}
        onChange={(e) => props.onChange(Number((e.target as HTMLInputElement).value))}
      />
    </label>
  );
}

export function Controls(props: {
  state: AppState;
  devices: Partial<Record<BackendName, DeviceInfo>>;
  busy: boolean;
  onOp(op: OpName): void;
  onParams(p: Params): void;
  onBackend(b: BackendName): void;
  onSeed(s: number): void;
  onRun(): void;
  onSweep(): void;
  onShare(): void;
  onCancel(): void;
  onCompare(): void;
}) {
  const { state, devices, busy } = props;
  const w = workloadOf(state.op)!;
  const dims = w.params.filter((p) => p.kind === 'int');
  const enums = w.params.filter((p) => p.kind === 'enum');
  const set = (name: string, v: string | number) => props.onParams({ ...state.params, [name]: v });
  return (
    <aside class="panel controls">
      <label class="field" for="op">
        <span>operation</span>
        <select
          id="op"
          data-testid="op-select"
          value={state.op}
          onChange={(e) => props.onOp((e.target as HTMLSelectElement).value as OpName)}
        >
          {PLAYGROUND_OPS.map((o) => (
            <option key={o} value={o}>
              {o} — {workloadOf(o)!.title}
            </option>
          ))}
        </select>
      </label>
      <div class="field">
        <span>backend</span>
        <div class="segmented backends">
          {BACKENDS.map((b) => {
            const d = devices[b];
            const down = d !== undefined && !d.available;
            return (
              <button
                type="button"
                key={b}
                data-testid={`backend-${b}`}
                class={`${state.backend === b ? 'on' : ''} ${down ? 'down' : ''}`}
                title={d ? (d.available ? `${d.device} (${d.arch})` : d.reason) : 'probing…'}
                onClick={() => props.onBackend(b)}
              >
                {b}
              </button>
            );
          })}
        </div>
        <small class="muted device-line" data-testid="device-line">
          {devices[state.backend]
            ? devices[state.backend]!.available
              ? `${devices[state.backend]!.device} · ${devices[state.backend]!.arch}`
              : devices[state.backend]!.reason
            : 'probing…'}
        </small>
      </div>
      <label class="field inline" for="seed">
        <span>seed</span>
        <input
          id="seed"
          type="number"
          min={0}
          value={state.seed}
          onChange={(e) => props.onSeed(Number((e.target as HTMLInputElement).value))}
        />
      </label>
      <div class="actions">
        {busy ? (
          <button type="button" class="primary cancel" data-testid="cancel" onClick={props.onCancel}>
            Cancel
          </button>
        ) : (
          <button type="button" class="primary" data-testid="run" onClick={props.onRun}>
            Run
          </button>
        )}
        <button
          type="button"
          data-testid="sweep"
          disabled={busy || !w.sweep}
          title={w.sweep ? undefined : 'this op has no size knob to sweep'}
          onClick={props.onSweep}
        >
          {w.sweep ? `Sweep ${w.sweep.toUpperCase()}` : 'Sweep'}
        </button>
        <button
          type="button"
          data-testid="compare-run"
          disabled={busy}
          title="run the same problem on every available backend"
          onClick={props.onCompare}
        >
          Compare
        </button>
        <button
          type="button"
          data-testid="share"
          onClick={props.onShare}
          title="copy a link that reproduces this run"
        >
          Copy link
        </button>
      </div>
      <div class="sep" />
      <div class="dims">
        {dims.map((s) => (
          <ParamInput key={s.name} spec={s} value={state.params[s.name]} onChange={(v) => set(s.name, v)} />
        ))}
      </div>
      {enums.map((s) => (
        <ParamInput key={s.name} spec={s} value={state.params[s.name]} onChange={(v) => set(s.name, v)} />
      ))}
      <details class="doc">
        <summary>math</summary>
        {(contracts[state.op] as { doc: string }).doc}
      </details>
    </aside>
  );
}
