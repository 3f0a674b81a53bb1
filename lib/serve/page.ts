/**
 * The page GET / serves: pick or drop an image, see it scaled up as the
 * model sees it, the five most probable classes with bars, and the model's
 * card. One self-contained HTML file (no external requests); the script
 * calls GET /model and POST /predict, and writes text only through
 * textContent, so nothing in a model file or an answer becomes markup.
 */

const HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>nndl model</title>
<style>
  :root { --ink: #1d2330; --muted: #667085; --line: #e4e7ec; --accent: #2f6fde; --bg: #f7f8fa; }
  * { box-sizing: border-box; }
  body { margin: 0; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink); background: var(--bg); }
  header { padding: 18px 28px; background: #fff; border-bottom: 1px solid var(--line); }
  header h1 { margin: 0; font-size: 19px; font-weight: 600; }
  header p { margin: 2px 0 0; color: var(--muted); }
  main { display: grid; grid-template-columns: 300px 1fr; gap: 24px; padding: 24px 28px; max-width: 960px; }
  .panel { background: #fff; border: 1px solid var(--line); border-radius: 10px; padding: 18px; }
  #drop { display: flex; flex-direction: column; align-items: center; justify-content: center; gap: 10px; min-height: 300px;
          border: 2px dashed #c5cbd6; border-radius: 10px; cursor: pointer; text-align: center; color: var(--muted); }
  #drop.over { border-color: var(--accent); background: #eef3fd; }
  #preview { width: 256px; height: 256px; image-rendering: pixelated; border-radius: 6px; display: none; background: #fff; }
  #drop.has-image #preview { display: block; }
  #drop.has-image #hint { display: none; }
  #file { display: none; }
  h2 { font-size: 14px; text-transform: uppercase; letter-spacing: .04em; color: var(--muted); margin: 0 0 12px; }
  #top5 { list-style: none; margin: 0; padding: 0; }
  #top5 li { display: grid; grid-template-columns: 110px 1fr 64px; align-items: center; gap: 10px; margin: 0 0 9px; }
  #top5 .label { font-weight: 500; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
  #top5 li:first-child .label { font-weight: 700; }
  #top5 .track { height: 12px; background: #eef0f4; border-radius: 6px; overflow: hidden; }
  #top5 .bar { height: 100%; background: var(--accent); border-radius: 6px; }
  #top5 .p { text-align: right; font-variant-numeric: tabular-nums; color: var(--muted); }
  #status { color: var(--muted); margin: 0 0 12px; min-height: 1.4em; }
  #status.error { color: #b42318; }
  #card { grid-column: 1 / -1; }
  #card dl { display: grid; grid-template-columns: 160px 1fr; gap: 6px 16px; margin: 0; }
  #card dt { color: var(--muted); }
  #card dd { margin: 0; overflow-wrap: anywhere; }
</style>
</head>
<body>
<header><h1 id="title">nndl model</h1><p id="subtitle">Drop an image to classify it.</p></header>
<main>
  <section class="panel">
    <label id="drop" for="file">
      <img id="preview" alt="the image, scaled up">
      <span id="hint">Drop an image here<br>or click to choose one<br><small>PNG or JPEG</small></span>
      <input id="file" type="file" accept="image/png,image/jpeg">
    </label>
  </section>
  <section class="panel">
    <h2>Top 5 classes</h2>
    <p id="status">No image yet.</p>
    <ol id="top5"></ol>
  </section>
  <section class="panel" id="card">
    <h2>Model card</h2>
    <dl id="card-fields"></dl>
  </section>
</main>
<script>
"use strict";
const $ = (id) => document.getElementById(id);
let classNames = null;
const percent = (p) => (100 * p).toFixed(1) + "%";

function status(text, error) {
  $("status").textContent = text;
  $("status").className = error ? "error" : "";
}

function field(name, value) {
  if (value === undefined || value === null || value === "") return;
  const dt = document.createElement("dt");
  dt.textContent = name;
  const dd = document.createElement("dd");
  dd.textContent = String(value);
  $("card-fields").append(dt, dd);
}

async function loadCard() {
  const card = await (await fetch("/model")).json();
  const p = card.preprocessing;
  const t = (p && p.training) || {};
  $("title").textContent = "nndl · " + card.architecture;
  document.title = "nndl · " + card.architecture;
  const hidden = card.config.hiddenDims ?? card.config.hiddenSize;
  field("Architecture", card.architecture + (hidden !== undefined ? " [" + [].concat(hidden).join(", ") + "]" : ""));
  field("Parameters", card.parameters.toLocaleString("en"));
  field("Precision", card.config.dtype);
  if (p) {
    classNames = p.classNames;
    field("Input", p.imageShape.join(" x ") + " image, layout " + p.layout + (p.meanImage ? ", mean image subtracted" : ""));
    field("Classes", p.classNames.join(", "));
  } else {
    $("subtitle").textContent = "This model has no preprocessing saved with it: it takes preprocessed inputs only.";
  }
  const acc = ["trainAcc", "valAcc", "testAcc"].filter((k) => t[k] !== undefined)
    .map((k) => k.replace("Acc", "") + " " + percent(t[k])).join(", ");
  field("Accuracy", acc);
  field("Trained on", t.data);
  field("Data md5", t.md5);
  field("Epochs", t.epochs);
  field("Trained", t.date && t.date.replace("T", " ").slice(0, 16) + " UTC");
}

function show(result) {
  const probs = result.probabilities[0];
  const order = probs.map((p, k) => k).sort((a, b) => probs[b] - probs[a]).slice(0, 5);
  const list = $("top5");
  list.replaceChildren();
  for (const k of order) {
    const li = document.createElement("li");
    li.dataset.class = String(k);
    const label = document.createElement("span");
    label.className = "label";
    label.textContent = classNames ? classNames[k] : "class " + k;
    const track = document.createElement("span");
    track.className = "track";
    const bar = document.createElement("span");
    bar.className = "bar";
    bar.style.display = "block";
    bar.style.width = percent(probs[k]);
    track.append(bar);
    const p = document.createElement("span");
    p.className = "p";
    p.textContent = percent(probs[k]);
    li.append(label, track, p);
    list.append(li);
  }
  status("");
}

async function classify(file) {
  if (!file) return;
  $("preview").src = URL.createObjectURL(file);
  $("drop").classList.add("has-image");
  status("Classifying…");
  try {
    const res = await fetch("/predict", { method: "POST", headers: { "Content-Type": file.type || "application/octet-stream" }, body: file });
    const body = await res.json();
    if (!res.ok) throw new Error(body.error || res.statusText);
    show(body);
  } catch (e) {
    $("top5").replaceChildren();
    status(e.message, true);
  }
}

$("file").addEventListener("change", () => classify($("file").files[0]));
const drop = $("drop");
drop.addEventListener("dragover", (e) => { e.preventDefault(); drop.classList.add("over"); });
drop.addEventListener("dragleave", () => drop.classList.remove("over"));
drop.addEventListener("drop", (e) => {
  e.preventDefault();
  drop.classList.remove("over");
  classify(e.dataTransfer.files[0]);
});
loadCard().catch((e) => status("Cannot read the model: " + e.message, true));
</script>
</body>
</html>
`;

/** The page's HTML. */
export function page(): string {
  return HTML;
}
