// The shop catalogue, from the background worker: pictures go to the local server's
// /api/catalog at their original size with the page and image address they came from.
import { ApiError, call } from "./api.js";

const KINDS = { main: "主图", sku: "SKU图", detail: "详情图" };

// One picture's bytes into the catalogue; the server skips one it already holds.
export async function catalogUpload(bytes, meta) {
  const form = new FormData();
  form.append("file", new Blob([bytes]), meta.file_name || "image");
  const clean = {};
  for (const k of ["file_name", "page_url", "image_url", "sku", "title", "method"]) {
    if (meta[k]) clean[k] = String(meta[k]).slice(0, 2000);
  }
  form.append("meta", JSON.stringify(clean));
  const answer = await call("/api/catalog", { method: "POST", body: form });
  return { added: answer.added.length, duplicate: answer.duplicates.length };
}

// Pictures named by address (a product page's main, SKU and detail images): each fetched
// with the extension's permissions, exactly at the address given (the page already asked
// for the original size), then kept. One that fails is named; the rest go on.
export async function catalogAdd(pictures) {
  const out = [];
  for (const p of pictures) {
    let response;
    try {
      response = await fetch(p.url, { credentials: "include", cache: "no-store" });
    } catch {
      out.push({ url: p.url, ok: false, error: { zh: "下载图片失败。", en: "Downloading the picture failed." } });
      continue;
    }
    if (!response.ok) {
      out.push({ url: p.url, ok: false, error: { zh: `图片服务器拒绝下载（HTTP ${response.status}）。`, en: `The image server refused (HTTP ${response.status}).` } });
      continue;
    }
    const name = decodeURIComponent(new URL(p.url).pathname.split("/").pop() || "image");
    try {
      const kept = await catalogUpload(new Uint8Array(await response.arrayBuffer()), {
        file_name: name,
        page_url: p.page_url,
        image_url: p.url,
        sku: p.sku,
        title: [p.title, KINDS[p.kind]].filter(Boolean).join(" · "),
        method: p.method || "extension_product_page",
      });
      out.push({ url: p.url, ok: true, ...kept });
    } catch (e) {
      out.push({ url: p.url, ok: false, error: e instanceof ApiError ? e.toJSON() : { zh: String(e), en: String(e) } });
    }
  }
  return out;
}
