// segue's web view: the connection, the page's picture of the daemon, the controls.
// Commands go to the daemon as OSC-shaped messages ({address, args}); it checks them as it checks OSC,
// and its replies (values, errors, status) come back in the batches.
"use strict";

(function () {
  const $ = (id) => document.getElementById(id);
  const view = {
    notes: new Map(), phrases: [], answers: [], status: {}, values: {}, registry: [], windowS: 16,
    offset: null, confirmed: {}, pending: {}, active: null, ws: null, counts: { p: 0, a: 0 },
  };
  window.segueView = view; // for the tests and the curious

  // ------------------------------------------------------------ the clock
  function serverNow() { return view.offset === null ? 0 : performance.now() / 1000 + view.offset; }
  function sync(now) {
    const estimate = now - performance.now() / 1000; // never later than the truth: take the largest
    view.offset = view.offset === null ? estimate : Math.max(estimate, view.offset - 0.0005);
  }

  // ------------------------------------------------------------ connection
  function connect() {
    const ws = new WebSocket(`${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/ws`);
    view.ws = ws;
    ws.onopen = () => { $("link").dataset.up = "true"; $("link").textContent = "connected"; };
    ws.onclose = () => {
      $("link").dataset.up = "false"; $("link").textContent = "offline: reconnecting";
      view.ws = null; setTimeout(connect, 1000);
    };
    ws.onmessage = (event) => {
      const message = JSON.parse(event.data);
      if (message.type === "hello") view.offset = null; // a new daemon (or view) has a new time line
      sync(message.now);
      if (message.type === "hello") hello(message);
      else for (const e of message.events) apply(e);
      refresh();
    };
  }

  function send(address, args = []) {
    if (!view.ws || view.ws.readyState !== WebSocket.OPEN) { toast("not connected to segue"); return false; }
    view.ws.send(JSON.stringify({ address, args }));
    return true;
  }

  // ------------------------------------------------------------ what the daemon says
  function hello(m) {
    view.notes = new Map(m.notes.map((n) => [n.id, n]));
    view.counts = { p: 0, a: 0 };
    for (const n of m.notes) view.counts[n.who] += 1;
    view.phrases = m.phrases; view.answers = m.answers;
    view.status = m.status; view.values = { ...m.values };
    if (JSON.stringify(m.registry.map((p) => p.name)) !== JSON.stringify(view.registry.map((p) => p.name))) {
      view.registry = m.registry; buildControls();
    }
    for (const p of m.registry) view.confirmed[p.name] = p.value;
    Object.assign(view.confirmed, m.values);
    view.pending = {};
    for (const [name, value] of Object.entries(view.confirmed)) showValue(name, value);
    fillMenu($("style-pick"), m.styles, "pick a style"); fillMenu($("model-pick"), m.models, "pick a model");
    $("log").replaceChildren(); for (const entry of m.log) log(entry, false);
  }

  function apply(e) {
    switch (e.k) {
      case "on": view.notes.set(e.id, { id: e.id, who: e.who, pitch: e.pitch, vel: e.vel, ch: e.ch, on: e.on, off: null });
        view.counts[e.who] += 1; break;
      case "off": { const n = view.notes.get(e.id); if (n) n.off = e.t; break; }
      case "phrase": view.phrases.push({ start: e.start, end: e.end, notes: e.notes }); break;
      case "answer": {
        const i = view.answers.findIndex((a) => a.n === e.n);
        const { k, ...answer } = e;
        if (i >= 0) view.answers[i] = answer; else view.answers.push(answer);
        if (view.answers.length > 40) view.answers.shift();
        break;
      }
      case "status": { const { k, ...fields } = e; Object.assign(view.status, fields); break; }
      case "values": for (const [name, value] of Object.entries(e.values)) confirm(name, value); break;
      case "value": confirm(e.name, e.value); break;
      case "log": log(e, true); if (e.level === "error") refused(); break;
      case "dropped": log({ t: null, level: "info", text: `the view missed ${e.n} events (segue was busier)` }, false); break;
      default: break;
    }
  }

  function confirm(name, value) {
    view.values[name] = value; view.confirmed[name] = value;
    delete view.pending[name];
    const row = document.querySelector(`.param[data-name="${name}"]`);
    if (row) row.classList.remove("pending");
    if (view.active !== name) showValue(name, value);
  }

  function refused() { // an error while a change was on its way: back to what the daemon really has
    for (const name of Object.keys(view.pending)) {
      delete view.pending[name];
      const row = document.querySelector(`.param[data-name="${name}"]`);
      if (row) { row.classList.remove("pending"); row.classList.remove("refused"); void row.offsetWidth; row.classList.add("refused"); }
      showValue(name, view.confirmed[name]);
    }
  }

  // ------------------------------------------------------------ controls from the registry
  function niceStep(p) {
    if (p.type === "int") return 1;
    const raw = (p.max - p.min) / 500, mag = Math.pow(10, Math.floor(Math.log10(raw)));
    return [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw);
  }

  function buildControls() {
    const box = $("params"); box.replaceChildren();
    for (const p of view.registry) {
      const row = document.createElement("div");
      row.className = "param"; row.dataset.name = p.name; row.dataset.type = p.type;
      const label = document.createElement("label");
      label.textContent = p.name; label.title = `${p.doc} [${p.domain}; default ${p.default}]`;
      label.htmlFor = `p-${p.name}`;
      row.appendChild(label);
      let control, readout = document.createElement("span");
      if (p.type === "choice") {
        control = document.createElement("select");
        for (const c of p.choices) control.appendChild(new Option(c, c));
        control.onchange = () => change(p, control.value);
      } else if (p.type === "bool") {
        control = document.createElement("input"); control.type = "checkbox";
        control.onchange = () => change(p, control.checked);
      } else if (p.type === "int" || p.type === "float") {
        control = document.createElement("input"); control.type = "range";
        control.min = p.min; control.max = p.max; control.step = niceStep(p);
        readout = document.createElement("input"); readout.type = "number";
        readout.min = p.min; readout.max = p.max; readout.step = "any"; readout.id = `n-${p.name}`;
        readout.setAttribute("aria-label", `${p.name} value`);
        let last = 0;
        control.oninput = () => {
          readout.value = control.value;
          const now = performance.now();
          if (now - last > 60) { last = now; change(p, Number(control.value)); }
        };
        control.onchange = () => change(p, Number(control.value));
        control.onpointerdown = () => { view.active = p.name; };
        control.onpointerup = control.onblur = () => { if (view.active === p.name) view.active = null; };
        readout.onchange = () => change(p, Number(readout.value));
      } else {
        control = document.createElement("input"); control.type = "text";
        control.onchange = () => change(p, control.value);
      }
      control.id = `p-${p.name}`;
      row.appendChild(control); row.appendChild(readout);
      box.appendChild(row);
    }
  }

  function change(p, value) {
    view.pending[p.name] = value;
    document.querySelector(`.param[data-name="${p.name}"]`).classList.add("pending");
    send("/segue/set", [p.name, value]);
  }

  function showValue(name, value) {
    const control = $(`p-${name}`);
    if (!control) return;
    if (control.type === "checkbox") control.checked = value === true || Number(value) === 1;
    else control.value = value;
    const readout = $(`n-${name}`);
    if (readout) readout.value = value;
  }

  function fillMenu(select, names, prompt) {
    const current = select.value;
    select.replaceChildren(new Option(prompt, ""));
    for (const name of names) select.appendChild(new Option(name, name));
    select.value = names.includes(current) ? current : "";
  }

  // ------------------------------------------------------------ what is shown
  const KEEP_S = 130; // notes and phrases kept on the page: the widest window and some
  function prune() {
    const cutoff = serverNow() - KEEP_S;
    for (const [id, n] of view.notes) if (n.off !== null && n.off < cutoff) view.notes.delete(id);
    while (view.phrases.length && view.phrases[0].end < cutoff) view.phrases.shift();
  }

  function refresh() {
    prune();
    const s = view.status;
    $("state").textContent = s.state || "-"; $("state").dataset.state = s.state || "idle";
    $("model").textContent = s.model || "-"; $("sampler").textContent = s.sampler || "-";
    $("style").textContent = s.style || "(default)";
    $("tempo").textContent = s.tempo ? `${Number(s.tempo).toFixed(1)} BPM` : "-";
    $("clock").textContent = s.clock_source || "-"; $("midi").textContent = s.midi || "-";
    $("late").textContent = `${s.late ?? 0} / ${s.dropped ?? 0}`;
    $("count-performer").textContent = view.counts.p; $("count-answer").textContent = view.counts.a;
    $("count-phrases").textContent = view.phrases.length;
    const roll = $("roll");
    roll.dataset.performer = view.counts.p; roll.dataset.answer = view.counts.a; roll.dataset.phrases = view.phrases.length;
    window.SegueRoll.drawLatency($("latency"), view.answers);
    const timed = view.answers.filter((a) => a.latency_ms !== null);
    if (timed.length) {
      const last = timed[timed.length - 1], sorted = timed.map((a) => a.latency_ms).sort((a, b) => a - b);
      const median = sorted[Math.floor(sorted.length / 2)];
      $("latency-text").innerHTML = `last <b>${last.latency_ms.toFixed(2)} ms</b> · median <b>${median.toFixed(2)} ms</b>` +
        ` over ${timed.length} · scheduler p99 <b>${last.p99_ms === null ? "-" : Number(last.p99_ms).toFixed(3) + " ms"}</b>` +
        ` · late notes <b>${last.late}</b>`;
    }
  }

  function log(entry, fresh) {
    const li = document.createElement("li");
    li.className = entry.level;
    const t = document.createElement("span"); t.className = "t";
    const ago = entry.t === null || entry.t === undefined ? 0 : Math.max(0, serverNow() - entry.t);
    t.textContent = new Date(Date.now() - ago * 1000).toLocaleTimeString();
    li.appendChild(t); li.appendChild(document.createTextNode(entry.text));
    const list = $("log"); list.prepend(li);
    while (list.children.length > 50) list.lastChild.remove();
    if (fresh && entry.level === "error") toast(entry.text);
  }

  let toastTimer = null;
  function toast(text) {
    const box = $("toast"); box.textContent = text; box.hidden = false;
    clearTimeout(toastTimer); toastTimer = setTimeout(() => { box.hidden = true; }, 6000);
  }

  function frame() {
    window.SegueRoll.drawRoll($("roll"), view, serverNow());
    requestAnimationFrame(frame);
  }

  // ------------------------------------------------------------ wiring the page
  for (const id of ["continue", "stop", "panic", "clear"]) {
    $(id).onclick = () => send($(id).dataset.address);
  }
  $("save").onclick = () => { const file = $("save-file").value.trim(); send("/segue/save", file ? [file] : []); };
  $("style-pick").onchange = (e) => { if (e.target.value) send("/segue/style", [e.target.value]); };
  $("model-pick").onchange = (e) => { if (e.target.value) send("/segue/model", [e.target.value]); };
  $("zoom").onchange = (e) => { view.windowS = Number(e.target.value); };
  view.windowS = Number($("zoom").value);
  document.addEventListener("keydown", (e) => {
    if (e.key === "Escape") { send("/segue/panic"); e.preventDefault(); }
  });
  connect();
  requestAnimationFrame(frame);
})();
