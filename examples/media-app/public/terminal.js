// The terminal page's script (see terminal.html): xterm.js wired to Moorage's terminal framing. Binary messages
// are terminal bytes both ways; text messages are JSON: {type:"input"|"resize"} from here, {type:"exit"|"error"}
// back. Keystrokes go out as binary, the size as a resize message whenever it changes.
const id = new URLSearchParams(location.search).get("id") || "doc-1";
document.getElementById("doc").textContent = id;
const status = document.getElementById("status");
const base = `/docs/${encodeURIComponent(id)}`;

const term = new Terminal({ cols: 100, rows: 28, cursorBlink: true, convertEol: false });
term.open(document.getElementById("terminal"));
term.focus();

const socket = new WebSocket(
  `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}${base}/terminal?cols=100&rows=28`,
);
socket.binaryType = "arraybuffer";
const encoder = new TextEncoder();
socket.addEventListener("open", () => {
  status.textContent = "connected";
});
socket.addEventListener("message", (event) => {
  if (typeof event.data !== "string") {
    term.write(new Uint8Array(event.data));
    return;
  }
  const message = JSON.parse(event.data);
  if (message.type === "exit") status.textContent = `exited with code ${message.exitCode}`;
  if (message.type === "error") status.textContent = `error: ${message.message}`;
});
socket.addEventListener("close", () => {
  if (status.textContent === "connected") status.textContent = "disconnected";
});
term.onData((data) => {
  if (socket.readyState === WebSocket.OPEN) socket.send(encoder.encode(data));
});
term.onResize(({ cols, rows }) => {
  if (socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify({ type: "resize", cols, rows }));
});

document.getElementById("exec").addEventListener("submit", async (event) => {
  event.preventDefault();
  const output = document.getElementById("output");
  output.textContent = "running…";
  const response = await fetch(`${base}/exec`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ cmd: document.getElementById("cmd").value }),
  });
  const result = await response.json();
  output.textContent =
    result.error !== undefined
      ? `${result.error}: ${result.message}`
      : `${result.stdout}${result.stderr}\n(exit code ${result.exitCode})`;
});
