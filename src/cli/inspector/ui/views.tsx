/**
 * The inspector page's panels: containers and instances (state, generation, cold-start phases), the lifecycle
 * timeline, requests, container logs, egress decisions and bridge calls.
 *
 * Boundary: rendering a snapshot (`../model.ts`); no fetching, no state beyond which log tab is open. Text comes
 * from containers and callers: it is rendered as text (Preact escapes it), never as HTML.
 */
import { useState } from "preact/hooks";
import type {
  BridgeView,
  ColdStartView,
  ContainerView,
  EgressView,
  InstanceView,
  RequestView,
  TimelineEvent,
} from "../model.js";

const clock = (ms: number) => new Date(ms).toLocaleTimeString(undefined, { hour12: false });
const millis = (ms: number | undefined) => (ms === undefined ? "–" : `${Math.round(ms)} ms`);
const statusClass = (status: number | undefined) =>
  status === undefined ? "s-5xx" : `s-${Math.floor(status / 100)}xx`;
const who = (container: string, instance: string) => `${container} / ${instance}`;

function Empty({ children }: { children: string }) {
  return <p class="empty">{children}</p>;
}

function ColdStartBar({ cold }: { cold: ColdStartView | undefined }) {
  if (!cold) return <span class="empty">–</span>;
  const parts = [
    { key: "wait", label: "instance wait", ms: cold.instanceWaitMs },
    {
      key: "ports",
      label: `ports ${cold.ports.join(", ")}${cold.portsIncludeWait ? " (with instance wait)" : ""}`,
      ms: cold.portsMs,
    },
    { key: "ready", label: "readyOn", ms: cold.readyOnMs },
  ];
  const total = parts.reduce((sum, p) => sum + (p.ms ?? 0), 0);
  const title = parts.map((p) => `${p.label}: ${millis(p.ms)}`).join(", ");
  return (
    <div>
      <div class="bar" title={title} role="img" aria-label={`cold start: ${title}`}>
        {parts.map((p) =>
          p.ms === undefined || total === 0 ? null : (
            <span key={p.key} class={p.key} style={`width: ${Math.max(2, (p.ms / total) * 100)}%`} />
          ),
        )}
      </div>
      <div class="legend">
        {parts.map((p) => (
          <span key={p.key}>
            <i
              class={`bar-${p.key}`}
              style={`background: var(--${p.key === "wait" ? "wait" : p.key === "ports" ? "run" : "ok"})`}
            />
            {p.label} {millis(p.ms)}
          </span>
        ))}
        {cold.totalMs !== undefined && <span> · total {millis(cold.totalMs)}</span>}
      </div>
    </div>
  );
}

function InstanceRow({ instance }: { instance: InstanceView }) {
  return (
    <tr>
      <td>{instance.instance}</td>
      <td>
        <span class={`badge s-${instance.state}`}>{instance.state}</span>
        {instance.exitCode !== undefined && instance.state === "stopped" && (
          <span class="legend"> exit {instance.exitCode}</span>
        )}
      </td>
      <td class="num">{instance.generation}</td>
      <td class="time">{clock(instance.since)}</td>
      <td class="cold">
        <ColdStartBar cold={instance.coldStart} />
      </td>
      <td class={instance.error ? "wrap legend" : "legend"}>{instance.error ?? instance.docker?.status ?? ""}</td>
    </tr>
  );
}

export function Containers({ containers }: { containers: ContainerView[] }) {
  return (
    <section class="wide" aria-labelledby="h-containers">
      <h2 id="h-containers">Containers</h2>
      {containers.length === 0 && <Empty>No containers declared in moorage/containers.ts.</Empty>}
      {containers.map((c) => (
        <div key={c.name}>
          <h3>
            {c.name}
            <small>{c.className}</small>
          </h3>
          {c.instances.length === 0 ? (
            <Empty>No instance yet: the first request to it starts one.</Empty>
          ) : (
            <table aria-label={`${c.name} instances`}>
              <thead>
                <tr>
                  <th>instance</th>
                  <th>state</th>
                  <th class="num">run</th>
                  <th>since</th>
                  <th>last cold start</th>
                  <th>engine</th>
                </tr>
              </thead>
              <tbody>
                {c.instances.map((i) => (
                  <InstanceRow key={i.instance} instance={i} />
                ))}
              </tbody>
            </table>
          )}
        </div>
      ))}
    </section>
  );
}

export function Timeline({ events }: { events: TimelineEvent[] }) {
  return (
    <section aria-labelledby="h-timeline">
      <h2 id="h-timeline">Timeline · {events.length} events</h2>
      {events.length === 0 ? (
        <Empty>No lifecycle events yet.</Empty>
      ) : (
        <ol class="timeline" aria-label="lifecycle events">
          {[...events].reverse().map((e, i) => (
            <li key={`${e.time}-${events.length - i}`}>
              <span class="time">{clock(e.time)}</span>
              <span>
                <span class={`badge s-${e.event}`}>{e.event}</span>
              </span>
              <span class="wrap">
                <b>{who(e.container, e.instance)}</b>
                {e.generation !== undefined && <span class="legend"> run {e.generation}</span>} {e.detail}
              </span>
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}

export function Requests({ requests }: { requests: RequestView[] }) {
  return (
    <section class="wide" aria-labelledby="h-requests">
      <h2 id="h-requests">Requests · {requests.length}</h2>
      {requests.length === 0 ? (
        <Empty>No requests through the typed client yet.</Empty>
      ) : (
        <table aria-label="requests">
          <thead>
            <tr>
              <th>time</th>
              <th>container / instance</th>
              <th>request</th>
              <th>status</th>
              <th class="num">attempts</th>
              <th class="num">wait</th>
              <th class="num">cold start</th>
              <th class="num">total</th>
            </tr>
          </thead>
          <tbody>
            {[...requests].reverse().map((r, i) => (
              <tr key={`${r.time}-${requests.length - i}`}>
                <td class="time">{clock(r.time)}</td>
                <td>{who(r.container, r.instance)}</td>
                <td class="wrap">
                  {r.method} {r.path}
                </td>
                <td>
                  <span class={`badge ${statusClass(r.status)}`}>{r.status ?? r.error ?? "error"}</span>
                </td>
                <td class="num">{r.attempts}</td>
                <td class="num">{millis(r.waitMs)}</td>
                <td class="num">{millis(r.coldStartMs)}</td>
                <td class="num">{millis(r.totalMs)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

export function Logs({ containers }: { containers: ContainerView[] }) {
  const instances = containers.flatMap((c) => c.instances).filter((i) => i.docker || i.logs.length > 0);
  const [open, setOpen] = useState<string>();
  const key = (i: InstanceView) => who(i.container, i.instance);
  const shown = instances.find((i) => key(i) === open) ?? instances[instances.length - 1];
  return (
    <section aria-labelledby="h-logs">
      <h2 id="h-logs">Container logs</h2>
      {instances.length === 0 || !shown ? (
        <Empty>No container has run yet.</Empty>
      ) : (
        <>
          <div class="tabs" role="tablist">
            {instances.map((i) => (
              <button
                type="button"
                role="tab"
                key={key(i)}
                aria-selected={key(i) === key(shown)}
                onClick={() => setOpen(key(i))}
              >
                {key(i)}
              </button>
            ))}
          </div>
          <pre class="logs" role="log" aria-label={`logs of ${key(shown)}`}>
            {shown.logs.length === 0
              ? "(nothing printed yet)"
              : shown.logs.map((l, n) => (
                  <div key={n} class={l.stream === "stderr" ? "err" : undefined}>
                    {l.text}
                  </div>
                ))}
          </pre>
        </>
      )}
    </section>
  );
}

export function Egress({ egress }: { egress: EgressView[] }) {
  return (
    <section class="wide" aria-labelledby="h-egress">
      <h2 id="h-egress">Egress · {egress.length}</h2>
      {egress.length === 0 ? (
        <Empty>No outbound connections decided yet.</Empty>
      ) : (
        <table aria-label="egress decisions">
          <thead>
            <tr>
              <th>time</th>
              <th>container / instance</th>
              <th>host</th>
              <th>decision</th>
              <th>rule</th>
            </tr>
          </thead>
          <tbody>
            {[...egress].reverse().map((e, i) => (
              <tr key={`${e.time}-${egress.length - i}`}>
                <td class="time">{clock(e.time)}</td>
                <td>{who(e.container, e.instance)}</td>
                <td class="wrap">{e.host}</td>
                <td>
                  <span class={`badge ${e.allowed ? "s-allowed" : "s-denied"}`}>
                    {e.allowed ? "allowed" : "denied"}
                  </span>
                </td>
                <td class="wrap">
                  {e.rule}
                  {e.pattern && <span class="legend"> ({e.pattern})</span>}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

/** Who called: the container and instance, how a token-mode call got in, or that it came from outside. */
function Caller({ call }: { call: BridgeView }) {
  if (!call.container) return <span class="legend">outside any container</span>;
  return (
    <span>
      {who(call.container, call.instance)}
      {call.via && <span class="legend"> via {call.via}</span>}
    </span>
  );
}

export function Bridge({ bridge }: { bridge: BridgeView[] }) {
  return (
    <section class="wide" aria-labelledby="h-bridge">
      <h2 id="h-bridge">Bridge calls · {bridge.length}</h2>
      {bridge.length === 0 ? (
        <Empty>No container has called its Worker yet.</Empty>
      ) : (
        <table aria-label="bridge calls">
          <thead>
            <tr>
              <th>time</th>
              <th>caller</th>
              <th>mode</th>
              <th>identity</th>
              <th>call</th>
              <th>status</th>
              <th class="num">time</th>
            </tr>
          </thead>
          <tbody>
            {[...bridge].reverse().map((b, i) => (
              <tr key={`${b.time}-${bridge.length - i}`}>
                <td class="time">{clock(b.time)}</td>
                <td class="wrap">
                  <Caller call={b} />
                </td>
                <td>{b.mode}</td>
                <td class="wrap">{b.identity ?? "–"}</td>
                <td>{b.functionPath ?? `${b.method} ${b.path}`}</td>
                <td>
                  <span class={`badge ${statusClass(b.status)}`}>{b.status}</span>
                </td>
                <td class="num">{millis(b.durationMs)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
