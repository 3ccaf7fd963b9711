// The background worker: the only part that talks to the local server, and the owner of the
// bytes: pages send descriptors (address, role, how it showed), this worker fetches each
// original with the extension's host permissions, hashes and uploads it, and reports
// download straight from the server (a runtime message is capped at 64 MiB; a refund video
// is larger). Pages ask it through runtime messages.
import { ApiError, call, settings } from "./lib/api.js";
import "./lib/base64.js";
import { catalogAdd, catalogUpload } from "./lib/catalog.js";

const { decode: fromBase64 } = globalThis.RPBase64;
// The content scripts, in load order, injected on demand where the manifest does not put
// them (the picker, the context menu): the manifest is the one list.
const CONTENT_FILES = chrome.runtime.getManifest().content_scripts[0].js;

// The server's case facts (server/domain/cases.py CASE_FACTS; a test keeps them equal).
const FACT_KEYS = [
  "platform", "order_id", "refund_id", "buyer", "amount", "reason", "title",
  "ordered_at", "shipped_at", "delivered_at", "refund_requested_at",
];
const KEPT_HEADERS = ["content-type", "content-length", "last-modified", "etag", "date", "server"];

// The context menu in the seller's language (the options page sets it), as the panel.
const MENUS = {
  "rp-image": { contexts: ["image"], words: ["用 RefundProof 核验此图片", "Verify this image with RefundProof"] },
  "rp-page": { contexts: ["page"], words: ["RefundProof：选择本页图片核验", "RefundProof: pick images to verify"] },
};
const menuTitle = async (id) => {
  const { lang } = await chrome.storage.local.get("lang");
  return MENUS[id].words[lang === "en" ? 1 : 0];
};

chrome.runtime.onInstalled.addListener(async () => {
  for (const [id, { contexts }] of Object.entries(MENUS)) {
    chrome.contextMenus.create({ id, contexts, title: await menuTitle(id) });
  }
});
chrome.storage.onChanged.addListener(async (change) => {
  if (!change.lang) return;
  for (const id of Object.keys(MENUS)) chrome.contextMenus.update(id, { title: await menuTitle(id) });
});

chrome.contextMenus.onClicked.addListener((info, tab) => {
  if (!tab?.id) return;
  if (info.menuItemId === "rp-image") verifyImage(tab.id, info.srcUrl);
  if (info.menuItemId === "rp-page") startPicker(tab.id);
});

async function ensureContent(tabId) {
  try {
    const pong = await chrome.tabs.sendMessage(tabId, { type: "rp:ping" });
    if (pong?.ok) return;
  } catch {}
  await chrome.scripting.executeScript({ target: { tabId }, files: CONTENT_FILES });
}

// Called from the context menu, and by the browser tests in place of a menu click.
export async function startPicker(tabId) {
  await ensureContent(tabId);
  return chrome.tabs.sendMessage(tabId, { type: "rp:pick" });
}

export async function verifyImage(tabId, url) {
  await ensureContent(tabId);
  return chrome.tabs.sendMessage(tabId, { type: "rp:add-image", url });
}

export async function verifyPage(tabId) {
  await ensureContent(tabId);
  return chrome.tabs.sendMessage(tabId, { type: "rp:verify-page" });
}

self.RefundProof = { startPicker, verifyImage, verifyPage };


async function sha256hex(bytes) {
  const digest = await crypto.subtle.digest("SHA-256", bytes);
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

async function fetchOriginal(url) {
  let response;
  try {
    response = await fetch(url, { credentials: "include", cache: "no-store" });
  } catch (e) {
    return { ok: false, error: { code: "fetch_failed", zh: "下载图片失败（网络错误或没有权限）。", en: "Downloading the image failed (network error or no permission)." } };
  }
  if (!response.ok) {
    return { ok: false, error: { code: "fetch_refused", zh: `图片服务器拒绝下载（HTTP ${response.status}）。`, en: `The image server refused the download (HTTP ${response.status}).`, status: response.status } };
  }
  const bytes = new Uint8Array(await response.arrayBuffer());
  const headers = {};
  for (const k of KEPT_HEADERS) if (response.headers.get(k)) headers[k] = response.headers.get(k);
  return { ok: true, bytes, url: response.url, headers };
}

// A page's descriptor -> the bytes and how they were obtained: the original address first,
// then the address the page showed; a page-only copy (blob:, canvas) comes with its bytes.
async function obtain(photo) {
  if (photo.b64) return { bytes: fromBase64(photo.b64), photo };
  const fetched_at = new Date().toISOString(); // when the bytes were fetched, not when read
  const got = await fetchOriginal(photo.url);
  if (got.ok) {
    const http_headers = { ...got.headers, "x-displayed-url": photo.displayed };
    return { bytes: got.bytes, photo: { ...photo, fetched_at, method: "original_fetch", source_url: photo.url, http_headers } };
  }
  if (photo.displayed && photo.displayed !== photo.url) {
    const again = await fetchOriginal(photo.displayed);
    if (again.ok) {
      return { bytes: again.bytes, photo: { ...photo, fetched_at, method: "original_fetch", source_url: photo.displayed, http_headers: again.headers, file_name: photo.displayed_name } };
    }
  }
  return { error: got.error };
}

async function upload(caseId, photo, bytes) {
  const sha256 = await sha256hex(bytes);
  const form = new FormData();
  form.append("file", new Blob([bytes]), photo.file_name || "image");
  const meta = {
    role: photo.role,
    sha256,
    method: photo.method,
    source_url: photo.source_url,
    page_url: photo.page_url,
    fetched_at: photo.fetched_at,
    http_headers: photo.http_headers || {},
    file_name: photo.file_name,
  };
  form.append("meta", JSON.stringify(meta));
  await call(`/api/cases/${caseId}/photos`, { method: "POST", body: form });
  return sha256;
}

async function verifyCase(msg, sender) {
  const facts = {};
  for (const k of FACT_KEYS) if (msg.facts?.[k]) facts[k] = String(msg.facts[k]);
  const known = msg.caseId ? await call(`/api/cases/${msg.caseId}`).catch(() => null) : null;
  const theCase = known
    ? await call(`/api/cases/${known.id}`, { method: "PATCH", json: facts })
    : await call("/api/cases", { method: "POST", json: facts });
  const photos = [];
  for (const photo of msg.photos) {
    if (photo.error) {
      photos.push({ key: photo.key, ok: false, error: photo.error });
      continue;
    }
    try {
      const got = await obtain(photo);
      if (got.error) {
        photos.push({ key: photo.key, ok: false, error: got.error });
        continue;
      }
      photos.push({ key: photo.key, ok: true, sha256: await upload(theCase.id, got.photo, got.bytes) });
      // every product picture read on a refund page joins the shop catalogue too
      if (photo.role === "listing") {
        const meta = { file_name: got.photo.file_name, page_url: got.photo.page_url, image_url: got.photo.source_url, method: "extension_refund_page" };
        await catalogUpload(got.bytes, meta).catch(() => null);
      }
    } catch (e) {
      photos.push({ key: photo.key, ok: false, error: e instanceof ApiError ? e.toJSON() : { zh: String(e), en: String(e) } });
    }
  }
  let capture = null;
  if (msg.capture && sender.tab) {
    try {
      const dataUrl = await chrome.tabs.captureVisibleTab(sender.tab.windowId, { format: "png" });
      await upload(theCase.id, {
        role: "page_capture",
        method: "page_capture",
        page_url: sender.tab.url,
        fetched_at: new Date().toISOString(),
        file_name: "page.png",
      }, fromBase64(dataUrl.split(",")[1]));
      capture = { ok: true };
    } catch (e) {
      // without a click on the toolbar button (activeTab) Chrome refuses the capture
      const toolbar = !(e instanceof ApiError) && /activeTab|<all_urls>|permission/i.test(String(e?.message));
      capture = { ok: false, toolbar, error: e instanceof ApiError ? e.toJSON() : { zh: "无法截取页面。", en: "Could not capture the page." } };
    }
  }
  if (sender.tab?.id) await chrome.storage.session.set({ [`case:${sender.tab.id}`]: theCase.id });
  const result = photos.some((p) => p.ok)
    ? await call(`/api/cases/${theCase.id}/verify?lang=${msg.lang === "en" ? "en" : "zh"}`, { method: "POST" })
    : null;
  return { caseId: theCase.id, result, photos, capture };
}

// A file of the server saved by the browser's own download manager, straight from the
// server (the token in a header, never in the address): no bytes cross a message.
async function download(path, fallback) {
  const { server, token } = await settings();
  const head = await call(path, { method: "HEAD", raw: true }); // a clear error before it starts
  // the server's name says platform and order (RefundProof-appeal-taobao-<order>-RPT….pdf)
  const filename = /filename="([^"]+)"/.exec(head.headers.get("content-disposition") || "")?.[1] || fallback;
  const headers = token ? [{ name: "X-RefundProof-Token", value: token }] : [];
  const id = await chrome.downloads.download({ url: server + path, filename, headers, conflictAction: "uniquify" });
  return { downloadId: id, filename };
}

async function makeReport(msg) {
  const record = await call(`/api/cases/${msg.caseId}/reports`, {
    method: "POST",
    json: { variant: msg.variant, lang: msg.lang || "zh" },
  });
  return { record, ...(await download(record.urls["report.pdf"], `RefundProof-${msg.variant}-${record.id}.pdf`)) };
}

// The refund detail may render in a frame inside the console (京麦): the frame that shows
// the most buyer photos verifies them, with the top frame's facts and case. null when no
// frame shows any. Frames of the consoles say they are there when they load (executeScript
// over all frames would fail outright in Chrome if any frame were on a host not permitted).
async function rememberFrame(sender) {
  if (sender.tab?.id === undefined || !sender.frameId) return;
  const key = `frames:${sender.tab.id}`;
  const known = (await chrome.storage.session.get(key))[key] || [];
  if (!known.includes(sender.frameId)) {
    await chrome.storage.session.set({ [key]: [...known, sender.frameId].slice(-50) });
  }
}

const FRAME_WAITS = 6; // × 0.5 s

chrome.tabs.onRemoved.addListener((tabId) => chrome.storage.session.remove([`frames:${tabId}`, `case:${tabId}`]));

async function bestFrame(tabId) {
  const key = `frames:${tabId}`;
  const frames = (await chrome.storage.session.get(key))[key] || [];
  const counts = await Promise.all(frames.map((frameId) =>
    chrome.tabs.sendMessage(tabId, { type: "rp:frame-evidence" }, { frameId })
      .then((r) => ({ frameId, count: r?.count || 0 }))
      .catch(() => ({ frameId, count: 0 })))); // a frame since gone
  return counts.filter((c) => c.count > 0).sort((a, b) => b.count - a.count)[0] || null;
}

async function verifyInFrame(msg, sender) {
  const tabId = sender.tab?.id;
  if (tabId === undefined) return null;
  let best = await bestFrame(tabId);
  for (let i = 0; !best && msg.wait && i < FRAME_WAITS; i++) {
    await new Promise((done) => setTimeout(done, 500));
    best = await bestFrame(tabId);
  }
  if (!best) return null;
  await chrome.tabs.sendMessage(tabId, { type: "rp:verify-frame", facts: msg.facts, unreadable: msg.unreadable, caseId: msg.caseId }, { frameId: best.frameId });
  return best;
}

// A message that names a tab comes from the popup or the side panel, which sit in no tab: a
// content script (always in a tab) may not start work in another tab.
function extensionPageOnly(sender, tabId) {
  if (sender.tab !== undefined) {
    throw new ApiError("not_allowed", "只有扩展的弹窗或侧边栏可以这样做。", "Only the extension's popup or side panel may do this.");
  }
  return tabId;
}

const HANDLERS = {
  "rp:verify": (msg, sender) => verifyCase(msg, sender),
  "rp:verify-in-frame": (msg, sender) => verifyInFrame(msg, sender),
  "rp:frame-ready": (_msg, sender) => rememberFrame(sender),
  // a frame's panel calls, drawn by the top frame
  "rp:top": (msg, sender) =>
    chrome.tabs.sendMessage(sender.tab.id, { type: "rp:panel-call", call: msg.call, args: msg.args }, { frameId: 0 }),
  "rp:report": (msg) => makeReport(msg),
  "rp:findings": (msg) => call(`/api/cases/${msg.caseId}/findings?lang=${msg.lang === "en" ? "en" : "zh"}`),
  "rp:report-file": (msg) => download(`/api/reports/${msg.reportId}/files/${encodeURIComponent(msg.name)}`, msg.name),
  // a figure is a small JPEG shown in the panel (at most 1600 px): it may ride a message
  "rp:figure": async (msg) => {
    const r = await call(`/api/figures/${msg.sha256}`, { raw: true });
    return { b64: globalThis.RPBase64.encode(new Uint8Array(await r.arrayBuffer())) };
  },
  // the case's status, read or set (content/status.js)
  "rp:case-status": (msg) => call(`/api/cases/${msg.caseId}`, msg.change ? { method: "PATCH", json: msg.change } : {}),
  "rp:catalog-add": (msg) => catalogAdd(msg.pictures),
  "rp:verify-tab": (msg, sender) => verifyPage(extensionPageOnly(sender, msg.tabId)),
  "rp:options": () => chrome.runtime.openOptionsPage(),
};

chrome.runtime.onMessage.addListener((msg, sender, reply) => {
  const handler = HANDLERS[msg?.type];
  if (!handler) return false;
  Promise.resolve()
    .then(() => handler(msg, sender))
    .then((value) => reply({ ok: true, value }))
    .catch((e) =>
      reply({ ok: false, error: e instanceof ApiError ? e.toJSON() : { code: "internal", zh: `出错了：${e}`, en: `Something went wrong: ${e}` } }),
    );
  return true; // the reply comes asynchronously
});
