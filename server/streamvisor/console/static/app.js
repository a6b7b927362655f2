// The streamvisor console: hash-routed pages over api.js. No framework and no build step: what the
// browser runs is what is in this directory.
import { ApiError, call, num, session, setToken, stateName } from "./api.js";

const REFRESH_MS = 2000;
const main = document.getElementById("main");
const banners = document.getElementById("banners");
const dialog = document.getElementById("dialog");
let me = null; // {actor, role, authentication}
let timer = null;
const lagSamples = new Map(); // supervisor id -> [[time ms, total lag]], sampled by the page

// --- small DOM helpers -----------------------------------------------------------------------------
function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
    else if (k === "text") el.textContent = v;
    else el.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children.flat()) if (c !== null && c !== undefined) el.append(c instanceof Node ? c : String(c));
  return el;
}
const svgNS = "http://www.w3.org/2000/svg";
function s(tag, attrs = {}, ...children) {
  const el = document.createElementNS(svgNS, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
  for (const c of children) el.append(c);
  return el;
}
const off = (v) => (v === null || v === undefined ? "-" : String(v));
const range = (r) => `[${r.startOffset}, ${r.endOffset})`;
const canAct = () => me && me.role !== "viewer";
const table = (head, rows, attrs = {}) =>
  h("table", attrs, h("thead", {}, h("tr", {}, head.map((x) => h("th", {}, x)))),
    h("tbody", {}, rows.map((r) => h("tr", {}, r.map((c) => (c instanceof Node && c.tagName === "TD" ? c : h("td", {}, c)))))));
const numCell = (v, cls) => h("td", { class: `num ${cls || ""}` }, off(v));

// --- banners -----------------------------------------------------------------------------------------
function banner(error) {
  const el = error instanceof ApiError
    ? h("div", { class: "banner", "data-code": error.code, "data-reason": error.reason },
      h("button", { onclick: () => el.remove(), title: "dismiss" }, "x"),
      h("code", {}, error.code.toUpperCase()), " ", h("code", {}, error.reason || "-"), ": ", error.message,
      error.fields.length ? h("ul", {}, error.fields.map((f) => h("li", {}, `${f.field}: ${f.description}`))) : null)
    : h("div", { class: "banner" }, String(error && error.message ? error.message : error));
  banners.append(el);
}
function notice(text) {
  const el = h("div", { class: "banner ok" }, h("button", { onclick: () => el.remove() }, "x"), text);
  banners.append(el);
  setTimeout(() => el.remove(), 5000); // successes fade; failures stay until dismissed
}
async function guarded(fn) {
  try {
    return await fn();
  } catch (e) {
    banner(e);
    return undefined;
  }
}

// --- routing -----------------------------------------------------------------------------------------
async function route() {
  clearInterval(timer);
  timer = null;
  dialog.hidden = true;
  banners.replaceChildren(); // a banner belongs to the page it was raised on
  const path = location.hash.replace(/^#/, "") || "/";
  if (!me) {
    me = await session().catch(() => null);
    if (!me) return loginPage();
  }
  document.getElementById("who").textContent = `${me.actor} (${me.role})`;
  document.getElementById("nav").replaceChildren(h("a", { href: "#/" }, "Supervisors"),
    me.authentication ? h("a", { href: "#/logout", style: "margin-left:12px" }, "Log out") : "");
  if (path === "/logout") {
    setToken("");
    me = null;
    location.hash = "#/";
    return;
  }
  const m = path.match(/^\/s\/([^/]+)(\/coverage)?$/);
  if (m) return m[2] ? coveragePage(decodeURIComponent(m[1])) : supervisorPage(decodeURIComponent(m[1]));
  return listPage();
}
window.addEventListener("hashchange", route);

function every(fn) {
  fn();
  timer = setInterval(fn, REFRESH_MS);
}

// --- login -------------------------------------------------------------------------------------------
function loginPage() {
  document.getElementById("who").textContent = "";
  const input = h("input", { type: "password", id: "token", placeholder: "bearer token", size: 40 });
  const form = h("form", { class: "login", onsubmit: async (e) => {
    e.preventDefault();
    setToken(input.value.trim());
    try {
      me = await session();
      route();
    } catch (err) {
      setToken("");
      banner(err);
    }
  } }, h("h1", {}, "Log in"), h("p", { class: "muted" }, "The token the server's tokens file names (streamvisor new-token)."),
  input, " ", h("button", { class: "primary", type: "submit", id: "login" }, "Log in"));
  main.replaceChildren(form);
}

// --- supervisors list --------------------------------------------------------------------------------
async function listAll() {
  const all = [];
  let pageToken = "";
  do {
    const page = await call("ListSupervisors", { pageSize: 100, pageToken });
    all.push(...page.supervisors);
    pageToken = page.nextPageToken;
  } while (pageToken);
  return all;
}

// Lag on the list costs a GetOffsets (a broker round trip) per supervisor, so the page asks only for the
// rows it shows, at most LIST_LAG_ROWS of them, skips supervisors whose lag cannot change (TERMINATED,
// COMPLETED), and keeps each answer LIST_LAG_TTL_MS: an open tab over 100 supervisors costs a few calls a
// second, not 50. The supervisor's own page samples its lag every refresh.
const LIST_LAG_ROWS = 50;
const LIST_LAG_TTL_MS = 10000;
const listLagCache = new Map(); // supervisor id -> {at: time ms, lag: number | null}

async function listLags(shown) {
  const now = Date.now();
  const wanted = shown.filter((x) => !["TERMINATED", "COMPLETED"].includes(stateName(x.state))).slice(0, LIST_LAG_ROWS);
  const stale = wanted.filter((x) => !listLagCache.has(x.id) || now - listLagCache.get(x.id).at > LIST_LAG_TTL_MS);
  const answers = await Promise.all(stale.map((x) => call("GetOffsets", { supervisorId: x.id }).catch(() => null)));
  stale.forEach((x, i) => listLagCache.set(x.id, { at: now, lag: answers[i] ? num(answers[i].totalLag) : null }));
  return new Map(wanted.map((x) => [x.id, listLagCache.get(x.id).lag]));
}

function listPage() {
  const stateFilter = h("select", { id: "state-filter" }, ["", "RUNNING", "SUSPENDED", "UNHEALTHY", "COMPLETED", "TERMINATED", "PENDING"]
    .map((x) => h("option", { value: x }, x || "any state")));
  const textFilter = h("input", { type: "text", id: "text-filter", placeholder: "filter by id or stream" });
  const hideBackfills = h("input", { type: "checkbox", id: "hide-backfills" });
  const body = h("div", { id: "supervisors" });
  const refresh = () => guarded(async () => {
    const list = await listAll();
    const text = textFilter.value.trim();
    const shown = list.filter((x) => !(stateFilter.value && stateName(x.state) !== stateFilter.value)
      && !(text && !x.id.includes(text) && !(x.spec.stream || "").includes(text))
      && !(hideBackfills.checked && x.backfillOf));
    const lags = await listLags(shown);
    const rows = [];
    shown.forEach((x) => {
      const state = stateName(x.state);
      const lag = lags.has(x.id) ? lags.get(x.id) : null;
      rows.push(h("tr", { "data-id": x.id },
        h("td", {}, h("a", { href: `#/s/${encodeURIComponent(x.id)}` }, x.id)),
        h("td", {}, h("span", { class: `state ${state}` }, state), x.stateDetail ? h("div", { class: "muted" }, x.stateDetail) : null),
        h("td", {}, x.spec.stream),
        numCell(lag, lag > 0 ? "lag lag-high" : "lag"),
        numCell(x.generation),
        h("td", {}, x.backfillOf ? h("a", { href: `#/s/${encodeURIComponent(x.backfillOf)}` }, x.backfillOf) : "")));
    });
    body.replaceChildren(rows.length
      ? h("table", {}, h("thead", {}, h("tr", {}, ["Supervisor", "State", "Stream", "Lag", "Generation", "Backfill of"].map((t) => h("th", {}, t)))),
        h("tbody", {}, rows))
      : h("p", { class: "muted" }, "No supervisors match (streamvisor demo creates one)."));
  });
  for (const el of [stateFilter, textFilter, hideBackfills]) el.addEventListener("input", refresh);
  main.replaceChildren(h("h1", {}, "Supervisors"),
    h("div", { class: "filters" }, stateFilter, textFilter, h("label", {}, hideBackfills, " hide backfills")), body);
  every(refresh);
}

// --- one supervisor ----------------------------------------------------------------------------------
function lagChart(id, offsets) {
  const samples = lagSamples.get(id) || [];
  samples.push([Date.now(), num(offsets.totalLag)]);
  while (samples.length > 150) samples.shift();
  lagSamples.set(id, samples);
  const W = 600, H = 140, pad = 30;
  const t0 = samples[0][0], t1 = Math.max(samples[samples.length - 1][0], t0 + 1);
  const max = Math.max(1, ...samples.map((x) => x[1]));
  const pts = samples.map(([t, v]) => `${pad + ((t - t0) / (t1 - t0)) * (W - pad - 5)},${H - 20 - (v / max) * (H - 35)}`).join(" ");
  return s("svg", { width: W, height: H, id: "lag-chart", "data-samples": samples.length },
    s("rect", { x: pad, y: 5, width: W - pad - 5, height: H - 25, fill: "#fff", stroke: "#dde1e7" }),
    s("polyline", { points: pts, fill: "none", stroke: "#c92a2a", "stroke-width": 2 }),
    s("text", { x: 2, y: 14 }, String(max)), s("text", { x: 2, y: H - 20 }, "0"),
    s("text", { x: pad, y: H - 5 }, `total lag, sampled every ${REFRESH_MS / 1000} s by this page (${samples.length} samples)`));
}

function supervisorPage(id) {
  const head = h("div"), actions = h("div", { class: "actions", id: "actions" }), offsetsBox = h("div"), chartBox = h("div");
  const backfillsBox = h("div", { id: "backfills" }), historyBox = h("div", { id: "history" });
  let current = null, offsets = null;
  main.replaceChildren(head, actions, h("h2", {}, "Offsets"), offsetsBox, h("h2", {}, "Lag over time"), chartBox,
    h("h2", {}, "Backfills"), backfillsBox, h("h2", {}, "History"), historyBox);

  const lifecycle = (method, label, cls) => h("button", { class: cls, id: `action-${method}`, onclick: () => guarded(async () => {
    if (method === "TerminateSupervisor" && !confirm(`Terminate ${id}? This cannot be undone.`)) return;
    await call(method, { supervisorId: id, etag: current.etag });
    notice(`${label}: done`);
    refresh();
  }) }, label);

  const refresh = () => guarded(async () => {
    const [got, offs, all, history] = await Promise.all([
      call("GetSupervisor", { supervisorId: id }), call("GetOffsets", { supervisorId: id }).catch((e) => e),
      listAll(), call("ListSupervisorHistory", { supervisorId: id, pageSize: 20 })]);
    current = got.supervisor;
    const state = stateName(current.state);
    head.replaceChildren(h("h1", {}, id, " ", h("span", { class: `state ${state}`, id: "state" }, state)),
      h("p", {}, `stream ${current.spec.stream} · generation `, h("b", { id: "generation" }, current.generation),
        ` · etag ${current.etag}`, current.backfillOf ? ` · backfill of ` : "",
        current.backfillOf ? h("a", { href: `#/s/${encodeURIComponent(current.backfillOf)}` }, current.backfillOf) : "",
        " · ", h("a", { href: `#/s/${encodeURIComponent(id)}/coverage`, id: "coverage-link" }, "coverage"),
        current.stateDetail ? h("div", { class: "muted" }, current.stateDetail) : ""));
    if (canAct() && !actions.childElementCount) {
      actions.append(lifecycle("SuspendSupervisor", "Suspend"), lifecycle("ResumeSupervisor", "Resume"),
        lifecycle("TerminateSupervisor", "Terminate", "danger"),
        h("button", { id: "action-ResetSupervisor", class: "danger", onclick: () => resetDialog("ResetSupervisor", id, { supervisorId: id }, refresh) }, "Hard reset"),
        h("button", { id: "action-ResetOffsets", onclick: () => offsetsDialog(id, offsets, refresh) }, "Reset offsets"),
        h("button", { id: "action-ResetToLatestAndBackfill", class: "primary", onclick: () => backfillDialog(id, refresh) }, "Reset to latest and backfill"));
    }
    if (offs instanceof Error) {
      offsetsBox.replaceChildren(h("p", { class: "muted" }, `offsets unavailable: ${offs.reason || offs.code}: ${offs.message}`));
    } else {
      offsets = offs;
      offsetsBox.replaceChildren(table(["Partition", "Checkpoint", "Earliest", "Latest", "Lag", "Bounded range"],
        offs.partitions.map((p) => [p.partitionId || String(p.partition), numCell(num(p.checkpoint)), numCell(p.earliest), numCell(p.latest),
          numCell(p.lag, num(p.lag) > 0 ? "lag-high" : ""), p.boundedRange ? range(p.boundedRange) : ""]), { id: "offsets" }),
      h("p", {}, "total lag ", h("b", { id: "total-lag" }, offs.totalLag),
        num(offs.boundedTotal) ? ` · bounded progress ${offs.boundedDone} / ${offs.boundedTotal}` : ""));
      chartBox.replaceChildren(lagChart(id, offs));
    }
    const backfills = all.filter((x) => x.backfillOf === id);
    const progress = await Promise.all(backfills.map((b) => call("GetOffsets", { supervisorId: b.id }).catch(() => null)));
    backfillsBox.replaceChildren(backfills.length
      ? table(["Backfill", "State", "Progress"], backfills.map((b, i) => {
        const done = progress[i] ? num(progress[i].boundedDone) : 0, total = progress[i] ? num(progress[i].boundedTotal) : 0;
        const pct = total ? Math.round((100 * done) / total) : 0;
        return [h("a", { href: `#/s/${encodeURIComponent(b.id)}` }, b.id), stateName(b.state),
          h("span", {}, h("span", { class: "progress", "data-backfill": b.id, "data-done": done, "data-total": total },
            h("span", { style: `width:${pct}%` })), ` ${done} / ${total} (${pct}%)`)];
      }))
      : h("p", { class: "muted" }, "none"));
    historyBox.replaceChildren(table(["When", "Action", "Actor", "Generation", "Offsets"], history.events.map((e) => [
      (e.createTime || "").replace("T", " ").replace(/\..*Z|Z/, ""), e.action, e.actor,
      `${e.generationBefore} → ${e.generationAfter}`,
      (e.offsetChanges || []).map((c) => `${c.partition}: ${off(c.before)}→${off(c.after)}`).join(", ")])));
  });
  every(refresh);
}

// --- resets: dry run, review, execute with the plan token ---------------------------------------------
function openDialog(...children) {
  dialog.replaceChildren(h("div", { role: "dialog" }, ...children));
  dialog.hidden = false;
}
const closeButton = () => h("button", { onclick: () => { dialog.hidden = true; }, id: "dialog-close" }, "Close");

function planTable(result) {
  const backfill = new Map((result.backfillRanges || []).map((r) => [r.partition, r]));
  const lost = new Map((result.unrecoverableRanges || []).map((r) => [r.partition, r]));
  return table(["Partition", "Before", "After", "Backfill", "Unrecoverable"], result.changes.map((c) => [
    c.partition, numCell(num(c.before)), numCell(num(c.after)),
    backfill.has(c.partition) ? range(backfill.get(c.partition)) : "-",
    lost.has(c.partition) ? h("span", { class: "lag-high" }, range(lost.get(c.partition))) : "-"]), { id: "plan" });
}

function driftRows(result) {
  // How the executed plan differs from the reviewed one (ingestion went on between the two).
  const before = new Map((result.previewedBackfillRanges || []).map((r) => [r.partition, range(r)]));
  const after = new Map((result.backfillRanges || []).map((r) => [r.partition, range(r)]));
  const parts = [...new Set([...before.keys(), ...after.keys()])].sort((a, b) => a - b);
  return parts.filter((p) => before.get(p) !== after.get(p)).map((p) => [p, before.get(p) || "-", h("span", { class: "diff" }, after.get(p) || "-")]);
}

async function resetDialog(method, id, request, refresh, describe = "") {
  const preview = await guarded(() => call(method, { ...request, dryRun: true }));
  if (!preview) return;
  const execute = h("button", { class: "primary", id: "execute", onclick: () => guarded(async () => {
    execute.disabled = true;
    try {
      const result = await call(method, { ...request, planToken: preview.planToken });
      const drift = method === "ResetToLatestAndBackfill" ? driftRows(result) : [];
      openDialog(h("h2", {}, `${method}: executed`), h("p", { id: "executed" }, `generation ${result.generation}`,
        result.backfillSupervisorId ? [" · backfill ", h("a", { href: `#/s/${encodeURIComponent(result.backfillSupervisorId)}`, onclick: () => { dialog.hidden = true; } }, result.backfillSupervisorId)] : ""),
      planTable(result),
      drift.length ? [h("p", {}, "Ingestion went on between the review and the reset; the backfill ranges moved:"),
        table(["Partition", "Reviewed", "Executed"], drift, { id: "drift" })] : h("p", { class: "muted", id: "no-drift" }, method === "ResetToLatestAndBackfill" ? "Executed exactly as reviewed." : ""),
      closeButton());
      notice(`${method} of ${id}: done, generation ${result.generation}`);
      refresh();
    } finally {
      execute.disabled = false;
    }
  }) }, "Execute this plan");
  openDialog(h("h2", {}, `${method} of ${id}: review`), describe ? h("p", {}, describe) : "",
    h("p", { class: "muted" }, `Dry run at generation ${preview.generation}. Executing carries this plan's token: the server refuses it if the supervisor changed since.`),
    planTable(preview), h("div", { class: "actions" }, execute, closeButton()));
}

function backfillDialog(id, refresh) {
  const count = h("input", { type: "number", min: 1, max: 1024, id: "backfill-task-count", placeholder: "inherit" });
  openDialog(h("h2", {}, `Reset ${id} to latest and backfill`),
    h("p", {}, "Moves the supervisor to the latest offsets and starts a bounded backfill over the skipped range: nothing lost, nothing twice."),
    h("label", {}, "backfill task count ", count), h("div", { class: "actions" },
      h("button", { class: "primary", id: "review", onclick: () => {
        const request = { supervisorId: id };
        if (count.value) request.backfillTaskCount = Number(count.value);
        resetDialog("ResetToLatestAndBackfill", id, request, refresh,
          "Checkpoints that advance by ingestion before you execute do not void this plan: the backfill starts at the checkpoint of the moment it runs.");
      } }, "Review plan"), closeButton()));
}

function offsetsDialog(id, offsets, refresh) {
  if (!offsets) return banner(new Error("offsets are not available yet"));
  const rows = offsets.partitions.map((p) => {
    const include = h("input", { type: "checkbox", "data-partition": p.partition });
    const mode = h("select", {}, h("option", { value: "offset" }, "offset"), h("option", { value: "time" }, "time"));
    const value = h("input", { type: "text", value: off(num(p.checkpoint) ?? num(p.latest)), size: 24, "data-partition-value": p.partition });
    const set = (v) => () => { mode.value = "offset"; value.value = v; include.checked = true; };
    return { p, include, mode, value, cells: [include, p.partitionId || String(p.partition), numCell(num(p.checkpoint)), numCell(p.latest), mode, value,
      h("span", {}, h("button", { type: "button", onclick: set(off(num(p.checkpoint))) }, "checkpoint"), " ",
        h("button", { type: "button", onclick: set(p.latest) }, "latest"), " ",
        h("button", { type: "button", onclick: set(p.earliest) }, "earliest"))] };
  });
  openDialog(h("h2", {}, `Reset offsets of ${id}`), h("p", { class: "muted" }, "Tick partitions; a time is ISO 8601 (the earliest offset at or after it)."),
    table(["", "Partition", "Checkpoint", "Latest", "By", "New checkpoint", ""], rows.map((r) => r.cells)),
    h("div", { class: "actions" }, h("button", { class: "primary", id: "review", onclick: () => {
      const targets = rows.filter((r) => r.include.checked).map((r) => (r.mode.value === "offset"
        ? { partition: r.p.partition, offsetDecimal: r.value.value.trim() } // any size (docs/api.md)
        : { partition: r.p.partition, timestamp: r.value.value.trim() }));
      resetDialog("ResetOffsets", id, { supervisorId: id, targets }, refresh);
    } }, "Review plan"), closeButton()));
}

// --- coverage ----------------------------------------------------------------------------------------
const SHARE_COLORS = ["#1c7ed6", "#7048e8", "#0ca678", "#e64980"];
function coveragePage(id) {
  const body = h("div");
  main.replaceChildren(h("h1", {}, `Coverage of `, h("a", { href: `#/s/${encodeURIComponent(id)}` }, id)),
    h("p", { class: "legend" }, h("span", {}, h("i", { class: "swatch", style: "background:#2b8a3e" }), "published"),
      h("span", {}, h("i", { class: "swatch", style: "background:#e03131" }), "gap"),
      h("span", {}, h("i", { class: "swatch", style: "background:#f59f00" }), "overlap (published twice)"),
      h("span", {}, h("i", { class: "swatch", style: "background:#868e96" }), "unrecoverable (retention deleted it)")), body);
  every(() => guarded(async () => {
    const cov = await call("GetCoverage", { supervisorId: id });
    const lost = cov.unrecoverableRanges || [];
    // Each backfill's share: the bounded ranges it was created with (what it publishes when it completes).
    const shares = (await Promise.all(cov.supervisorIds.filter((x) => x !== id)
      .map((x) => call("GetSupervisor", { supervisorId: x }).catch(() => null))))
      .filter(Boolean).map((g) => g.supervisor);
    const W = 700, lane = 10;
    const rows = cov.partitions.map((p) => {
      const mine = shares.flatMap((b, i) => (b.spec.boundedRanges || []).filter((r) => r.partition === p.partition).map((r) => ({ r, i, b })));
      const spans = [...p.published, ...p.gaps, ...lost.filter((u) => u.partition === p.partition), ...p.overlaps.map((o) => o.range), ...mine.map((m) => m.r)];
      const lo = Math.min(...spans.map((r) => num(r.startOffset))), hi = Math.max(...spans.map((r) => num(r.endOffset)));
      const x = (v) => 5 + ((num(v) - lo) / Math.max(1, hi - lo)) * (W - 10);
      const bar = (r, color, y, hgt, kind) => s("rect", { x: x(r.startOffset), y, width: Math.max(1, x(r.endOffset) - x(r.startOffset)), height: hgt, fill: color, "data-kind": kind },
        s("title", {}, `${kind} ${range(r)}`));
      return [p.partition,
        h("td", {}, s("svg", { width: W, height: 36 + lane * shares.length, "data-partition": p.partition },
          ...p.published.map((r) => bar(r, "#2b8a3e", 4, 16, "published")),
          ...p.gaps.map((r) => bar(r, "#e03131", 4, 16, "gap")),
          ...lost.filter((u) => u.partition === p.partition).map((r) => bar(r, "#868e96", 8, 8, "unrecoverable")), // inside its gap
          ...p.overlaps.map((o) => bar(o.range, "#f59f00", 20, 8, "overlap")),
          ...mine.map((m) => bar(m.r, SHARE_COLORS[m.i % SHARE_COLORS.length], 35 + lane * m.i, lane - 2, `share of ${m.b.id}`)),
          s("text", { x: 5, y: 32 }, String(lo)), s("text", { x: W - 60, y: 32 }, String(hi)))),
        p.published.map(range).join(" "), numCell(p.gaps.reduce((n, g) => n + num(g.endOffset) - num(g.startOffset), 0)),
        p.overlaps.map((o) => `${range(o.range)} by ${o.supervisorIds.join(", ")}`).join("; ") || "-"];
    });
    const full = num(cov.totalGaps) === 0 && num(cov.totalOverlaps) === 0;
    const lostTotal = lost.reduce((n, u) => n + num(u.endOffset) - num(u.startOffset), 0);
    body.replaceChildren(
      h("p", { id: "coverage-summary", "data-full": String(full) }, full ? "Complete: no gap and no overlap - nothing lost, nothing ingested twice."
        : `${cov.totalGaps} offsets missing, ${cov.totalOverlaps} published twice.`
          + (lostTotal && num(cov.totalGaps) <= lostTotal ? " Every missing offset was deleted by retention before a backfill could read it (unrecoverable)." : ""),
      ` Supervisors: ${cov.supervisorIds.join(", ")}.`),
      cov.partitions.length ? table(["Partition", "Offsets", "Published", "Gap offsets", "Overlaps"], rows, { id: "coverage" })
        : h("p", { class: "muted" }, "Nothing published yet."),
      shares.length ? h("p", { class: "legend" }, "Backfill shares (the ranges each was created to read): ",
        shares.map((b, i) => h("span", {}, h("i", { class: "swatch", style: `background:${SHARE_COLORS[i % SHARE_COLORS.length]}` }), `${b.id} (${stateName(b.state)})`))) : "",
      lost.length ? h("p", {}, `Unrecoverable: ${lost.map((u) => `partition ${u.partition} ${range(u)}`).join(", ")}`) : "");
  }));
}

route();
