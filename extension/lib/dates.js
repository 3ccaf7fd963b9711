// Dates of a case's timeline as the consoles show them and sellers write them, read one way:
// the twin of server/domain/dates.py (tests/test_dates.py runs both over the same forms; read
// its docstring for what is accepted and why). Owns globalThis.RPDates: parse(text) gives the
// stored form (ISO 8601 with +08:00, or a whole day as 2026-11-18) or null; timeline(facts)
// replaces each timeline date by its stored form and takes out the ones it cannot read, so
// that a date is never sent as text. Listed among the content scripts, and plain enough for
// node.
globalThis.RPDates = (() => {
  // server/domain/cases.py TIMELINE (a test keeps them equal)
  const TIMELINE = ["ordered_at", "shipped_at", "delivered_at", "refund_requested_at"];
  const DATE = String.raw`(?<y>\d{4})(?:(?<sep>[-/.])(?<m>\d{1,2})\k<sep>(?<d>\d{1,2})|\s*年\s*(?<zm>\d{1,2})\s*月\s*(?<zd>\d{1,2})\s*(?<ri>[日号])?)`;
  const TIME = String.raw`(?<H>\d{1,2})(?::(?<M>\d{2})(?::(?<S>\d{2})(?:[.,]\d+)?)?|\s*[时点]\s*(?:(?<zM>\d{1,2})\s*分\s*(?:(?<zS>\d{1,2})\s*秒)?)?)`;
  const ZONE = String.raw`(?<Z>Z)|(?<off>[+-]\d{2}:?\d{2})|\(?(?:UTC|GMT)\s*\+\s*0?8(?::?00)?\)?|\(?北京时间\)?`;
  const FORM = new RegExp(String.raw`^${DATE}(?:(?:T|\s+|(?<=[日号])\s*)${TIME}\s*(?:${ZONE})?)?$`, "i");
  const CHINA_MS = 8 * 3600 * 1000;
  const pad = (n, w = 2) => String(n).padStart(w, "0");

  const parse = (text) => {
    if (typeof text !== "string") return null;
    const g = text.normalize("NFKC").trim().split(/\s+/).join(" ").match(FORM)?.groups;
    if (!g) return null;
    const year = Number(g.y);
    const month = Number(g.m ?? g.zm);
    const day = Number(g.d ?? g.zd);
    if (year < 2000 || year > 2099) return null;
    const hour = g.H === undefined ? 0 : Number(g.H);
    const minute = Number(g.M ?? g.zM ?? 0);
    const second = Number(g.S ?? g.zS ?? 0);
    // a date or time that does not exist (2026-02-30, 25:00) comes back different
    const probe = new Date(Date.UTC(year, month - 1, day, hour, minute, second));
    if (probe.getUTCFullYear() !== year || probe.getUTCMonth() !== month - 1 || probe.getUTCDate() !== day ||
        probe.getUTCHours() !== hour || probe.getUTCMinutes() !== minute || probe.getUTCSeconds() !== second) return null;
    if (g.H === undefined) return `${pad(year, 4)}-${pad(month)}-${pad(day)}`;
    let offsetMs = CHINA_MS; // no offset written: China time
    if (g.Z) offsetMs = 0;
    if (g.off) {
      const hh = Number(g.off.slice(1, 3));
      const mm = Number(g.off.slice(-2));
      if (hh > 23 || mm > 59) return null;
      offsetMs = (g.off[0] === "-" ? -1 : 1) * (hh * 60 + mm) * 60000;
    }
    const china = new Date(probe.getTime() - offsetMs + CHINA_MS);
    return `${pad(china.getUTCFullYear(), 4)}-${pad(china.getUTCMonth() + 1)}-${pad(china.getUTCDate())}T` +
      `${pad(china.getUTCHours())}:${pad(china.getUTCMinutes())}:${pad(china.getUTCSeconds())}+08:00`;
  };

  // {facts, unreadable}: the facts with each timeline date in its stored form, and the
  // dates that could not be read ([{key, text}]), which the panel names and nobody sends.
  const timeline = (facts) => {
    const out = { ...facts };
    const unreadable = [];
    for (const key of TIMELINE) {
      if (!out[key]) continue;
      const iso = parse(String(out[key]));
      if (iso) out[key] = iso;
      else {
        unreadable.push({ key, text: String(out[key]).slice(0, 80) });
        delete out[key];
      }
    }
    return { facts: out, unreadable };
  };

  return { TIMELINE, parse, timeline };
})();
