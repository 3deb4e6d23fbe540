/**
 * The inspector page's entry: subscribes to `moorage dev`'s snapshot stream and renders it.
 *
 * Boundary: the connection (EventSource on `/api/stream`, which reconnects by itself) and the page frame; the
 * panels are in `views.tsx`. Built by `build.mjs` into one small bundle (Preact) at package build time.
 */
import { render } from "preact";
import { useEffect, useState } from "preact/hooks";
import type { InspectorSnapshot } from "../model.js";
import { Bridge, Containers, Egress, Logs, Requests, Timeline } from "./views.js";

function useSnapshot(): { snapshot: InspectorSnapshot | undefined; live: boolean } {
  const [snapshot, setSnapshot] = useState<InspectorSnapshot>();
  const [live, setLive] = useState(false);
  useEffect(() => {
    const source = new EventSource("/api/stream");
    source.addEventListener("open", () => setLive(true));
    source.addEventListener("error", () => setLive(false));
    source.addEventListener("snapshot", (event) => {
      setLive(true);
      setSnapshot(JSON.parse((event as MessageEvent<string>).data) as InspectorSnapshot);
    });
    return () => source.close();
  }, []);
  return { snapshot, live };
}

function App() {
  const { snapshot, live } = useSnapshot();
  return (
    <>
      <header>
        <h1>Moorage inspector</h1>
        {snapshot?.worker && <span>{snapshot.worker}</span>}
        <span class={`live${live ? " on" : ""}`}>{live ? "live" : "reconnecting…"}</span>
      </header>
      {snapshot && !snapshot.engine.ok && <p class="notice">{snapshot.engine.message}</p>}
      {snapshot ? (
        <main>
          <Containers containers={snapshot.containers} />
          <Timeline events={snapshot.events} />
          <Logs containers={snapshot.containers} />
          <Requests requests={snapshot.requests} />
          <Egress egress={snapshot.egress} />
          <Bridge bridge={snapshot.bridge} />
        </main>
      ) : (
        <p class="empty" style="padding: 16px">
          Connecting to moorage dev…
        </p>
      )}
    </>
  );
}

const root = document.getElementById("app");
if (root) {
  root.textContent = "";
  render(<App />, root);
}
