import { call, health, settings } from "./lib/api.js";
import { pageLang, sayer, translate } from "./lib/lang.js";

const $ = (id) => document.getElementById(id);

async function show() {
  const lang = await pageLang();
  const t = sayer(lang);
  translate(lang);
  const h = await health();
  const server = h.server.replace(/[<>&"]/g, "");
  $("server").innerHTML = !h.running
    ? `<span class="bad">${t("本机服务没有运行", "The server is not running")}</span><br><small>${t(`运行 <code>refundproof serve</code>，或 <code>refundproof service install</code> 让它开机自动运行（${server}）`, `Run <code>refundproof serve</code>, or <code>refundproof service install</code> to start it with the computer (${server})`)}</small>`
    : h.paired
      ? `<span class="ok">${t("服务运行中，已配对", "Running and paired")}</span>`
      : `<span class="bad">${t("服务运行中，尚未配对", "Running, not paired")}</span><br><small>${t("运行 <code>refundproof pair</code>，把配对码填进设置页。", "Run <code>refundproof pair</code> and type the code on the options page.")}</small>`;
  const [tab] = await chrome.tabs.query({ active: true, currentWindow: true });
  let origins = [];
  try {
    const pong = await chrome.tabs.sendMessage(tab.id, { type: "rp:ping" });
    origins = pong.origins || [];
    $("page").textContent = pong.site
      ? t(`本页：${pong.platform}，找到 ${pong.photos} 张图片`, `This page: ${pong.platform}, ${pong.photos} images found`)
      : t("本页不是已知的退款页面：可以手动选择图片。", "Not a known refund page: pick images by hand.");
  } catch {
    $("page").textContent = t("可以手动选择本页图片。", "You can pick images on this page.");
  }
  $("verify").onclick = async () => {
    // Image hosts outside the declared CDNs: ask once (this click is the user's gesture). If
    // the seller says no, the page's own copy or a canvas copy is used, and labelled so.
    const missing = [];
    for (const origin of origins) {
      if (!(await chrome.permissions.contains({ origins: [origin] }))) missing.push(origin);
    }
    if (missing.length) {
      try {
        await chrome.permissions.request({ origins: missing });
      } catch {}
    }
    await chrome.runtime.sendMessage({ type: "rp:verify-tab", tabId: tab.id });
    window.close();
  };
  // the desk opens signed in by a one-time link: the token never enters the page
  $("desk").onclick = async () => {
    try {
      const { server } = await settings();
      const { path } = await call("/api/desk/link", { method: "POST" });
      await chrome.tabs.create({ url: `${server}${path}&lang=${lang}` });
      window.close();
    } catch (e) {
      $("server").textContent = e.zh ? t(e.zh, e.en) : String(e);
    }
  };
  $("side").onclick = async () => {
    await chrome.sidePanel.open({ tabId: tab.id });
    window.close();
  };
}
show();
