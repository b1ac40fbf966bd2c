// The qualcode coding workspace: one ES module shared by the web page (`qualcode serve`)
// and the Jupyter widget (`project.code_view(...)`, through anywidget).
//
// Every piece of text from the project (transcripts, code names, memos, coder names) is
// put in the page with textContent / text nodes, never as HTML: a "<script>" in a
// transcript is shown, never run. The module talks to the project through a `backend`
// with one method, call(action, payload) -> Promise; the page's goes through fetch(),
// the widget's through the notebook's comm.

const POLL_MS = 2000;
const LANE = 7;          // px per stripe lane in the margin
const MAX_LANES = 14;
const PALETTE = ["#1b9e77", "#d95f02", "#7570b3", "#e7298a", "#66a61e", "#e6ab02", "#a6761d", "#1f78b4",
  "#b2df8a", "#fb9a99", "#cab2d6", "#6a3d9a"];

// ------------------------------------------------------------------ backends
function cookie(name) {
  const found = document.cookie.split("; ").find((c) => c.startsWith(name + "="));
  return found ? decodeURIComponent(found.slice(name.length + 1)) : "";
}

export function fetchBackend(base = "") {
  return {
    coder: null,
    async call(action, payload) {
      const response = await fetch(`${base}/api/${encodeURIComponent(action)}`, {
        method: "POST",
        credentials: "same-origin",
        headers: { "content-type": "application/json", "x-csrf-token": cookie("qualcode_csrf") },
        body: JSON.stringify({ coder: this.coder, payload }),
      });
      let body;
      try { body = await response.json(); } catch (e) { throw new Error(`the server answered ${response.status}`); }
      if (!response.ok || body.error) throw new Error(body.error || `the server answered ${response.status}`);
      return body.result;
    },
  };
}

export function commBackend(model) {
  let next = 1;
  const waiting = new Map();
  model.on("msg:custom", (msg) => {
    const pending = waiting.get(msg.id);
    if (!pending) return;
    waiting.delete(msg.id);
    if (msg.error) pending.reject(new Error(msg.error)); else pending.resolve(msg.result);
  });
  return {
    coder: null,
    call(action, payload) {
      const id = next++;
      return new Promise((resolve, reject) => {
        waiting.set(id, { resolve, reject });
        model.send({ id, action, payload, coder: this.coder });
      });
    },
  };
}

// ------------------------------------------------------------------ DOM helpers
function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "class") el.className = value;
    else if (key === "text") el.textContent = value;
    else if (key.startsWith("on")) el.addEventListener(key.slice(2), value);
    else el.setAttribute(key, value === true ? "" : value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

function clear(el) { while (el.firstChild) el.removeChild(el.firstChild); return el; }

function short(text, n = 90) {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length > n ? flat.slice(0, n - 1) + "…" : flat;
}

function hashColour(name) {
  let x = 0;
  for (const ch of name) x = (x * 31 + ch.codePointAt(0)) >>> 0;
  return PALETTE[x % PALETTE.length];
}

// ------------------------------------------------------------------ the workspace
export function mount(root, backend, options = {}) {
  const single = Boolean(options.source);
  const store = options.storage === undefined ? safeStorage() : options.storage;
  const state = {
    coder: options.coder || (store && store.getItem("qualcode.coder")) || "",
    codes: [], filters: null, sources: [], doc: null, chunks: [], mode: "code", colourBy: "code",
    selection: null, openCoding: null, undo: [], lastState: "", queue: [], queueAll: false,
    timer: null, stopped: false,
  };
  backend.coder = state.coder;

  // layout
  clear(root);
  root.classList.add("qc-root");
  if (single) root.classList.add("qc-one-source");
  const status = h("div", { class: "qc-status", role: "status" });
  const coderButton = h("button", { class: "qc-coder", type: "button", onclick: () => askCoder(true) });
  const tabCode = h("button", { class: "qc-tab qc-active", type: "button", "data-mode": "code", text: "Code",
    onclick: () => setMode("code") });
  const tabReview = h("button", { class: "qc-tab", type: "button", "data-mode": "review", text: "Review suggestions",
    onclick: () => setMode("review") });
  const colourBy = h("select", { class: "qc-colour-by", title: "Colour the stripes by",
    onchange: () => { state.colourBy = colourBy.value; drawStripes(); } },
  h("option", { value: "code", text: "stripes by code" }), h("option", { value: "coder", text: "stripes by coder" }));
  const title = h("span", { class: "qc-title" });
  const header = h("header", { class: "qc-header" }, title, tabCode, tabReview, colourBy, coderButton, status);

  const sourceFilters = h("div", { class: "qc-filters" });
  const sourceList = h("ul", { class: "qc-source-list" });
  const sourcesPane = h("aside", { class: "qc-sources" }, h("h2", { text: "Sources" }), sourceFilters, sourceList);

  const docTitle = h("h2", { class: "qc-doc-title", text: single ? "" : "Choose a source on the left" });
  const docMeta = h("div", { class: "qc-doc-meta" });
  const doneButton = h("button", { class: "qc-done", type: "button", disabled: true, onclick: toggleDone,
    title: "Record that you read this source and found nothing (more) to code in it" });
  const sourceMemoButton = h("button", { class: "qc-source-memo", type: "button", disabled: true,
    onclick: () => openMemos("source") });
  const docHead = h("div", { class: "qc-doc-head" }, docTitle, docMeta, h("div", { class: "qc-doc-actions" },
    doneButton, sourceMemoButton));
  const margin = h("div", { class: "qc-margin" });
  const overlay = h("div", { class: "qc-overlay" });
  // contenteditable only for a caret, so that Shift+arrow keys select a passage as the
  // mouse does; every edit is refused (beforeinput), the text can never change here
  const textEl = h("div", { class: "qc-text", tabindex: "0", contenteditable: "true", spellcheck: "false",
    "aria-readonly": "true", role: "document" });
  for (const refused of ["beforeinput", "paste", "drop", "cut"]) textEl.addEventListener(refused, (e) => e.preventDefault());
  textEl.addEventListener("keydown", (e) => {
    const moves = e.key.startsWith("Arrow") || ["Home", "End", "PageUp", "PageDown", "Shift", "Tab", "Escape"].includes(e.key);
    if (!moves && !(e.ctrlKey || e.metaKey) && e.key.length === 1) e.preventDefault();
    if (e.key === "Enter" || e.key === "Backspace" || e.key === "Delete") e.preventDefault();
  });
  const textWrap = h("div", { class: "qc-textwrap" }, margin, overlay, textEl);
  const docScroll = h("div", { class: "qc-docscroll" }, textWrap);
  const docPane = h("section", { class: "qc-doc" }, docHead, docScroll);

  const detail = h("div", { class: "qc-detail", hidden: true });
  const side = h("div", { class: "qc-sidebody" });
  const sidePane = h("aside", { class: "qc-side" }, detail, side);

  const picker = h("div", { class: "qc-picker", hidden: true });
  const modal = h("div", { class: "qc-modal", hidden: true });
  const main = h("div", { class: "qc-main" + (single ? " qc-single" : "") }, single ? null : sourcesPane, docPane, sidePane);
  root.append(header, main, picker, modal);

  textEl.addEventListener("mouseup", () => setTimeout(readSelection, 0));
  // the picker opens when Shift is let go: Shift+arrows extend the selection until then
  textEl.addEventListener("keyup", (e) => { if (e.key === "Shift") readSelection(); });
  margin.addEventListener("click", (e) => {
    const stripe = e.target.closest(".qc-stripe");
    if (stripe) openCoding(Number(stripe.dataset.id));
  });
  const onResize = () => drawStripes();
  window.addEventListener("resize", onResize);

  // -------------------------------------------------------------- talking to the project
  function say(message, isError = false) {
    status.textContent = message;
    status.classList.toggle("qc-error", isError);
  }

  async function call(action, payload = {}) {
    try {
      return await backend.call(action, payload);
    } catch (err) {
      say(err.message, true);
      throw err;
    }
  }

  // -------------------------------------------------------------- coder identity
  function askCoder(change = false) {
    if (state.coder && !change) return Promise.resolve(state.coder);
    return new Promise((resolve) => {
      const input = h("input", { class: "qc-coder-input", type: "text", maxlength: "255", placeholder: "your name",
        value: state.coder || "" });
      const ok = h("button", { class: "qc-coder-ok", type: "submit", text: "Start coding" });
      const form = h("form", { class: "qc-modal-box" },
        h("h2", { text: "Who is coding?" }),
        h("p", { text: "Your name goes on every coding you make, so the team can compare and agree." }),
        input, ok);
      form.addEventListener("submit", (e) => {
        e.preventDefault();
        const name = input.value.trim();
        if (!name) { input.focus(); return; }
        state.coder = name;
        backend.coder = name;
        if (store) store.setItem("qualcode.coder", name);
        coderButton.textContent = `Coder: ${name}`;
        closeModal();
        resolve(name);
        if (!single) loadSources();
      });
      showModal(form);
      input.focus();
    });
  }

  function showModal(box) { clear(modal).append(box); modal.hidden = false; }
  function closeModal() { modal.hidden = true; clear(modal); }
  modal.addEventListener("keydown", (e) => { if (e.key === "Escape" && state.coder) closeModal(); });

  // -------------------------------------------------------------- sources
  async function loadSources() {
    if (single || !state.coder) return;
    state.sources = await call("sources");
    renderSourceList();
  }

  function renderFilters() {
    const f = state.filters;
    const make = (name, label, values) => h("label", {}, label, h("select", { class: `qc-filter-${name}`,
      onchange: renderSourceList }, h("option", { value: "", text: "all" }), values.map((v) => h("option", { value: v, text: v }))));
    const field = h("select", { class: "qc-filter-field", onchange: () => { fillValues(); renderSourceList(); } },
      h("option", { value: "", text: "any descriptor" }), Object.keys(f.descriptors).map((k) => h("option", { value: k, text: k })));
    const value = h("select", { class: "qc-filter-value", onchange: renderSourceList }, h("option", { value: "", text: "any value" }));
    function fillValues() {
      clear(value).append(h("option", { value: "", text: "any value" }));
      const values = field.value ? [...new Set(Object.values(f.descriptors[field.value]))].sort() : [];
      values.forEach((v) => value.append(h("option", { value: v, text: v })));
    }
    clear(sourceFilters).append(
      h("input", { class: "qc-filter-search", type: "search", placeholder: "find a source", oninput: renderSourceList }),
      make("kind", "kind ", f.kinds), make("wave", "wave ", f.waves), make("case", "case ", f.cases),
      h("label", {}, field, value),
      h("label", {}, "coded by me ", h("select", { class: "qc-filter-mine", onchange: renderSourceList },
        h("option", { value: "", text: "all" }), h("option", { value: "yes", text: "yes" }),
        h("option", { value: "no", text: "not yet" }))));
  }

  function renderSourceList() {
    const get = (name) => sourceFilters.querySelector(`.qc-filter-${name}`)?.value || "";
    const search = get("search").toLowerCase();
    const field = get("field"), value = get("value"), mine = get("mine");
    const shown = state.sources.filter((s) =>
      (!search || s.source.toLowerCase().includes(search)) && (!get("kind") || s.kind === get("kind")) &&
      (!get("wave") || String(s.wave) === get("wave")) && (!get("case") || s.case === get("case")) &&
      (!field || !value || (s.case && state.filters.descriptors[field][s.case] === value)) &&
      (!mine || (mine === "yes") === (s.mine > 0 || s.marked)));
    clear(sourceList).append(...shown.map((s) => h("li", {
      class: "qc-source" + (state.doc && state.doc.source === s.source ? " qc-current" : ""), "data-source": s.source,
      tabindex: "0", onclick: () => openSource(s.source), onkeydown: (e) => { if (e.key === "Enter") openSource(s.source); },
    }, h("span", { class: "qc-source-name", text: s.source }),
    h("span", { class: "qc-source-meta", text: [s.kind, s.wave ? `wave ${s.wave}` : ""].filter(Boolean).join(" · ") }),
    s.mine > 0 || s.marked ? h("span", { class: "qc-mine", title: s.marked ? "you marked it coded" : `${s.mine} of your codings`,
      text: s.marked && !s.mine ? "✓ nothing to code" : `✓ ${s.mine}` }) : null)));
    if (!shown.length) sourceList.append(h("li", { class: "qc-empty", text: "No source matches these filters." }));
  }

  // -------------------------------------------------------------- one source
  async function openSource(name) {
    performance.mark("qc-open-source-start");
    say(`Opening ${name}…`);
    const doc = await call("source", { source: name });
    performance.mark("qc-open-source-fetched");
    performance.measure("qc-open-source-fetch", "qc-open-source-start", "qc-open-source-fetched");
    state.doc = doc;
    state.openCoding = null;
    state.selection = null;
    detail.hidden = true;
    hidePicker();
    renderDoc();
    applyState(doc);
    performance.mark("qc-open-source-end");
    performance.measure("qc-open-source", "qc-open-source-start", "qc-open-source-end");
    say(`${name}: ${doc.codings.filter((c) => c.status === "applied").length} codings`);
    if (!single) renderSourceList();
    if (state.mode === "review") loadQueue();
  }

  function renderDoc() {
    const doc = state.doc;
    docTitle.textContent = doc.source;
    docMeta.textContent = [doc.kind, doc.case ? `case ${doc.case}` : "", doc.wave ? `wave ${doc.wave}` : ""]
      .filter(Boolean).join(" · ");
    doneButton.disabled = false;
    sourceMemoButton.disabled = false;
    const text = doc.text;
    const pieces = [];
    let at = 0;
    for (const turn of doc.turns) {
      if (turn.start > at) pieces.push({ start: at, end: turn.start, speaker: null, gap: true, next: turn.speaker });
      pieces.push({ start: turn.start, end: turn.end, speaker: turn.speaker || "" });
      at = Math.max(at, turn.end);
    }
    if (at < text.length) pieces.push({ start: at, end: text.length, speaker: null, gap: true });
    const frag = document.createDocumentFragment();
    state.chunks = [];
    for (const piece of pieces) {
      // the label a transcript repeats before each turn ("CEO-07:", "Anna  0:37") is
      // shown once, as the turn's speaker; other text between turns stays in view
      if (piece.gap && piece.next) {
        const at = text.slice(piece.start, piece.end).lastIndexOf(piece.next);
        if (at >= 0 && piece.end - (piece.start + at) < piece.next.length + 40) piece.end = piece.start + at;
      }
      const body = text.slice(piece.start, piece.end).replace(/\s+$/, "");
      piece.end = piece.start + body.length;
      if (piece.gap && !body.trim()) continue;
      const chunk = h("div", { class: "qc-chunk", "data-start": String(piece.start) }, body);
      const block = piece.speaker !== null
        ? h("div", { class: "qc-turn" }, h("div", { class: "qc-speaker", text: piece.speaker }), chunk)
        : h("div", { class: "qc-gap" }, chunk);
      frag.append(block);
      state.chunks.push({ start: piece.start, end: piece.end, node: chunk.firstChild, el: chunk });
    }
    clear(textEl).append(frag);
    clear(overlay);
  }

  function applyState(data) {
    state.doc.codings = data.codings;
    state.doc.memos = data.memos;
    state.doc.marked = data.marked;
    state.doc.source_id = data.source_id;
    state.codes = data.codes;
    state.revision = data.revision;
    state.lastState = JSON.stringify([data.codings, data.memos, data.marked, data.codes]);
    const mineDone = data.marked.includes(state.coder);
    doneButton.textContent = mineDone ? "✓ Marked coded (undo)" : "Nothing (more) to code here";
    doneButton.classList.toggle("qc-on", mineDone);
    const sourceMemos = data.memos.filter((m) => m.target === "source");
    sourceMemoButton.textContent = `Memos on this source (${sourceMemos.length})`;
    drawStripes();
    renderSide();
    if (state.openCoding !== null) {
      if (data.codings.some((c) => c.application_id === state.openCoding)) openCoding(state.openCoding, false);
      else { detail.hidden = true; state.openCoding = null; clear(overlay); }
    }
  }

  async function poll() {
    if (state.stopped) return;
    try {
      if (state.doc && state.coder && !document.hidden) {
        const name = state.doc.source;
        const data = await backend.call("codings", { source: name, since: state.revision });
        if (!data.unchanged && state.doc && state.doc.source === name &&
            JSON.stringify([data.codings, data.memos, data.marked, data.codes]) !== state.lastState) {
          applyState(data);
          if (state.mode === "review") loadQueue();
        }
        if (state.doc && state.doc.source === name) state.revision = data.revision;
      }
    } catch (err) {
      say(`Could not refresh: ${err.message}`, true);
    }
    if (!state.stopped) state.timer = setTimeout(poll, POLL_MS);
  }

  async function refresh() {
    if (!state.doc) return;
    applyState(await call("codings", { source: state.doc.source }));
    if (state.mode === "review") loadQueue();
    if (!single) loadSources();
  }

  // -------------------------------------------------------------- offsets <-> the page
  function chunkAt(offset, preferNext) {
    const chunks = state.chunks;
    let lo = 0, hi = chunks.length - 1, found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (chunks[mid].start <= offset) { found = mid; lo = mid + 1; } else hi = mid - 1;
    }
    if (found === -1) return { chunk: chunks[0], local: 0 };
    const chunk = chunks[found];
    if (offset > chunk.end) {  // in hidden text between two chunks
      return preferNext && chunks[found + 1] ? { chunk: chunks[found + 1], local: 0 } : { chunk, local: chunk.end - chunk.start };
    }
    return { chunk, local: offset - chunk.start };
  }

  function rangeFor(start, end) {
    if (!state.chunks.length) return null;
    const a = chunkAt(start, true), b = chunkAt(end, false);
    const range = document.createRange();
    range.setStart(a.chunk.node, Math.min(a.local, a.chunk.node.length));
    range.setEnd(b.chunk.node, Math.min(b.local, b.chunk.node.length));
    return range;
  }

  function offsetOf(node, offset) {
    const el = node.nodeType === Node.TEXT_NODE ? node.parentElement : node;
    let chunkEl = el.closest ? el.closest(".qc-chunk") : null;
    if (!chunkEl && el.querySelector) {  // the selection ends on a block: use its first/last text
      chunkEl = el.classList?.contains("qc-turn") || el.classList?.contains("qc-gap") ? el.querySelector(".qc-chunk") : null;
      if (!chunkEl) return null;
      return Number(chunkEl.dataset.start) + (offset > 0 ? chunkEl.textContent.length : 0);
    }
    if (!chunkEl) return null;
    if (node.nodeType !== Node.TEXT_NODE) return Number(chunkEl.dataset.start) + (offset > 0 ? chunkEl.textContent.length : 0);
    return Number(chunkEl.dataset.start) + offset;
  }

  function readSelection() {
    const sel = window.getSelection();
    if (!sel || sel.isCollapsed || !textEl.contains(sel.anchorNode) || !textEl.contains(sel.focusNode)) {
      if (!picker.contains(document.activeElement)) hidePicker();
      state.selection = null;
      return;
    }
    let a = offsetOf(sel.anchorNode, sel.anchorOffset), b = offsetOf(sel.focusNode, sel.focusOffset);
    if (a === null || b === null) return;
    let start = Math.min(a, b), end = Math.max(a, b);
    const text = state.doc.text;
    while (start < end && /\s/.test(text[start])) start++;
    while (end > start && /\s/.test(text[end - 1])) end--;
    if (start >= end) return;
    state.selection = { start, end };
    if (state.pickFor) {  // "Move to my selection" was pressed before selecting
      const id = state.pickFor;
      state.pickFor = null;
      change({ application_id: id, start, end });
      return;
    }
    const rect = sel.getRangeAt(0).getBoundingClientRect();
    highlight(start, end);  // the selection fades when the picker takes the focus; this stays
    showPicker({ rect, title: `“${short(text.slice(start, end), 120)}”`, multi: true, onChoose: applyCodes });
  }

  // -------------------------------------------------------------- stripes in the margin
  function codeColour(path) {
    const code = state.codes.find((c) => c.path === path);
    return code ? code.colour : hashColour(path);
  }

  function drawStripes() {
    if (!state.doc || !state.chunks.length) { clear(margin); return; }
    const base = margin.getBoundingClientRect().top;  // stripes are placed inside the margin
    const items = [];
    for (const c of state.doc.codings) {
      if (c.status === "suggested" && state.mode !== "review") continue;
      const range = rangeFor(c.start, c.end);
      if (!range) continue;
      const r = range.getBoundingClientRect();
      items.push({ c, top: r.top - base, bottom: r.bottom - base });
    }
    items.sort((x, y) => x.top - y.top || (y.bottom - y.top) - (x.bottom - x.top));
    const lanes = [];
    const frag = document.createDocumentFragment();
    for (const item of items) {
      let lane = lanes.findIndex((bottom) => bottom + 2 <= item.top);
      if (lane === -1) { lane = lanes.length < MAX_LANES ? lanes.length : MAX_LANES - 1; }
      lanes[lane] = Math.max(lanes[lane] || 0, item.bottom);
      const c = item.c;
      const colour = state.colourBy === "coder" ? hashColour(c.coder) : codeColour(c.code);
      const stripe = h("div", {
        class: "qc-stripe" + (c.status === "suggested" ? " qc-suggested" : "") +
          (c.application_id === state.openCoding ? " qc-open" : ""),
        "data-id": String(c.application_id), "data-code": c.code, "data-coder": c.coder,
        title: `${c.code} · ${c.coder}${c.weight !== null ? ` · weight ${c.weight}` : ""}${c.status === "suggested" ? " (suggested)" : ""}`,
      });
      stripe.style.top = `${item.top}px`;
      stripe.style.height = `${Math.max(item.bottom - item.top, 4)}px`;
      stripe.style.right = `${lane * LANE + 2}px`;
      stripe.style.backgroundColor = colour;
      stripe.style.borderColor = colour;
      frag.append(stripe);
    }
    clear(margin).append(frag);
    margin.style.width = `${Math.max(lanes.length, 3) * LANE + 6}px`;
  }

  function highlight(start, end) {
    clear(overlay);
    const range = rangeFor(start, end);
    if (!range) return;
    const base = textWrap.getBoundingClientRect();
    for (const r of range.getClientRects()) {
      const box = h("div", { class: "qc-mark" });
      box.style.top = `${r.top - base.top}px`;
      box.style.left = `${r.left - base.left}px`;
      box.style.width = `${r.width}px`;
      box.style.height = `${r.height}px`;
      overlay.append(box);
    }
  }

  function scrollToSpan(start) {
    const range = rangeFor(start, start + 1);
    if (!range) return;
    const r = range.getBoundingClientRect(), box = docScroll.getBoundingClientRect();
    docScroll.scrollTop += r.top - box.top - box.height / 3;
  }

  // -------------------------------------------------------------- code picker
  function showPicker({ rect, title, multi, onChoose, exclude }) {
    const chosen = new Set();
    let active = 0;
    const search = h("input", { class: "qc-picker-search", type: "search", placeholder: "find a code (type to filter)" });
    const list = h("ul", { class: "qc-picker-list", role: "listbox" });
    const weight = h("input", { class: "qc-picker-weight", type: "number", step: "1", placeholder: "weight" });
    const apply = h("button", { class: "qc-picker-apply", type: "button", text: multi ? "Apply" : "Choose" });
    const cancel = h("button", { class: "qc-picker-cancel", type: "button", text: "Cancel", onclick: hidePicker });
    const visible = () => state.codes.filter((c) => c.path !== exclude &&
      c.path.toLowerCase().includes(search.value.trim().toLowerCase()));
    function draw() {
      const codes = visible();
      active = Math.min(active, Math.max(codes.length - 1, 0));
      clear(list).append(...codes.slice(0, 200).map((c, i) => {
        const dot = h("span", { class: "qc-dot" });
        dot.style.backgroundColor = c.colour;
        return h("li", { class: "qc-picker-code" + (i === active ? " qc-active" : "") + (chosen.has(c.path) ? " qc-chosen" : ""),
          role: "option", "data-path": c.path, onmousedown: (e) => e.preventDefault(),
          onclick: () => { toggle(c.path); if (!multi) finish(); } },
        multi ? h("input", { type: "checkbox", tabindex: "-1", checked: chosen.has(c.path) }) : null,
        dot, h("span", { class: "qc-picker-path", text: c.path }), h("span", { class: "qc-count", text: String(c.count) }));
      }));
      apply.textContent = multi ? (chosen.size ? `Apply ${chosen.size} code${chosen.size > 1 ? "s" : ""}` : "Apply") : "Choose";
    }
    function toggle(path) { if (chosen.has(path)) chosen.delete(path); else { if (!multi) chosen.clear(); chosen.add(path); } draw(); }
    function finish() {
      if (!chosen.size) { const first = visible()[active]; if (first) chosen.add(first.path); }
      if (!chosen.size) { search.focus(); return; }
      const w = weight.value.trim();
      hidePicker();
      onChoose([...chosen], w === "" ? null : Number(w));
    }
    search.addEventListener("input", () => { active = 0; draw(); });
    search.addEventListener("keydown", (e) => {
      const n = visible().length;
      if (e.key === "ArrowDown") { active = Math.min(active + 1, n - 1); draw(); e.preventDefault(); }
      else if (e.key === "ArrowUp") { active = Math.max(active - 1, 0); draw(); e.preventDefault(); }
      else if (e.key === "Enter" && multi && e.shiftKey) { const c = visible()[active]; if (c) toggle(c.path); e.preventDefault(); }
      else if (e.key === "Enter") { finish(); e.preventDefault(); }
      else if (e.key === "Escape") { hidePicker(); }
    });
    apply.addEventListener("click", finish);
    clear(picker).append(h("div", { class: "qc-picker-title", text: title }), search, list,
      h("div", { class: "qc-picker-foot" }, multi ? h("label", {}, "weight ", weight) : null, apply, cancel));
    draw();
    const top = Math.min(rect.bottom + 8, window.innerHeight - 340);
    picker.style.top = `${Math.max(top, 8)}px`;
    picker.style.left = `${Math.max(8, Math.min(rect.left, window.innerWidth - 380))}px`;
    picker.hidden = false;
    search.focus({ preventScroll: true });
  }

  function hidePicker() {
    if (!picker.hidden && state.openCoding === null) clear(overlay);
    picker.hidden = true;
    clear(picker);
  }

  async function applyCodes(codes, weight) {
    const sel = state.selection;
    if (!sel || !state.doc) return;
    await call("apply", { source: state.doc.source, start: sel.start, end: sel.end, codes, weight });
    window.getSelection()?.removeAllRanges();
    state.selection = null;
    clear(overlay);
    say(`Applied ${codes.join(", ")}`);
    await refresh();
  }

  // -------------------------------------------------------------- one coding
  function openCoding(id, scroll = true) {
    const c = state.doc.codings.find((x) => x.application_id === id);
    if (!c) return;
    state.openCoding = id;
    highlight(c.start, c.end);
    margin.querySelectorAll(".qc-stripe").forEach((s) => s.classList.toggle("qc-open", Number(s.dataset.id) === id));
    const memos = state.doc.memos.filter((m) => m.target === "excerpt" && m.target_id === c.excerpt_id);
    const quote = state.doc.text.slice(c.start, c.end);
    const weight = h("input", { class: "qc-detail-weight", type: "number", step: "1", value: c.weight ?? "" });
    const suggested = c.status === "suggested";
    clear(detail).append(
      h("div", { class: "qc-detail-head" }, h("strong", { class: "qc-detail-code", text: c.code }),
        h("button", { class: "qc-close", type: "button", text: "×", title: "close",
          onclick: () => { detail.hidden = true; state.openCoding = null; clear(overlay); drawStripes(); } })),
      h("div", { class: "qc-detail-meta", text: `${c.coder}${suggested ? ` · suggested (${c.origin}${c.confidence !== null ? `, confidence ${c.confidence.toFixed(2)}` : ""})` : ""}${c.decided_by ? ` · decided by ${c.decided_by} ${c.decided_at || ""}` : ""}` }),
      h("blockquote", { class: "qc-detail-quote", text: quote }),
      suggested ? reviewButtons(c) : h("div", { class: "qc-detail-actions" },
        h("button", { class: "qc-change-code", type: "button", text: "Change code…", onclick: (e) =>
          showPicker({ rect: e.target.getBoundingClientRect(), title: `Change “${c.code}” to`, multi: false, exclude: c.code,
            onChoose: (codes) => change({ application_id: id, code: codes[0] }) }) }),
        h("button", { class: "qc-respan", type: "button", text: "Move to my selection",
          title: "Select the new passage in the text, then press this", onclick: () => {
            if (!state.selection) { say("Select the new passage in the text first, then press “Move to my selection”.", true); state.pickFor = id; return; }
            change({ application_id: id, start: state.selection.start, end: state.selection.end });
          } }),
        h("label", {}, "weight ", weight, h("button", { class: "qc-set-weight", type: "button", text: "Set",
          onclick: () => change({ application_id: id, weight: weight.value.trim() }) })),
        h("button", { class: "qc-remove", type: "button", text: "Remove coding", onclick: async () => {
          await call("remove", { application_id: id });
          say(`Removed ${c.code} (${c.coder})`);
          detail.hidden = true; state.openCoding = null; clear(overlay);
          await refresh();
        } })),
      h("div", { class: "qc-memos" }, h("h3", { text: `Memos on this excerpt (${memos.length})` }),
        memos.map(memoView), memoForm("excerpt", c.excerpt_id)));
    detail.hidden = false;
    if (scroll) scrollToSpan(c.start);
  }

  async function change(payload) {
    state.pickFor = null;
    await call("change", payload);
    say("Changed the coding");
    await refresh();
  }

  // -------------------------------------------------------------- memos
  function memoView(m) {
    return h("div", { class: "qc-memo" }, h("div", { class: "qc-memo-meta", text: `${m.author} · ${m.created_at || ""}` }),
      h("div", { class: "qc-memo-text", text: m.text }));
  }

  function memoForm(on, target) {
    const area = h("textarea", { class: "qc-memo-input", rows: "3", placeholder: "write a memo" });
    return h("div", { class: "qc-memo-form" }, area, h("button", { class: "qc-memo-save", type: "button", text: "Add memo",
      onclick: async () => {
        if (!area.value.trim()) return;
        await call("memo", { on, target, text: area.value });
        area.value = "";
        say("Memo saved");
        await refresh();
        if (on !== "excerpt") openMemos(on, target);
      } }));
  }

  function openMemos(on, target) {
    const isSource = on === "source";
    const key = isSource ? state.doc.source_id : state.codes.find((c) => c.path === target)?.code_id;
    const memos = state.doc ? state.doc.memos.filter((m) => m.target === on && m.target_id === key) : [];
    showModal(h("div", { class: "qc-modal-box" },
      h("h2", { text: isSource ? `Memos on ${state.doc.source}` : `Memos on code ${target}` }),
      memos.length ? memos.map(memoView) : h("p", { text: "No memo yet." }),
      memoForm(on, isSource ? state.doc.source : target),
      h("button", { class: "qc-modal-close", type: "button", text: "Close", onclick: closeModal })));
  }

  // -------------------------------------------------------------- done
  async function toggleDone() {
    const undo = state.doc.marked.includes(state.coder);
    await call("done", { source: state.doc.source, undo });
    say(undo ? "Mark taken back" : "Recorded: you read this source and found nothing more to code");
    await refresh();
  }

  // -------------------------------------------------------------- side: codebook or review
  function setMode(mode) {
    state.mode = mode;
    tabCode.classList.toggle("qc-active", mode === "code");
    tabReview.classList.toggle("qc-active", mode === "review");
    drawStripes();
    renderSide();
    if (mode === "review") loadQueue();
  }

  function renderSide() {
    if (state.mode === "review") { renderReview(); return; }
    const filter = side.querySelector(".qc-codebook-search")?.value || "";
    const search = h("input", { class: "qc-codebook-search", type: "search", placeholder: "find a code", value: filter,
      oninput: () => drawCodes() });
    const list = h("ul", { class: "qc-codebook" });
    const newCode = h("input", { class: "qc-new-code", type: "text", placeholder: "new code, e.g. Issues/Funding" });
    const add = h("form", { class: "qc-add-code" }, newCode, h("button", { type: "submit", text: "Add code" }));
    add.addEventListener("submit", async (e) => {
      e.preventDefault();
      if (!newCode.value.trim()) return;
      await call("add_code", { path: newCode.value.trim() });
      say(`Added code ${newCode.value.trim()}`);
      newCode.value = "";
      await refresh();
    });
    function drawCodes() {
      const q = search.value.trim().toLowerCase();
      clear(list).append(...state.codes.filter((c) => !q || c.path.toLowerCase().includes(q)).map((c) => {
        const dot = h("span", { class: "qc-dot" });
        dot.style.backgroundColor = c.colour;
        const memoCount = state.doc ? state.doc.memos.filter((m) => m.target === "code" && m.target_id === c.code_id).length : 0;
        const item = h("li", { class: "qc-code", "data-path": c.path, title: c.description || c.path },
          dot, h("span", { class: "qc-code-name", text: c.name }),
          h("span", { class: "qc-count", title: "in this source / in the project", text: `${c.here} / ${c.count}` }),
          h("button", { class: "qc-code-memo", type: "button", title: "memos on this code",
            text: memoCount ? `✎${memoCount}` : "✎", onclick: () => openMemos("code", c.path) }));
        item.style.paddingLeft = `${c.depth * 14 + 4}px`;
        return item;
      }));
    }
    drawCodes();
    clear(side).append(h("h2", { text: "Codebook" }), search, list, add);
  }

  async function loadQueue() {
    if (!state.coder) return;
    const payload = state.queueAll || !state.doc ? {} : { source: state.doc.source };
    state.queue = await call("queue", payload);
    renderReview();
  }

  function renderReview() {
    if (state.mode !== "review") return;
    const codesWithSuggestions = [...new Set(state.queue.map((q) => q.code))].sort();
    const batchCode = h("select", { class: "qc-batch-code" }, codesWithSuggestions.map((c) => h("option", { value: c, text: c })));
    const threshold = h("input", { class: "qc-batch-threshold", type: "number", min: "0", max: "1", step: "0.05", value: "0.8" });
    const scope = h("select", { class: "qc-queue-scope", onchange: () => { state.queueAll = scope.value === "all"; loadQueue(); } },
      h("option", { value: "source", text: "this source", selected: !state.queueAll }),
      h("option", { value: "all", text: "all sources", selected: state.queueAll }));
    const undo = h("button", { class: "qc-undo", type: "button", disabled: !state.undo.length,
      text: state.undo.length ? `Undo (${state.undo.length})` : "Undo", onclick: undoLast });
    const list = h("ul", { class: "qc-queue" }, state.queue.map((q) => h("li", {
      class: "qc-suggestion", "data-id": String(q.application_id) },
    h("div", { class: "qc-suggestion-head" }, h("strong", { text: q.code }),
      h("span", { class: "qc-confidence", text: q.confidence !== null ? q.confidence.toFixed(2) : "" })),
    h("div", { class: "qc-suggestion-meta", text: `${q.source}${q.speaker ? ` · ${q.speaker}` : ""} · ${q.coder}` }),
    h("div", { class: "qc-suggestion-text", text: short(q.text, 200), onclick: () => showSuggestion(q) }),
    reviewButtons(q))));
    clear(side).append(h("h2", { text: "Review suggestions" }),
      h("div", { class: "qc-queue-tools" }, h("label", {}, "show ", scope), undo),
      h("div", { class: "qc-batch" }, h("label", {}, "accept every ", batchCode), h("label", {}, " at confidence ≥ ", threshold),
        h("button", { class: "qc-batch-accept", type: "button", text: "Accept", disabled: !codesWithSuggestions.length,
          onclick: () => decide("accept_above", { code: batchCode.value, threshold: Number(threshold.value) }) })),
      state.queue.length ? list : h("p", { class: "qc-empty", text: "No suggestion waits for a decision here." }));
  }

  function reviewButtons(q) {
    const id = q.application_id;
    return h("div", { class: "qc-review-actions" },
      h("button", { class: "qc-accept", type: "button", text: "Accept", onclick: () => decide("accept", { ids: [id] }) }),
      h("button", { class: "qc-reject", type: "button", text: "Reject", onclick: () => decide("reject", { ids: [id] }) }),
      h("button", { class: "qc-recode", type: "button", text: "Other code…", onclick: (e) => showPicker({
        rect: e.target.getBoundingClientRect(), title: `Not “${q.code}” but`, multi: false, exclude: q.code,
        onChoose: (codes) => decide("recode", { application_id: id, code: codes[0] }) }) }),
      h("button", { class: "qc-adjust", type: "button", text: "Span = my selection", title: "Select the right passage first",
        onclick: () => {
          if (!state.selection) { say("Select the right passage in the text first.", true); return; }
          decide("adjust", { application_id: id, start: state.selection.start, end: state.selection.end });
        } }));
  }

  async function showSuggestion(q) {
    if (!state.doc || state.doc.source !== q.source) await openSource(q.source);
    scrollToSpan(q.start);
    highlight(q.start, q.end);
  }

  async function decide(action, payload) {
    const result = await call(action, payload);
    if (result && result.undo) state.undo.push(result.undo);
    say(action === "accept_above"
      ? `Accepted ${result.decided} suggestions` + (result.batch ? ` (batch ${result.batch}: Undo takes it back)` : "")
      : `Done: ${action}`);
    await refresh();
  }

  async function undoLast() {
    const last = state.undo.pop();
    if (!last) return;
    const { action, ...payload } = last;
    const result = await call(action, payload);
    say(action === "undo_batch"
      ? `Batch ${payload.batch} undone: ${result.undone} back in the queue` +
        (result.kept ? `, ${result.kept} kept as decided since` : "")
      : "Undone");
    await refresh();
  }

  // -------------------------------------------------------------- start
  async function start() {
    if (state.coder) coderButton.textContent = `Coder: ${state.coder}`;
    else coderButton.textContent = "Who is coding?";
    const boot = await call("bootstrap");
    title.textContent = boot.title;
    state.codes = boot.codes;
    state.filters = boot.filters;
    if (!single) renderFilters();
    renderSide();
    await askCoder();
    if (single) await openSource(options.source);
    else await loadSources();
    state.timer = setTimeout(poll, POLL_MS);
  }

  const ready = start().catch((err) => say(err.message, true));
  root.qualcode = { state, ready, openSource, refresh };
  return () => {
    state.stopped = true;
    clearTimeout(state.timer);
    window.removeEventListener("resize", onResize);
  };
}

function safeStorage() {
  try { return window.localStorage; } catch (e) { return null; }
}

// ------------------------------------------------------------------ anywidget entry
function render({ model, el }) {
  const backend = commBackend(model);
  return mount(el, backend, { source: model.get("source"), coder: model.get("coder"), storage: null });
}

export default { render };
