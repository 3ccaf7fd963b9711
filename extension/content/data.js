// The facts a console carries as data rather than as text on the page: server-rendered JSON
// (拼多多's Next.js `__NEXT_DATA__`, the old refund2 page's `disputeData = {…}`) and the JSON
// the page's own requests received (千牛's mtop disputedetail, seen by content/page_hook.js).
// Where the data has a fact, it wins over the label on the page; labels stay the fallback.
globalThis.RP = globalThis.RP || { sites: [], loaded: false };

(() => {
  const RP = globalThis.RP;
  if (RP.pageData) return;

  const MAX_TEXT = 2_000_000; // a script or response larger than this is not a refund's data
  const MAX_NODES = 50_000;
  const ASSIGNED = /\b(disputeData|__INITIAL_STATE__|__INITIAL_DATA__|__NUXT__|__APP_DATA__)\s*=\s*(?=[{[])/g;

  // The JSON value that starts at text[start] ({ or [), by bracket matching outside strings.
  const balanced = (text, start) => {
    let depth = 0;
    let quote = null;
    for (let i = start; i < text.length; i++) {
      const c = text[i];
      if (quote) {
        if (c === "\\") i++;
        else if (c === quote) quote = null;
      } else if (c === '"' || c === "'") quote = c;
      else if (c === "{" || c === "[") depth++;
      else if (c === "}" || c === "]") {
        depth--;
        if (depth === 0) return text.slice(start, i + 1);
      }
    }
    return null;
  };

  const parse = (text) => {
    try {
      return JSON.parse(text);
    } catch {
      return undefined;
    }
  };

  // Responses the page received, as content/page_hook.js passed them on; each one is kept
  // with the address the page showed then, so a refund left behind does not lend its data.
  RP.captured = [];
  addEventListener("message", (e) => {
    const m = e.data;
    if (e.source !== window || m?.refundproof !== "page-data" || typeof m.text !== "string") return;
    if (m.text.length > MAX_TEXT) return;
    const json = parse(m.text.replace(/^[\w$.]+\((.*)\)\s*;?\s*$/s, "$1")); // JSONP too
    if (json === undefined) return;
    if (RP.captured.some((c) => c.href === m.href && c.text === m.text)) return; // replayed
    RP.captured.push({ href: m.href, url: String(m.url || ""), text: m.text, json });
    if (RP.captured.length > 20) RP.captured.shift();
  });
  postMessage({ refundproof: "page-data-replay" }, "/");

  // Every data blob of the current page: inline JSON scripts, assigned objects in inline
  // scripts, and what the page's requests received at this address.
  RP.pageData = () => {
    const blobs = [];
    for (const script of document.querySelectorAll("script:not([src])")) {
      const text = script.textContent || "";
      if (!text || text.length > MAX_TEXT) continue;
      if (/json/i.test(script.type)) {
        const json = parse(text);
        if (json && typeof json === "object") blobs.push(json);
        continue;
      }
      for (const m of text.matchAll(ASSIGNED)) {
        const json = parse(balanced(text, m.index + m[0].length) || "");
        if (json && typeof json === "object") blobs.push(json);
      }
    }
    for (const c of RP.captured) if (c.href === location.href) blobs.push(c.json);
    return blobs;
  };

  // Objects breadth-first (the page's own detail sits nearer the top than lists of other
  // orders), bounded so a huge state tree costs little.
  const objects = function* (root) {
    const queue = [root];
    for (let n = 0; n < queue.length && n < MAX_NODES; n++) {
      const node = queue[n];
      if (node && typeof node === "object") {
        if (!Array.isArray(node)) yield node;
        for (const v of Object.values(node)) if (v && typeof v === "object") queue.push(v);
      }
    }
  };

  const SHANGHAI = new Intl.DateTimeFormat("sv-SE", {
    timeZone: "Asia/Shanghai", year: "numeric", month: "2-digit", day: "2-digit",
    hour: "2-digit", minute: "2-digit", second: "2-digit",
  });

  // A value as the fact's text: money in cents (where the site's data says so) as yuan,
  // unix times (seconds or milliseconds) as Beijing time, like the console shows them.
  const asFact = (key, value, data) => {
    if (typeof value === "number" && Number.isFinite(value)) {
      if (data.cents?.includes(key)) return (value / 100).toFixed(2);
      if (data.times?.includes(key) && value > 1e9) return SHANGHAI.format(new Date(value < 1e11 ? value * 1000 : value));
      return String(value);
    }
    return typeof value === "string" && value.trim() && value.length <= 500 ? value.trim() : null;
  };

  const LABEL_KEYS = ["title", "label", "name", "key", "text"];
  const VALUE_KEYS = ["value", "content", "desc", "subTitle", "val"];

  // The object holding the refund whose id is in the address, if the data has it (of
  // several, the one with most of the site's fields: the detail, not the route's echo): its
  // facts come first, so another order listed elsewhere in the state cannot lend its own.
  const scopeOf = (blob, refundId, data) => {
    if (!refundId) return blob;
    const names = new Set(Object.values(data.keys || {}).flat());
    let best = null;
    let bestScore = -1;
    for (const o of objects(blob)) {
      if (!Object.values(o).some((v) => String(v) === refundId)) continue;
      const score = Object.keys(o).filter((k) => names.has(k)).length;
      if (score > bestScore) [best, bestScore] = [o, score];
    }
    return best || blob;
  };

  const readFactsFrom = (blob, site, facts) => {
    const data = site.data || {};
    for (const o of objects(blob)) {
      for (const [fact, keys] of Object.entries(data.keys || {})) {
        if (facts[fact]) continue;
        for (const k of keys) {
          const value = k in o ? asFact(k, o[k], data) : null;
          if (value) {
            facts[fact] = value;
            break;
          }
        }
      }
      // rows drawn from data as {title: "订单编号", value: "…"} (Ultron components and the like)
      const labelKey = LABEL_KEYS.find((k) => typeof o[k] === "string");
      const valueKey = VALUE_KEYS.find((k) => typeof o[k] === "string" || typeof o[k] === "number");
      if (!labelKey || !valueKey) continue;
      const label = o[labelKey].replace(/[:：]\s*$/, "").trim();
      for (const [fact, labels] of Object.entries(site.labels)) {
        if (!facts[fact] && labels.includes(label)) {
          const value = asFact(valueKey, o[valueKey], data);
          if (value) facts[fact] = fact === "amount" ? value.replace(/[^\d.]/g, "") : value;
        }
      }
    }
  };

  const URLISH = /^(https?:)?\/\//;
  const imageUrl = (v) => {
    if (typeof v === "string") return URLISH.test(v) ? v : null;
    if (v && typeof v === "object") {
      for (const k of ["url", "src", "picUrl", "imageUrl", "originUrl", "original"]) {
        if (typeof v[k] === "string" && URLISH.test(v[k])) return v[k];
      }
    }
    return null;
  };

  // {facts, images}: what the page's data says about the refund in the address. `images`
  // are the buyer's evidence photos the data lists (the keys each site's data uses).
  RP.dataCase = (site, refundId) => {
    const facts = {};
    const images = [];
    const data = site.data || {};
    for (const blob of RP.pageData()) {
      const scope = scopeOf(blob, refundId, data);
      readFactsFrom(scope, site, facts);
      if (scope !== blob) readFactsFrom(blob, site, facts);
      if (images.length) continue;
      for (const o of objects(scope)) {
        const key = (data.images || []).find((k) => Array.isArray(o[k]) && o[k].some(imageUrl));
        if (key) {
          images.push(...o[key].map(imageUrl).filter(Boolean).map((u) => new URL(u, location.href).href));
          break;
        }
      }
    }
    return { facts, images: [...new Set(images)] };
  };
})();
