// segue's web view: the scrolling piano roll (canvas) and the latency plot (SVG).
// Times are seconds on the daemon's clock (view.js keeps the offset to this page's clock).
"use strict";

(function () {
  const COLOURS = { p: "#4f8df0", a: "#f08a3c" };
  const NAMES = ["C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B"];
  const BLACK = new Set([1, 3, 6, 8, 10]);
  const LEFT = 38; // room for the pitch labels
  const BOTTOM = 18; // room for the bar numbers
  let shownLow = 55, shownHigh = 79; // pitch range on screen, eased towards what is visible

  function fitCanvas(canvas) {
    const ratio = window.devicePixelRatio || 1;
    const w = Math.max(1, Math.round(canvas.clientWidth * ratio));
    const h = Math.max(1, Math.round(canvas.clientHeight * ratio));
    if (canvas.width !== w || canvas.height !== h) { canvas.width = w; canvas.height = h; }
    return ratio;
  }

  function pitchRange(notes, t0) {
    let low = 200, high = -1;
    for (const n of notes) {
      if (n.off !== null && n.off < t0) continue;
      low = Math.min(low, n.pitch); high = Math.max(high, n.pitch);
    }
    if (high < 0) { low = 60; high = 72; }
    low -= 2; high += 2;
    while (high - low < 24) { low -= 1; high += 1; }
    shownLow += (Math.max(0, low) - shownLow) * 0.2;
    shownHigh += (Math.min(127, high) - shownHigh) * 0.2;
    return [Math.floor(shownLow), Math.ceil(shownHigh)];
  }

  // The beat grid: from the timeline's downbeat, else from the latest phrase's start (where segue
  // counts a played phrase's first bar from).
  function gridOrigin(view) {
    if (view.status.downbeat !== null && view.status.downbeat !== undefined) return view.status.downbeat;
    const last = view.phrases[view.phrases.length - 1];
    return last ? last.start : 0;
  }

  function drawRoll(canvas, view, now) {
    const ratio = fitCanvas(canvas);
    const ctx = canvas.getContext("2d");
    const W = canvas.width, H = canvas.height;
    const left = LEFT * ratio, bottom = BOTTOM * ratio, right = W - 8 * ratio;
    const span = view.windowS, t1 = now, t0 = now - span;
    const x = (t) => left + ((t - t0) / span) * (right - left);
    const notes = Array.from(view.notes.values());
    const [low, high] = pitchRange(notes, t0);
    const rows = high - low + 1, rowH = (H - bottom) / rows;
    const y = (pitch) => (high - pitch) * rowH;

    ctx.fillStyle = "#191c22"; ctx.fillRect(0, 0, W, H);
    for (let p = low; p <= high; p++) {  // lanes: the black keys darker, a line under each C
      if (BLACK.has(p % 12)) { ctx.fillStyle = "#15171c"; ctx.fillRect(left, y(p), right - left, rowH); }
      if (p % 12 === 0) {
        ctx.fillStyle = "#2c313b"; ctx.fillRect(left, y(p) + rowH - ratio, right - left, ratio);
        ctx.fillStyle = "#8a93a3"; ctx.font = `${11 * ratio}px system-ui, sans-serif`;
        ctx.fillText(`${NAMES[p % 12]}${Math.floor(p / 12) - 1}`, 4 * ratio, y(p) + rowH - 2 * ratio);
      }
    }
    // phrases: a band from the first note to the phrase end, a line at the end
    for (const ph of view.phrases) {
      if (ph.end < t0 || ph.start > t1) continue;
      ctx.fillStyle = "rgba(79, 141, 240, 0.10)";
      ctx.fillRect(x(ph.start), 0, Math.max(ratio, x(ph.end) - x(ph.start)), H - bottom);
      ctx.strokeStyle = "rgba(120, 170, 255, 0.9)"; ctx.lineWidth = 1.5 * ratio; ctx.setLineDash([5 * ratio, 4 * ratio]);
      ctx.beginPath(); ctx.moveTo(x(ph.end), 0); ctx.lineTo(x(ph.end), H - bottom); ctx.stroke(); ctx.setLineDash([]);
      ctx.fillStyle = "#9bbcf5"; ctx.font = `${11 * ratio}px system-ui, sans-serif`;
      ctx.fillText(`phrase end (${ph.notes})`, x(ph.end) + 4 * ratio, 13 * ratio);
    }
    // beat and bar grid
    const tempo = Number(view.status.tempo) || 120, barBeats = Number(view.status.bar_beats) || 4;
    const beatS = 60 / tempo, origin = gridOrigin(view);
    const pxPerBeat = (beatS / span) * (right - left);
    const firstBeat = Math.ceil((t0 - origin) / beatS);
    const lastBeat = Math.floor((t1 - origin) / beatS);
    const labelEvery = Math.max(1, Math.ceil((34 * ratio) / (pxPerBeat * barBeats)));
    if (lastBeat - firstBeat < 2000) {
      for (let b = firstBeat; b <= lastBeat; b++) {
        const bx = x(origin + b * beatS), bar = ((b % barBeats) + barBeats) % barBeats === 0;
        if (!bar && pxPerBeat < 4 * ratio) continue;
        ctx.fillStyle = bar ? "rgba(200, 206, 218, 0.32)" : "rgba(200, 206, 218, 0.08)";
        ctx.fillRect(bx, 0, ratio, H - bottom);
        const barNo = Math.floor(b / barBeats) + 1;
        if (bar && barNo % labelEvery === 0) {
          ctx.fillStyle = "#8a93a3"; ctx.font = `${10 * ratio}px system-ui, sans-serif`;
          ctx.fillText(String(barNo), bx + 3 * ratio, H - 5 * ratio);
        }
      }
    }
    // notes: the performer's and segue's, brighter the louder
    for (const n of notes) {
      const end = n.off === null ? t1 : n.off;
      if (end < t0 || n.on > t1) continue;
      const x0 = Math.max(left, x(n.on)), x1 = Math.max(x0 + 2 * ratio, Math.min(right, x(end)));
      ctx.globalAlpha = 0.45 + 0.55 * Math.min(1, n.vel / 127);
      ctx.fillStyle = COLOURS[n.who] || "#ccc";
      ctx.fillRect(x0, y(n.pitch) + 1, x1 - x0, Math.max(2, rowH - 2));
      ctx.globalAlpha = 1;
      if (n.off === null) { ctx.fillStyle = "#ffffff"; ctx.fillRect(x1 - 2 * ratio, y(n.pitch) + 1, 2 * ratio, Math.max(2, rowH - 2)); }
    }
    ctx.fillStyle = "rgba(255, 255, 255, 0.5)"; ctx.fillRect(right, 0, ratio, H - bottom);  // now
  }

  function el(name, attrs, text) {
    const node = document.createElementNS("http://www.w3.org/2000/svg", name);
    for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
    if (text !== undefined) node.textContent = text;
    return node;
  }

  // Bars: phrase end to first note-on per answer (ms); dots: the scheduler's lateness p99 (ms).
  function drawLatency(svg, answers) {
    while (svg.firstChild) svg.removeChild(svg.firstChild);
    const W = Math.max(200, svg.clientWidth || 400), H = Math.max(100, svg.clientHeight || 150);
    svg.setAttribute("viewBox", `0 0 ${W} ${H}`);
    const left = 34, top = 10, bottom = 20, plotH = H - top - bottom;
    const shown = answers.slice(-40);
    const values = shown.flatMap((a) => [a.latency_ms || 0, a.p99_ms || 0]);
    const max = Math.max(5, ...values) * 1.15;
    const yOf = (ms) => top + plotH - (ms / max) * plotH;
    for (const tick of niceTicks(max)) {
      svg.appendChild(el("line", { x1: left, x2: W - 4, y1: yOf(tick), y2: yOf(tick), stroke: "#2c313b" }));
      svg.appendChild(el("text", { x: left - 4, y: yOf(tick) + 3, fill: "#8a93a3", "font-size": 10,
        "text-anchor": "end" }, `${tick}`));
    }
    svg.appendChild(el("text", { x: 2, y: 10, fill: "#8a93a3", "font-size": 10 }, "ms"));
    const slot = (W - left - 4) / 40;
    shown.forEach((a, i) => {
      const bx = left + i * slot + slot * 0.15, bw = slot * 0.7;
      if (a.latency_ms !== null && a.latency_ms !== undefined) {
        const bar = el("rect", { x: bx, y: yOf(a.latency_ms), width: bw, height: top + plotH - yOf(a.latency_ms),
          fill: a.cut ? "#8c5a34" : "#f08a3c", class: "latency-bar" });
        bar.appendChild(el("title", {}, `answer ${a.n}: ${a.latency_ms.toFixed(2)} ms to the first note` +
          (a.p99_ms !== null ? `, scheduler p99 ${Number(a.p99_ms).toFixed(3)} ms` : "") +
          `, ${a.late} late, ${a.dropped} dropped${a.cut ? `, cut by ${a.cut}` : ""}`));
        svg.appendChild(bar);
      }
      if (a.p99_ms !== null && a.p99_ms !== undefined) {
        svg.appendChild(el("circle", { cx: bx + bw / 2, cy: yOf(a.p99_ms), r: 2.6, fill: "#4f8df0" }));
      }
    });
    svg.appendChild(el("text", { x: left, y: H - 4, fill: "#8a93a3", "font-size": 10 },
      "bars: first note · dots: scheduler p99"));
  }

  function niceTicks(max) {
    const raw = max / 4, mag = Math.pow(10, Math.floor(Math.log10(raw)));
    const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) || mag * 10;
    const out = [];
    for (let v = 0; v <= max; v += step) out.push(Number(v.toPrecision(3)));
    return out;
  }

  window.SegueRoll = { drawRoll, drawLatency, COLOURS };
})();
