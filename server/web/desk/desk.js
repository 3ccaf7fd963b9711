// The case desk: a page of the local server, signed in by its session cookie (HttpOnly: this
// script never sees it). Plain JavaScript, no build step, nothing loaded from elsewhere.
// Views by the address's hash: #/ (cases, filters in the hash), #/case/<id>, #/numbers.
"use strict";

const params = new URLSearchParams(location.search);
const LANG = (params.get("lang") || localStorage.getItem("rp-desk-lang") || "zh") === "en" ? "en" : "zh";
const t = (zh, en) => (LANG === "en" ? en : zh);
const pick = (texts) => (texts ? texts[LANG === "en" ? "en" : "zh-CN"] || texts["zh-CN"] || "" : "");
const esc = (s) => String(s ?? "").replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
const $ = (sel, root = document) => root.querySelector(sel);
const PAGE = 50;

const STATUSES = [
  ["pending", "待处理", "To do"],
  ["appealed", "已申诉", "Appealed"],
  ["appeal_won", "申诉成功", "Appeal won"],
  ["appeal_lost", "申诉失败", "Appeal lost"],
  ["police", "已报警", "Reported to the police"],
  ["closed", "结案", "Closed"],
];
const statusName = (key) => { const s = STATUSES.find((x) => x[0] === key) || STATUSES[0]; return t(s[1], s[2]); };
const KINDS = [
  ["ai", "AI 生成或 AI 改图", "AI-generated or AI-edited"],
  ["listing_copy", "改自卖家的商品图", "Edited copy of the listing photo"],
  ["reused", "与另一笔退款中的图片相同", "Same photo as in another refund"],
  ["tampered", "内容凭证签名后被改动", "Credentials changed after signing"],
  ["undecodable", "画面无法显示", "Picture cannot be shown"],
  ["other", "其他可疑之处", "Something else"],
];
const LEVELS = {
  decisive: ["确定性证据", "Decisive"], strong: ["有力证据", "Strong"], supporting: ["辅助证据", "Supporting"],
  counter: ["有利买家", "For the buyer"], none: ["未发现异常（不确定）", "Nothing found (inconclusive)"],
  error: ["检查出错", "Check failed"], unverified: ["未核验", "Not verified"],
};
// colours by strength: classes in desk.css (the page's policy allows no inline style)
const tone = (level) => (["decisive", "strong", "supporting", "counter", "none", "error"].includes(level) ? level : "unverified");
// the same words as the extension's (extension/content/render.js), one per check of
// server/checks REGISTRY and VIDEO_REGISTRY: tests/test_desk.py holds the three together
const CHECK_BADGE = {
  listing_match: ["改自商品图", "Edited listing photo"],
  catalog_match: ["改自商品图", "Edited listing photo"],
  reuse: ["重复使用", "Used before"],
  visible_mark: ["AI标识", "AI mark"],
  aigc_label: ["AI标识", "AI label"],
  c2pa: ["AI凭证", "AI credentials"],
  ai_metadata: ["AI生成元数据", "AI metadata"],
  video_label: ["AI标识", "AI label"],
  video_traces: ["AI生成痕迹", "AI generator trace"],
  video_mark: ["AI标识", "AI mark"],
  video_context: ["拍摄信息矛盾", "Recording details conflict"],
  exif_context: ["时间矛盾", "Timeline conflict"],
  forensics: ["可疑区域", "Suspicious region"],
  decoding: ["画面无法显示", "Picture cannot be shown"],
};
const EVENTS = {
  "case.created": ["建立案件", "Case opened"], "case.updated": ["修改案件信息", "Facts changed"],
  "photo.received": ["收到图片", "Photo received"], "case.verified": ["核验", "Verified"],
  "report.created": ["生成签名报告", "Signed report made"], "case.status": ["状态", "Status"],
};
const FACTS = [
  ["platform", "平台", "Platform"], ["order_id", "订单编号", "Order number"], ["refund_id", "退款编号", "Refund number"],
  ["buyer", "买家", "Buyer"], ["amount", "退款金额（元）", "Refund amount (CNY)"], ["reason", "退款原因", "Reason"],
  ["title", "商品", "Item"], ["ordered_at", "下单时间", "Ordered"], ["shipped_at", "发货时间", "Shipped"],
  ["delivered_at", "签收时间", "Delivered"], ["refund_requested_at", "申请退款时间", "Refund requested"],
];
const FILTER_KEYS = ["q", "platform", "kind", "status", "since", "until", "amount_min", "amount_max", "sort"];

const roleName = (role) => ({ evidence: t("退款凭证", "refund evidence"), listing: t("商品图", "listing photo"), page_capture: t("页面截图", "page capture") })[role] || role;
const paren = (text) => esc(t(`（${text}）`, ` (${text})`));
const variantName = (variant) => (variant === "police" ? t("报警材料", "police record") : t("申诉报告", "appeal report"));
const levelBadge = (level) => { const l = level || "unverified"; return `<span class="level ${esc(l)}">${esc(t(...(LEVELS[l] || LEVELS.none)))}</span>`; };
const statusBadge = (key) => `<span class="status ${esc(key || "pending")}">${esc(statusName(key || "pending"))}</span>`;
// times are stored in UTC and shown in the seller's own time zone
const pad = (n) => String(n).padStart(2, "0");
const localDay = (d) => `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
const day = (iso) => {
  const d = new Date(iso);
  return iso && !isNaN(d) ? `${localDay(d)} ${pad(d.getHours())}:${pad(d.getMinutes())}` : String(iso ?? "");
};
// a date range picked in local days, asked of the server as UTC instants (and shown back)
const fromDay = (value, end) => {
  const [y, m, d] = value.split("-").map(Number);
  return new Date(y, m - 1, d + (end ? 1 : 0), 0, 0, 0, end ? -1 : 0).toISOString();
};
const toDay = (iso) => (iso && !isNaN(new Date(iso)) ? localDay(new Date(iso)) : "");

async function api(path, options = {}) {
  const r = await fetch(path, { credentials: "same-origin", ...options });
  if (!r.ok) {
    let body = {};
    try { body = await r.json(); } catch {}
    const err = new Error(t(body.message, body.message_en) || `HTTP ${r.status}`);
    err.status = r.status;
    throw err;
  }
  return r.json();
}

function showError(e) {
  const box = $("#error");
  box.hidden = !e;
  box.textContent = e ? (e.status === 401 ? t("未登录或登录已过期：请在扩展弹窗中点“案件台”，或运行 refundproof desk。", "Not signed in or the session ended: click 案件台 in the extension's popup, or run refundproof desk.") : e.message) : "";
}

function enlarge(src) {
  const box = $("#lightbox");
  $("img", box).src = src;
  box.hidden = false;
}

// ---- the case list

function filtersFromHash() {
  const q = new URLSearchParams(location.hash.split("?")[1] || "");
  const f = {};
  for (const k of FILTER_KEYS) if (q.get(k)) f[k] = q.get(k);
  return { f, offset: Number(q.get("offset") || 0) };
}

function query(f, extra = {}) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries({ ...f, ...extra })) if (v !== "" && v !== undefined && v !== null) q.set(k, v);
  return q.toString();
}

let platformsKnown = null;
async function platforms() {
  if (!platformsKnown) {
    const n = await api("/api/desk/numbers");
    platformsKnown = [...new Set(n.months.map((m) => m.platform).filter(Boolean))].sort();
  }
  return platformsKnown;
}

async function listView() {
  const { f, offset } = filtersFromHash();
  const view = $("#view");
  const options = (list, value) => list.map(([k, zh, en]) => `<option value="${esc(k)}"${k === value ? " selected" : ""}>${esc(t(zh, en))}</option>`).join("");
  const sorts = [["-created_at", "最新在前", "Newest first"], ["created_at", "最早在前", "Oldest first"], ["-amount", "金额从高到低", "Amount, highest first"],
    ["amount", "金额从低到高", "Amount, lowest first"], ["level", "证据从强到弱", "Strongest evidence first"], ["status", "按状态", "By status"]];
  const known = await platforms().catch(() => []);
  view.innerHTML = `
  <form class="filters" id="filters">
    <label>${t("搜索（订单、退款、买家、任意文字）", "Search (order, refund, buyer, any text)")}<input id="q" name="q" type="search" value="${esc(f.q || "")}"></label>
    <label>${t("平台", "Platform")}<select name="platform" id="f-platform"><option value="">${t("全部", "All")}</option>${options(known.map((p) => [p, p, p]), f.platform)}</select></label>
    <label>${t("证据种类", "Evidence kind")}<select name="kind" id="f-kind"><option value="">${t("全部", "All")}</option>${options(KINDS, f.kind)}</select></label>
    <label>${t("状态", "Status")}<select name="status" id="f-status"><option value="">${t("全部", "All")}</option>${options(STATUSES, f.status)}</select></label>
    <label>${t("从", "From")}<input type="date" name="since" id="f-since" value="${esc(toDay(f.since))}"></label>
    <label>${t("到", "To")}<input type="date" name="until" id="f-until" value="${esc(toDay(f.until))}"></label>
    <label>${t("金额 ≥", "Amount ≥")}<input type="number" min="0" step="0.01" name="amount_min" id="f-amount-min" value="${esc(f.amount_min || "")}"></label>
    <label>${t("金额 ≤", "Amount ≤")}<input type="number" min="0" step="0.01" name="amount_max" id="f-amount-max" value="${esc(f.amount_max || "")}"></label>
    <label>${t("排序", "Sort")}<select name="sort" id="f-sort">${options(sorts, f.sort || "-created_at")}</select></label>
    <button class="primary" type="submit" id="search">${t("查找", "Search")}</button>
    <a class="button" href="#/" id="clear">${t("清除", "Clear")}</a>
  </form>
  <div class="bar"><span class="note" id="count"></span><span>
    <a class="button" id="csv" download>${t("导出 CSV（当前筛选）", "Export CSV (these filters)")}</a>
    <button type="button" id="prev">${t("上一页", "Previous")}</button> <button type="button" id="next">${t("下一页", "Next")}</button></span></div>
  <table id="cases"><thead><tr><th>${t("建立时间", "Opened")}</th><th>${t("平台", "Platform")}</th><th>${t("订单编号", "Order")}</th><th>${t("退款编号", "Refund")}</th>
    <th>${t("买家", "Buyer")}</th><th>${t("金额", "Amount")}</th><th>${t("核验结论", "Verdict")}</th><th>${t("状态", "Status")}</th><th>${t("报告", "Reports")}</th></tr></thead><tbody></tbody></table>`;
  $("#filters").onsubmit = (e) => {
    e.preventDefault();
    const data = Object.fromEntries(new FormData(e.target).entries());
    if (data.sort === "-created_at") delete data.sort;
    if (data.since) data.since = fromDay(data.since, false);
    if (data.until) data.until = fromDay(data.until, true);
    location.hash = "#/?" + query(data);
  };
  $("#csv").href = "/api/desk/cases.csv?" + query(f, { lang: LANG });
  const started = performance.now();
  const page = await api("/api/cases?" + query(f, { offset, limit: PAGE }));
  const ms = Math.round(performance.now() - started);
  const body = $("#cases tbody");
  body.innerHTML = page.cases.map((c) => `<tr class="case-row" data-id="${esc(c.id)}">
    <td>${esc(day(c.created_at))}</td><td>${esc(c.platform)}</td><td>${esc(c.order_id)}</td><td>${esc(c.refund_id)}</td>
    <td>${esc(c.buyer)}</td><td class="num">${esc(c.amount)}</td><td>${levelBadge(c.level)}</td><td>${statusBadge(c.status)}</td>
    <td class="num">${esc(c.reports ?? "")}</td></tr>`).join("") || `<tr><td colspan="9" class="muted">${t("没有符合条件的案件。", "No case matches.")}</td></tr>`;
  body.querySelectorAll("tr.case-row").forEach((row) => (row.onclick = () => (location.hash = "#/case/" + row.dataset.id)));
  const last = Math.min(offset + PAGE, page.total);
  const count = $("#count");
  count.dataset.ms = ms;
  count.dataset.total = page.total;
  count.textContent = page.total
    ? t(`第 ${offset + 1}–${last} 条，共 ${page.total} 条（${ms} 毫秒）`, `${offset + 1}–${last} of ${page.total} (${ms} ms)`)
    : t("共 0 条", "0 cases");
  $("#prev").disabled = offset === 0;
  $("#next").disabled = last >= page.total;
  $("#prev").onclick = () => (location.hash = "#/?" + query(f, { offset: Math.max(0, offset - PAGE) }));
  $("#next").onclick = () => (location.hash = "#/?" + query(f, { offset: offset + PAGE }));
}

// ---- one case

function photoBadge(p) {
  if (p.role === "listing") return t("商品图", "Listing photo");
  const level = p.verdict.level;
  if (["decisive", "strong", "supporting"].includes(level)) {
    const top = p.findings.find((f) => f.strength === level);
    return t(...(CHECK_BADGE[top?.check] || ["可疑", "Suspicious"]));
  }
  return t(...(LEVELS[level] || LEVELS.none));
}

function photosHtml(caseId, stored, result) {
  const checked = Object.fromEntries((result?.photos || []).map((p) => [p.sha256, p]));
  return stored.map((s) => {
    const p = checked[s.sha256];
    const src = `/api/cases/${encodeURIComponent(caseId)}/photos/${s.sha256}`;
    const badge = p ? photoBadge(p) : t("未核验", "Not verified");
    const findings = (p?.findings || []).filter((f) => f.strength !== "none").map((f) => {
      const fig = f.data?.figure ? `<img class="figure" alt="${t("图示", "figure")}" src="/api/figures/${esc(f.data.figure.sha256)}">` : "";
      return `<li data-check="${esc(f.check)}"><span class="strength fg-${tone(f.strength)}">${esc(f.strength_name || f.strength)}</span>${esc(f.summary)}${fig}</li>`;
    }).join("");
    const role = roleName(s.role);
    // a video plays in place (its frames are what the checks looked at); a photo is an image
    const original = s.media === "video"
      ? `<video class="original" controls preload="metadata" src="${esc(src)}"></video>`
      : `<img class="original" alt="" src="${esc(src)}">`;
    return `<div class="photo" data-sha="${esc(s.sha256)}">${original}
      <span class="badge level ${p ? tone(p.verdict.level) : "unverified"}">${esc(badge)}</span> <span class="muted">${esc(role)}</span>
      <div>${esc(s.source?.file_name || "")}</div>
      ${p ? `<div>${esc(p.verdict.summary)}</div><ul>${findings || `<li>${t("未发现异常（不确定，不代表图片真实）", "Nothing found (inconclusive)")}</li>`}</ul>` : ""}
      <div class="sha">SHA-256 ${esc(s.sha256)}</div></div>`;
  }).join("");
}

function linksHtml(links) {
  const part = (name, rows, why) => rows.length
    ? `<h3>${name}</h3><ul>${rows.map((r) => `<li><a href="#/case/${esc(r.id)}" class="link-case">${esc(r.id)}</a> ${esc(r.platform)} ${esc(r.order_id || r.refund_id || "")} ${esc(r.buyer || "")} ${esc(r.amount || "")} ${statusBadge(r.status)}${why(r)}</li>`).join("")}</ul>`
    : "";
  const html = part(t("使用了同一张图片的退款", "Refunds that used the same photo"), links.photo, (r) => ` <span class="muted">${r.shared.length ? `${r.shared.length} ${t("张相同", "shared")}` : t("近似副本（核验时发现）", "a near copy (found by the check)")}</span>`)
    + part(t("同一平台的同一买家", "The same buyer on the same platform"), links.buyer, () => "")
    + part(t("同一生成服务（生成者编码）", "The same generator (producer code)"), links.producer, (r) => ` <span class="muted">${esc(r.shared.join(", "))}</span>`);
  return html || `<p class="muted">${t("没有关联的案件。", "No linked cases.")}</p>`;
}

function historyHtml(lines) {
  return lines.map((e) => {
    const [zh, en] = EVENTS[e.event] || [e.event, e.event];
    const d = e.data;
    let what = "";
    if (e.event === "case.status") {
      what = (d.status ? ` ${statusName(d.from)} → ${statusName(d.status)}` : "") + ["appealed_at", "appeal_id", "police_at", "police_station", "police_receipt"].filter((k) => d[k]).map((k) => ` ${esc(d[k])}`).join("") + (d.note ? ` · ${esc(d.note)}` : "");
    } else if (e.event === "report.created") what = ` ${esc(d.report)}${paren(variantName(d.variant))}`;
    else if (e.event === "photo.received") what = ` ${esc(d.sha256.slice(0, 12))}…${paren(roleName(d.role))}`;
    else if (e.event === "case.verified") what = ` ${esc(t(...(LEVELS[d.level] || [d.level, d.level])))}`;
    return `<li data-event="${esc(e.event)}"><span class="when">#${e.seq} ${esc(day(e.at))}</span>${esc(t(zh, en))}${what}</li>`;
  }).join("");
}

function reportsHtml(reports) {
  if (!reports.length) return `<p class="muted">${t("还没有生成报告：在扩展的面板中点“下载申诉报告”或“下载报警材料”。", "No report yet: make one from the extension's panel.")}</p>`;
  return `<ul>${reports.map((r) => {
    const kind = variantName(r.variant);
    const images = (r.appeal_images || []).map((i) => `<li><a href="${esc(r.urls[i.name])}" download="${esc(i.name)}" class="appeal-image">${esc(pick(i.platform_name))} ${esc(pick(i.form_name))} ${i.n}/${i.max_images}</a></li>`).join("");
    return `<li class="report"><b>${esc(kind)}</b> ${esc(r.id)} · ${esc(day(r.created_at))} · <a href="${esc(r.urls["report.pdf"])}" class="report-pdf">PDF</a> <span class="sha">SHA-256 ${esc(r.sha256)}</span>${images ? `<ul>${images}</ul>` : ""}</li>`;
  }).join("")}</ul>`;
}

function statusForm(status) {
  const v = (k) => esc(status[k] || "");
  return `<form class="status-form" id="status-form">
    <label>${t("状态", "Status")}<select name="status" id="status-select">${STATUSES.map(([k, zh, en]) => `<option value="${k}"${k === status.value ? " selected" : ""}>${esc(t(zh, en))}</option>`).join("")}</select></label>
    <label>${t("申诉日期", "Appeal date")}<input type="date" name="appealed_at" value="${v("appealed_at")}"></label>
    <label>${t("平台申诉单号", "Platform appeal id")}<input name="appeal_id" id="appeal-id" value="${v("appeal_id")}"></label>
    <label>${t("报警日期", "Date reported")}<input type="date" name="police_at" value="${v("police_at")}"></label>
    <label>${t("派出所", "Police station")}<input name="police_station" value="${v("police_station")}"></label>
    <label>${t("回执号", "Receipt number")}<input name="police_receipt" value="${v("police_receipt")}"></label>
    <label>${t("备注", "Note")}<textarea name="status_note" id="status-note">${v("note")}</textarea></label>
    <button class="primary" type="submit" id="save-status">${t("保存状态", "Save status")}</button><span class="saved" id="status-saved"></span>
  </form>`;
}

async function caseView(caseId) {
  const view = $("#view");
  const c = await api(`/api/desk/cases/${encodeURIComponent(caseId)}?lang=${LANG}`);
  const facts = c.case.facts;
  const verdict = c.result?.case.verdict;
  view.innerHTML = `
  <p><a href="#/">← ${t("返回案件列表", "Back to the cases")}</a></p>
  <section class="box"><h2>${t("案件", "Case")} <span id="case-id">${esc(c.case.id)}</span> ${statusBadge(c.status.value)}</h2>
    ${verdict ? `<p class="verdict fg-${tone(verdict.level)}">${esc(verdict.summary)}</p>` : `<p class="muted">${t("还没有核验。", "Not verified yet.")}</p>`}
    <div class="actions"><a class="button primary" id="package" href="/api/cases/${encodeURIComponent(c.case.id)}/package">${t("下载证据包（zip）", "Download the evidence package (zip)")}</a></div></section>
  <div class="grid2">
    <section class="box"><h2>${t("案件信息", "Facts")}</h2><dl class="facts">${FACTS.filter(([k]) => facts[k]).map(([k, zh, en]) => `<dt>${esc(t(zh, en))}</dt><dd data-fact="${k}">${esc(facts[k])}</dd>`).join("")}
      <dt>${t("建立时间", "Opened")}</dt><dd>${esc(day(c.case.created_at))}</dd></dl></section>
    <section class="box"><h2>${t("处理状态", "What happened next")}</h2>${statusForm(c.status)}</section>
  </div>
  <section class="box"><h2>${t("图片与发现", "Photos and findings")}</h2><div class="photos">${photosHtml(c.case.id, c.case.photos, c.result)}</div></section>
  <div class="grid2">
    <section class="box" id="reports"><h2>${t("报告与申诉图片", "Reports and appeal images")}</h2>${reportsHtml(c.reports)}</section>
    <section class="box" id="links"><h2>${t("关联案件", "Linked cases")}</h2>${linksHtml(c.links)}</section>
  </div>
  <section class="box"><h2>${t("历史（审计日志）", "History (audit log)")}</h2><ol class="history" id="history">${historyHtml(c.history)}</ol></section>`;
  view.querySelectorAll("img.original, img.figure").forEach((img) => (img.onclick = () => enlarge(img.src)));
  $("#status-form").onsubmit = async (e) => {
    e.preventDefault();
    const body = {};
    // every field as it stands: one emptied clears it; an empty date of the status set is today
    for (const [k, value] of new FormData(e.target).entries()) body[k] = value;
    try {
      await api(`/api/cases/${encodeURIComponent(caseId)}`, { method: "PATCH", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
      await caseView(caseId);
      $("#status-saved").textContent = t("已保存", "Saved");
    } catch (err) {
      showError(err);
    }
  };
}

// ---- the numbers

async function numbersView() {
  const n = await api("/api/desk/numbers");
  const money = (x) => Number(x).toFixed(2);
  $("#view").innerHTML = `
  <section class="box"><h2>${t("每月、每个平台", "Per month and platform")}</h2>
  <table id="months"><thead><tr><th>${t("月份", "Month")}</th><th>${t("平台", "Platform")}</th><th>${t("案件", "Cases")}</th><th>${t("已核验", "Checked")}</th>
    <th>${t("有证据", "With evidence")}</th><th>${t("涉及金额（元）", "Amount (CNY)")}</th><th>${t("有证据的金额", "Amount with evidence")}</th>
    <th>${t("申诉", "Appeals")}</th><th>${t("申诉成功", "Won")}</th><th>${t("申诉失败", "Lost")}</th></tr></thead><tbody>
    ${n.months.map((m) => `<tr><td>${esc(m.month)}</td><td>${esc(m.platform || "—")}</td><td class="num">${m.cases}</td><td class="num">${m.checked}</td><td class="num">${m.with_evidence}</td>
      <td class="num">${money(m.amount)}</td><td class="num">${money(m.amount_with_evidence)}</td><td class="num">${m.appeals}</td><td class="num won">${m.won}</td><td class="num lost">${m.lost}</td></tr>`).join("")}
  </tbody></table></section>
  <section class="box"><h2>${t("重复退款的买家（同一平台）", "Buyers with repeated refunds (same platform)")}</h2>
  <p class="muted">${t("多次退款的金额累计可能达到报案标准：带上每个案件的证据包。", "Repeated refunds by one person add up; a police report counts them together: take each case's evidence package.")}</p>
  <table id="repeat"><thead><tr><th>${t("平台", "Platform")}</th><th>${t("买家", "Buyer")}</th><th>${t("退款次数", "Refunds")}</th><th>${t("合计金额（元）", "Total (CNY)")}</th><th>${t("有证据", "With evidence")}</th><th>${t("案件", "Cases")}</th></tr></thead><tbody>
    ${n.repeat_buyers.map((b) => `<tr><td>${esc(b.platform)}</td><td>${esc(b.buyer)}</td><td class="num">${b.refunds}</td><td class="num">${money(b.total_amount)}</td><td class="num">${b.with_evidence}</td>
      <td>${b.cases.map((c) => `<a href="#/case/${esc(c.id)}">${esc(c.order_id || c.refund_id || c.id)}</a>`).join(" ")}</td></tr>`).join("") || `<tr><td colspan="6" class="muted">${t("没有。", "None.")}</td></tr>`}
  </tbody></table></section>`;
}

// ---- routing

async function route() {
  showError(null);
  const hash = location.hash || "#/";
  document.querySelectorAll("header nav a").forEach((a) => a.classList.remove("on"));
  try {
    if (hash.startsWith("#/case/")) {
      await caseView(decodeURIComponent(hash.slice(7).split("?")[0]));
    } else if (hash.startsWith("#/numbers")) {
      $("#nav-numbers").classList.add("on");
      await numbersView();
    } else {
      $("#nav-cases").classList.add("on");
      await listView();
    }
    document.body.dataset.ready = hash;
  } catch (e) {
    showError(e);
    document.body.dataset.ready = "error";
  }
}

document.documentElement.lang = LANG === "en" ? "en" : "zh-CN";
document.querySelectorAll("[data-t]").forEach((el) => { const [zh, en] = el.dataset.t.split("|"); el.textContent = t(zh, en); });
document.title = t("RefundProof 案件台", "RefundProof case desk");
$("#lang").textContent = LANG === "en" ? "中文" : "English";
$("#lang").onclick = () => {
  const next = LANG === "en" ? "zh" : "en";
  localStorage.setItem("rp-desk-lang", next);
  location.href = `/desk?lang=${next}${location.hash}`;
};
$("#lightbox").onclick = () => ($("#lightbox").hidden = true);
window.addEventListener("hashchange", route);
if (params.get("lang")) localStorage.setItem("rp-desk-lang", LANG);
route();
