// The terminal page's script (see terminal.html): xterm.js wired to Moorage's terminal framing. Binary messages
// are terminal bytes both ways; text messages are JSON: {type:"input"|"resize"} from here, {type:"exit"|"error"}
// back. Keystrokes go out as binary, the size as a resize message whenever it changes (the fit addon keeps the
// terminal as large as its element, which follows the window).
const id = new URLSearchParams(location.search).get("id") || "doc-1";
document.getElementById("doc").textContent = id;
const status = document.getElementById("status");
const base = `/docs/${encodeURIComponent(id)}`;

// The terminal fills its element, which fills what the window leaves; the PTY starts at that size.
const term = new Terminal({ cursorBlink: true, convertEol: false });
const fit = new FitAddon.FitAddon();
term.loadAddon(fit);
term.open(document.getElementById("terminal"));
fit.fit();
term.focus();
const size = document.getElementById("size");
size.textContent = `${term.cols}x${term.rows}`;

const socket = new WebSocket(
  `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}${base}/terminal?cols=${term.cols}&rows=${term.rows}`,
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
socket.addEventListener("close", (event) => {
  if (status.textContent === "connected") status.textContent = "disconnected";
  else if (status.textContent === "connecting…") status.textContent = `could not connect (close code ${event.code})`;
});
term.onData((data) => {
  if (socket.readyState === WebSocket.OPEN) socket.send(encoder.encode(data));
});
term.onResize(({ cols, rows }) => {
  size.textContent = `${cols}x${rows}`;
  if (socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify({ type: "resize", cols, rows }));
});
// A window resize refits the terminal (once per frame); a changed size reaches the PTY through onResize above.
let refit = 0;
window.addEventListener("resize", () => {
  cancelAnimationFrame(refit);
  refit = requestAnimationFrame(() => fit.fit());
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
