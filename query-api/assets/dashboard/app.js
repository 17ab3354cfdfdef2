// The live dashboard: lists the open and upcoming drops and watches the chosen one through its
// server-sent events. Plain DOM and SVG, no dependencies: query-api serves this file as it is.

/** Seconds of rate history the chart shows. */
const CHART_SECONDS = 300;
const MIN_SPAN_SECONDS = 30;
const CHART_W = 600;
const CHART_H = 160;
/** How often the lists and the top products are read again. */
const LIST_REFRESH_MS = 10_000;
const TOP_REFRESH_MS = 5_000;
/** A stream the server refused (429, 503) is not retried by EventSource itself; this page retries it after this long. */
const REFUSED_RETRY_MS = 2_000;

const $ = (id) => document.getElementById(id);

/** A DOM element with attributes and children (strings become text, never markup). */
function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  for (const c of children) el.append(c);
  return el;
}

const fmt = (n) => Number(n).toLocaleString("en-US", { maximumFractionDigits: 1 });
const when = (iso) => (iso ? new Date(iso).toLocaleString("en-US", { dateStyle: "medium", timeStyle: "short" }) : "—");

async function getJson(path) {
  const res = await fetch(path, { headers: { accept: "application/json" } });
  if (!res.ok) throw new Error(`${path} answered ${res.status}`);
  return res.json();
}

const watched = { kind: null, id: null, source: null, retry: null, rate: 0, rates: [], connectedOnce: false };

function setConn(state, text) {
  const el = $("conn");
  el.dataset.state = state;
  el.textContent = text;
}

// ---- lists ----

function item(kind, id, name, detail) {
  const button = h("button", { type: "button", "data-kind": kind, "data-id": id }, name, h("small", {}, detail));
  if (watched.kind === kind && watched.id === id) button.setAttribute("aria-current", "true");
  button.addEventListener("click", () => {
    location.hash = `${kind}=${encodeURIComponent(id)}`;
  });
  return h("li", {}, button);
}

async function loadLists() {
  try {
    const [open, scheduled, claimable, upcoming] = await Promise.all([
      getJson("/events?status=OPEN&limit=20"),
      getJson("/events?status=SCHEDULED&limit=20"),
      getJson("/coupons?status=OPEN&limit=20"),
      getJson("/coupons?status=UPCOMING&limit=20"),
    ]);
    const events = [...open.items, ...scheduled.items].map((e) =>
      item("event", e.eventId, e.name, e.status === "OPEN" ? "open now" : `opens ${when(e.opensAt)}`),
    );
    const coupons = [
      ...claimable.items.map((c) => item("coupon", c.couponId, c.name, `open · ${fmt(c.remaining)} left`)),
      ...upcoming.items.map((c) => item("coupon", c.couponId, c.name, `opens ${when(c.claimOpensAt)}`)),
    ];
    $("events").replaceChildren(...(events.length > 0 ? events : [h("li", { class: "none" }, "none open or upcoming")]));
    $("coupons").replaceChildren(...(coupons.length > 0 ? coupons : [h("li", { class: "none" }, "none open or upcoming")]));
  } catch {
    // Kept as they were; the next refresh tries again.
  }
}

// ---- bars ----

function bar(key, label, total) {
  return h(
    "div",
    { class: "bar", "data-key": key, "data-total": total },
    h(
      "div",
      { class: "label" },
      h("span", {}, label),
      h("span", {}, h("b", { class: "remaining", "data-value": 0 }), " left · ", h("span", { class: "used", "data-value": 0 }), " taken of ", fmt(total)),
    ),
    h("div", { class: "track" }, h("div", { class: "fill" })),
  );
}

function setBar(key, remaining, used) {
  const el = document.querySelector(`.bar[data-key="${CSS.escape(key)}"]`);
  if (!el) return;
  const total = Number(el.dataset.total);
  for (const [cls, value] of [
    ["remaining", remaining],
    ["used", used],
  ]) {
    const v = el.querySelector(`.${cls}`);
    v.dataset.value = String(value);
    v.textContent = fmt(value);
  }
  el.querySelector(".fill").style.width = `${total > 0 ? (100 * remaining) / total : 0}%`;
}

// ---- rate chart ----

function setRate(perSecond) {
  watched.rate = perSecond;
  $("rate").dataset.value = String(perSecond);
  $("rate").textContent = fmt(perSecond);
  // The current second shows the figure just received, so the chart never lags the number above it.
  if (watched.rates.length > 0) {
    watched.rates[watched.rates.length - 1] = perSecond;
    drawChart();
  }
}

/** One sample a second; the chart spans the history it has (at least 30 s, at most CHART_SECONDS), newest at the right. */
function sampleRate() {
  if (!watched.id) return;
  watched.rates.push(watched.rate);
  if (watched.rates.length > CHART_SECONDS) watched.rates.shift();
  drawChart();
}

function drawChart() {
  const span = Math.min(CHART_SECONDS, Math.max(MIN_SPAN_SECONDS, watched.rates.length));
  const peak = Math.max(...watched.rates);
  const top = Math.max(1, peak) * 1.15;
  const step = CHART_W / (span - 1);
  const offset = span - watched.rates.length;
  const points = watched.rates.map((v, i) => `${((offset + i) * step).toFixed(1)},${(CHART_H - (v / top) * CHART_H).toFixed(1)}`);
  $("line").setAttribute("points", points.join(" "));
  $("span").textContent = span >= 120 ? `last ${Math.round(span / 60)} min` : `last ${span} s`;
  $("peak").textContent = `peak ${fmt(peak)} / s`;
}

// ---- top products ----

async function loadTop() {
  if (!watched.id) return;
  try {
    const ranking = await getJson("/rankings/products?period=DAILY&by=QUANTITY&limit=5");
    $("top").replaceChildren(...ranking.items.map((p) => h("li", {}, `${p.name} `, h("span", {}, `${fmt(p.quantity)} sold`))));
    if (ranking.items.length === 0) $("top").replaceChildren(h("li", {}, h("span", {}, "no paid orders yet today")));
  } catch {
    // The next refresh tries again.
  }
}

// ---- the stream ----

function showSnapshot(kind, snap) {
  $("view").hidden = false;
  $("empty").hidden = true;
  $("title").textContent = snap.name;
  if (kind === "coupon") {
    $("meta").textContent = `Coupon drop · claims from ${when(snap.claimOpensAt)}${snap.claimClosesAt ? ` to ${when(snap.claimClosesAt)}` : ""}`;
    $("bars").replaceChildren(bar("coupon", "Coupons", snap.quantity));
    setBar("coupon", snap.remaining, snap.claimed);
  } else {
    showStatus(snap.status, snap);
    $("bars").replaceChildren(...snap.deals.map((d) => bar(d.dealId, d.productName, d.stock)));
    for (const d of snap.deals) setBar(d.dealId, d.remaining, d.sold);
  }
}

function showStatus(status, snap) {
  $("meta").dataset.status = status;
  $("meta").textContent = snap
    ? `Sale event · ${status} · from ${when(snap.opensAt)}${snap.closesAt ? ` to ${when(snap.closesAt)}` : ""}`
    : `Sale event · ${status}`;
}

function connect() {
  const { kind, id } = watched;
  const path = kind === "coupon" ? `/coupons/${encodeURIComponent(id)}/live` : `/events/${encodeURIComponent(id)}/live`;
  const source = new EventSource(path);
  watched.source = source;
  setConn(watched.connectedOnce ? "reconnecting" : "connecting", watched.connectedOnce ? "reconnecting…" : "connecting…");
  const on = (event, handle) =>
    source.addEventListener(event, (e) => {
      if (watched.source === source) handle(JSON.parse(e.data));
    });
  // Every (re)connection starts with a snapshot, so the page resumes from the current figures.
  on("snapshot", (snap) => {
    watched.connectedOnce = true;
    setConn("live", "live");
    showSnapshot(kind, snap);
  });
  on("claims", (c) => {
    setBar("coupon", c.remaining, c.claimed);
    const listed = document.querySelector('nav button[aria-current="true"] small');
    if (listed) listed.textContent = c.remaining > 0 ? `open · ${fmt(c.remaining)} left` : "all claimed";
  });
  on("stock", (s) => setBar(s.dealId, s.remaining, s.sold));
  on("status", (s) => showStatus(s.status));
  on("rate", (r) => setRate(kind === "coupon" ? r.perSecond : r.ordersPerSecond));
  source.onerror = () => {
    if (watched.source !== source) return;
    setConn("reconnecting", "reconnecting…");
    // EventSource retries a dropped connection itself (after the server's retry:), but gives up on
    // an answer that is not a stream; then this page tries again.
    if (source.readyState === EventSource.CLOSED) watched.retry = setTimeout(connect, REFUSED_RETRY_MS);
  };
}

function watch(kind, id) {
  watched.source?.close();
  clearTimeout(watched.retry);
  Object.assign(watched, { kind, id, source: null, rate: 0, rates: [], connectedOnce: false });
  for (const b of document.querySelectorAll("nav button")) {
    if (b.dataset.kind === kind && b.dataset.id === id) b.setAttribute("aria-current", "true");
    else b.removeAttribute("aria-current");
  }
  $("rate-unit").textContent = kind === "coupon" ? "claims / s" : "orders / s";
  setRate(0);
  $("line").setAttribute("points", "");
  $("span").textContent = "";
  $("peak").textContent = "";
  connect();
  void loadTop();
}

function fromHash() {
  const m = /^#(event|coupon)=(.+)$/.exec(location.hash);
  if (m) watch(m[1], decodeURIComponent(m[2]));
}

window.addEventListener("hashchange", fromHash);
setInterval(sampleRate, 1_000);
setInterval(loadLists, LIST_REFRESH_MS);
setInterval(loadTop, TOP_REFRESH_MS);
void loadLists();
fromHash();
