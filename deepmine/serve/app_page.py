"""The page `deepmine app` serves: one self-contained HTML document (inline CSS and script, nothing from the
network) that talks to the app's API (:mod:`deepmine.serve.app`)."""

PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>deepmine app</title><link rel="icon" href="data:,">
<style>
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:1.5rem auto;max-width:1150px;color:#222;
padding:0 1rem;line-height:1.4} h1{font-size:1.5rem;margin:0} .sub{color:#666;margin:.2rem 0 1rem}
section{border:1px solid #e3e3e3;border-radius:8px;padding:.8rem 1rem;margin:1rem 0}
h2{font-size:1.1rem;margin:.2rem 0 .6rem} label{margin-right:.8rem} select,input,button{font:inherit;padding:.2rem .4rem}
button{background:#4c72b0;color:#fff;border:0;border-radius:4px;padding:.35rem .9rem;cursor:pointer}
button:disabled{background:#aaa} table{border-collapse:collapse;width:100%;font-size:.9rem;margin:.5rem 0}
th,td{border-bottom:1px solid #eee;padding:.3rem .45rem;text-align:left} th{background:#f6f6f6}
td.num{text-align:right;font-variant-numeric:tabular-nums} .deep{color:#c44e52;font-weight:600}
.traditional{color:#4c72b0;font-weight:600} .err{color:#b00} .muted{color:#777} pre{background:#f7f7f7;
padding:.5rem;max-height:14rem;overflow:auto;font-size:.85rem} .runs li{cursor:pointer;margin:.2rem 0}
.columns{max-height:16rem;overflow:auto}
</style></head>
<body>
<h1>deepmine</h1>
<p class="sub">Does deep learning beat the traditional method on your data? Pick a table, a task and a target; the
deep models and the traditional ones are fitted on the same split and ranked in one leaderboard.</p>
<section><h2>1. Data</h2>
<label>bundled dataset <select id="dataset"><option value="">choose...</option></select></label>
<label>or upload CSV / Parquet <input type="file" id="file" accept=".csv,.parquet,.tsv,.txt"></label>
<p id="data-note" class="muted"></p>
<div class="columns"><table id="columns"><thead><tr><th>column</th><th>inferred role</th><th>first value</th>
</tr></thead><tbody></tbody></table></div>
</section>
<section><h2>2. Task</h2>
<label>task <select id="task"><option>classification</option><option>regression</option><option>clustering</option>
<option>anomaly</option></select></label>
<label>target <select id="target"></select></label>
<label>models <input id="models" placeholder="default set" size="34"></label>
<button id="start" disabled>Compare</button> <span id="start-note" class="muted"></span>
</section>
<section><h2>3. Runs</h2><ul id="runs" class="runs"></ul>
<div id="run" hidden><h2 id="run-title"></h2><pre id="progress"></pre><p id="verdict"></p>
<table id="leaderboard"><thead></thead><tbody></tbody></table>
<p><a id="report-link" target="_blank" hidden>open the report</a> &nbsp;
<a id="model-link" hidden>download the best model folder</a></p></div>
</section>
<script>
const $ = (id) => document.getElementById(id);
let source = null, polling = null, shown = null;
function esc(t){return String(t ?? "").replace(/[&<>"']/g, c => ({"&":"&amp;","<":"&lt;",">":"&gt;",'"':"&quot;","'":"&#39;"}[c]));}
async function api(path, options){
  const r = await fetch(path, options); const body = await r.json();
  if(!r.ok) throw new Error(body.error || r.statusText); return body;
}
function showColumns(cols, target, task){
  $("columns").tBodies[0].innerHTML = cols.map(c => `<tr><td>${esc(c.name)}</td><td>${esc(c.role)}</td>` +
    `<td class="muted">${esc(c.example)}</td></tr>`).join("");
  $("target").innerHTML = '<option value="">(none)</option>' + cols.map(c =>
    `<option${c.name === target ? " selected" : ""}>${esc(c.name)}</option>`).join("");
  if(task) $("task").value = task;
  $("start").disabled = false;
}
async function loadDatasets(){
  const list = await api("/api/datasets");
  $("dataset").innerHTML += list.map(d => `<option value="dataset:${esc(d.name)}">${esc(d.name)} ` +
    `(${esc(d.task)}, ${d.rows} rows)</option>`).join("");
}
$("dataset").onchange = async () => {
  if(!$("dataset").value) return;
  source = $("dataset").value; $("data-note").textContent = "reading " + source + " ...";
  try { const c = await api("/api/columns?data=" + encodeURIComponent(source));
        $("data-note").textContent = source; showColumns(c.columns, c.target, c.task); }
  catch(e){ $("data-note").innerHTML = `<span class="err">${esc(e.message)}</span>`; }
};
$("file").onchange = async () => {
  const f = $("file").files[0]; if(!f) return;
  const form = new FormData(); form.append("file", f); $("data-note").textContent = "uploading " + f.name + " ...";
  try { const u = await api("/api/upload", {method: "POST", body: form}); source = u.data;
        $("data-note").textContent = `${u.name}: ${u.rows} rows`; showColumns(u.columns, null, null); }
  catch(e){ $("data-note").innerHTML = `<span class="err">${esc(e.message)}</span>`; }
};
$("start").onclick = async () => {
  const body = {data: source, task: $("task").value, target: $("target").value, models: $("models").value};
  try { const r = await api("/api/runs", {method: "POST", headers: {"Content-Type": "application/json"},
                                          body: JSON.stringify(body)});
        $("start-note").textContent = "started " + r.name; await listRuns(); open(r.name); }
  catch(e){ $("start-note").innerHTML = `<span class="err">${esc(e.message)}</span>`; }
};
async function listRuns(){
  const runs = await api("/api/runs");
  $("runs").innerHTML = runs.map(r => `<li data-run="${esc(r.name)}"><b>${esc(r.name)}</b> ` +
    `<span class="muted">${esc(r.status)}${r.data ? ", " + esc(r.data) : ""}${r.best ? ", best " + esc(r.best) : ""}` +
    `</span>${r.error ? ' <span class="err">' + esc(r.error) + "</span>" : ""}</li>`).join("");
  for(const li of $("runs").children) li.onclick = () => open(li.dataset.run);
}
async function open(name){
  shown = name; clearInterval(polling); $("run").hidden = false; $("run-title").textContent = name;
  $("leaderboard").tHead.innerHTML = ""; $("leaderboard").tBodies[0].innerHTML = ""; $("verdict").textContent = "";
  $("report-link").hidden = $("model-link").hidden = true;
  const tick = async () => {
    if(shown !== name) return;
    const r = await api("/api/runs/" + encodeURIComponent(name));
    $("progress").textContent = r.messages.join("\\n") || r.status;
    if(r.status === "failed"){ clearInterval(polling); $("verdict").innerHTML = `<span class="err">${esc(r.error)}</span>`; listRuns(); }
    if(r.status === "done"){ clearInterval(polling); showBoard(name, r); listRuns(); }
  };
  await tick(); polling = setInterval(tick, 1000);
}
function showBoard(name, r){
  $("verdict").textContent = r.verdict || "";
  const rows = r.leaderboard || []; if(!rows.length) return;
  const cols = Object.keys(rows[0]);
  $("leaderboard").tHead.innerHTML = "<tr>" + cols.map(c => `<th>${esc(c)}</th>`).join("") + "</tr>";
  $("leaderboard").tBodies[0].innerHTML = rows.map(row => `<tr data-kind="${esc(row.kind)}">` + cols.map(c => {
    const v = row[c]; const num = typeof v === "number";
    return `<td class="${num ? "num" : (c === "kind" ? esc(v) : "")}">${num ? v.toFixed(4) : esc(v)}</td>`;
  }).join("") + "</tr>").join("");
  $("report-link").href = "/runs/" + encodeURIComponent(name) + "/report"; $("report-link").hidden = false;
  if(r.model){ $("model-link").href = "/runs/" + encodeURIComponent(name) + "/model.zip"; $("model-link").hidden = false; }
}
loadDatasets().then(listRuns).catch(e => { $("data-note").innerHTML = `<span class="err">${esc(e.message)}</span>`; });
</script>
</body></html>
"""
