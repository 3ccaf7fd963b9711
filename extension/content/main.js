// Wiring: the 核验 button on recognised refund pages, messages from the extension, and the
// verification itself (bytes -> background -> server -> badges and panel).
(() => {
  const RP = globalThis.RP;
  if (RP.loaded) return;
  RP.loaded = true;

  // The refund's own id from the route (千牛 disputeId, 拼多多 afterSalesId, 京东 afsServiceId,
  // 抖店 aftersale_id …): one refund is one case however the console's app gets there, and
  // two refunds never share one.
  const REFUND_PARAMS = ["disputeId", "afterSalesId", "afsServiceId", "aftersale_id", "refundId", "refund_id", "id"];
  const caseKey = () => {
    const params = new URLSearchParams(location.search);
    const name = REFUND_PARAMS.find((n) => params.get(n));
    const site = RP.currentSite();
    return name
      ? `rp-case:${site?.id || location.host}:${name}=${params.get(name)}`
      : "rp-case:" + location.origin + location.pathname + location.search;
  };

  RP.verify = async ({ facts, photos }) => {
    RP.panel.message("正在读取图片… / reading the images…", "status");
    RP.badges.clear();
    const grabbed = [];
    for (const [i, photo] of photos.entries()) grabbed.push({ ...(await RP.grab(photo)), key: i });
    RP.panel.message("正在核验… / verifying…", "status");
    let answer;
    const stored = sessionStorage.getItem(caseKey()) || undefined;
    try {
      answer = await RP.send({ type: "rp:verify", facts, photos: grabbed, capture: true, caseId: stored, lang: "zh" });
    } catch (err) {
      RP.panel.error(err);
      return;
    }
    sessionStorage.setItem(caseKey(), answer.caseId);
    const bySha = new Map((answer.result?.photos || []).map((p) => [p.sha256, p]));
    const items = [];
    const problems = [];
    for (const p of answer.photos) {
      const photo = photos[p.key];
      if (p.ok) items.push({ el: photo.el, photo: bySha.get(p.sha256) });
      else {
        items.push({ el: photo.el, error: p.error });
        problems.push({ url: photo.url, label: photo.role === "listing" ? "商品图" : "凭证图片", error: p.error });
      }
    }
    RP.badges.draw(items.filter((x) => x.el && (x.photo || x.error)));
    RP.panel.show({ caseId: answer.caseId, result: answer.result, problems, capture: answer.capture });
  };

  RP.verifyPage = () => {
    const site = RP.currentSite();
    const read = site ? RP.readCase(site) : { facts: {}, photos: [] };
    if (!read.photos.some((p) => p.role === "evidence")) {
      RP.picker.start(read.facts, site ? "没有自动找到退款凭证图片，请手动选择。/ No refund photos found automatically: pick them." : "");
      return { picked: true };
    }
    RP.verify(read);
    return { site: site.id, photos: read.photos.length };
  };

  RP.addImage = (url) => {
    const el = [...document.images].find((img) => img.currentSrc === url || img.src === url);
    const site = RP.currentSite();
    const facts = site ? RP.readCase(site).facts : {};
    RP.verify({ facts, photos: [{ el, url, role: "evidence" }] });
  };

  chrome.runtime.onMessage.addListener((msg, _sender, reply) => {
    if (msg.type === "rp:ping") {
      const site = RP.currentSite();
      // the hosts the page's images come from, so the popup can ask for access to them
      const origins = [...new Set([...document.images].map((img) => {
        try {
          const u = new URL(RP.originalUrl(img.currentSrc || img.src));
          return /^https?:$/.test(u.protocol) ? `${u.protocol}//${u.hostname}/*` : null;
        } catch {
          return null;
        }
      }).filter(Boolean))];
      reply({ ok: true, site: site?.id || null, platform: site?.platform || null, photos: site ? RP.readCase(site).photos.length : 0, origins });
    } else if (msg.type === "rp:pick") {
      RP.picker.start();
      reply({ ok: true });
    } else if (msg.type === "rp:verify-page") {
      reply({ ok: true, ...RP.verifyPage() });
    } else if (msg.type === "rp:add-image") {
      RP.addImage(msg.url);
      reply({ ok: true });
    }
    return false;
  });

  // On a recognised refund page, one button: 核验 / Verify. The consoles are single-page
  // apps (千牛 goes from the refund list to a detail without loading a page), so the button
  // follows the route: it appears, stays or goes whenever the address changes, and the
  // badges of the refund left behind are cleared.
  const syncButton = () => {
    const existing = document.getElementById("refundproof-verify");
    if (!RP.currentSite()) {
      existing?.remove();
      return;
    }
    if (existing) return;
    const button = document.createElement("button");
    button.id = "refundproof-verify";
    button.textContent = "核验 / Verify（RefundProof）";
    button.style.cssText = "position:fixed;right:16px;bottom:16px;z-index:2147483644;background:#b00020;color:#fff;border:0;border-radius:4px;padding:10px 16px;font:bold 14px sans-serif;cursor:pointer;box-shadow:0 2px 8px rgba(0,0,0,.35)";
    button.onclick = () => RP.verifyPage();
    document.body.append(button);
  };
  let route = location.href;
  const onRoute = () => {
    if (location.href === route) return;
    route = location.href;
    RP.badges.clear();
    RP.panel.hide();
    syncButton();
  };
  // history.pushState in the page's world is not seen from here: the Navigation API where
  // the browser has it, popstate, and a light poll as the fallback
  globalThis.navigation?.addEventListener?.("navigatesuccess", onRoute);
  addEventListener("popstate", onRoute);
  setInterval(onRoute, 500);
  syncButton();
})();
