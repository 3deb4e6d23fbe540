// The journal page's script (see journal.html): reads and adds entries through /journal/<id>/entries and stops
// the entity with /journal/<id>/stop. Each answer says which container run served it (bootId) and what the last
// stop snapshotted, so the page shows the same file outliving the container that wrote it.
const id = new URLSearchParams(location.search).get("id") || "notes-1";
document.getElementById("entity").textContent = id;
const base = `/journal/${encodeURIComponent(id)}`;
const status = document.getElementById("status");
const list = document.getElementById("entries");
const run = document.getElementById("run");

function persistedLine(snapshots) {
  const persisted = snapshots?.persisted;
  if (!persisted) return "nothing snapshotted yet";
  const dirs = persisted.dirs.map((d) => `${d.dir} (${d.size} bytes)`).join(", ");
  return `last snapshot: ${dirs}, reason ${persisted.reason}`;
}

function show(body) {
  list.replaceChildren(
    ...body.entries.map((entry) => {
      const li = document.createElement("li");
      li.textContent = entry;
      return li;
    }),
  );
  run.textContent = `served by container run ${body.bootId}; ${persistedLine(body.snapshots)}`;
}

async function call(path, init) {
  const response = await fetch(`${base}${path}`, init);
  const body = await response.json();
  if (!response.ok) throw new Error(body.message ?? body.error ?? `HTTP ${response.status}`);
  return body;
}

async function load() {
  status.textContent = "loading (a stopped container starts and gets /data back)…";
  try {
    show(await call("/entries"));
    status.textContent = "running";
  } catch (error) {
    status.textContent = `error: ${error.message}`;
  }
}

document.getElementById("add").addEventListener("submit", async (event) => {
  event.preventDefault();
  const input = document.getElementById("text");
  try {
    show(await call("/entries", { method: "POST", body: input.value }));
    input.value = "";
    status.textContent = "running";
  } catch (error) {
    status.textContent = `error: ${error.message}`;
  }
});

document.getElementById("stop").addEventListener("click", async () => {
  status.textContent = "stopping (snapshotting /data first)…";
  try {
    const body = await call("/stop");
    status.textContent = `${body.state.status}; ${persistedLine(body.snapshots)}`;
  } catch (error) {
    status.textContent = `error: ${error.message}`;
  }
});

document.getElementById("reload").addEventListener("click", load);
load();
