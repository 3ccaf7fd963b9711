// Wiring: the 核验 button on recognised refund pages, messages from the extension, and the
// verification itself (bytes -> background -> server -> badges and panel).
(() => {
  const RP = globalThis.RP;
  if (RP.loaded) return;
  RP.loaded = true;

  // One refund is one case however the console's app gets there, and two refunds never
  // share one: the case key is the refund id in the address (the top frame's).
  const caseKey = () => {
    const refund = RP.routeRefund();
    const site = RP.currentSite();
    return refund
      ? `rp-case:${site?.id || location.host}:${refund[0]}=${refund[1]}`
      : "rp-case:" + location.origin + location.pathname + location.search;
  };

  // Verifies the photos read in this frame. A frame inside the console is handed the case
  // the top frame keeps for this refund, and its panel is drawn in the top frame.
  RP.verify = async ({ facts, photos, unreadable = [] }, caseId = sessionStorage.getItem(caseKey()) || undefined) => {
    RP.panel.message(RP.t("正在读取图片…", "Reading the images…"), "status");
    RP.badges.clear();
    RP.lastRead = { facts, photos, unreadable, caseId };
    const grabbed = [];
    for (const [i, photo] of photos.entries()) grabbed.push({ ...(await RP.grab(photo)), key: i });
    RP.panel.message(RP.t("正在核验…", "Verifying…"), "status");
    let answer;
    try {
      answer = await RP.send({ type: "rp:verify", facts, photos: grabbed, capture: true, caseId, lang: RP.lang });
    } catch (err) {
      RP.panel.error(err);
      return;
    }
    if (RP.isTop) sessionStorage.setItem(caseKey(), answer.caseId);
    RP.lastRead.caseId = answer.caseId;
    const bySha = new Map((answer.result?.photos || []).map((p) => [p.sha256, p]));
    const items = [];
    const problems = [];
    const shown = {};
    for (const p of answer.photos) {
      const photo = photos[p.key];
      if (p.ok) {
        items.push({ el: photo.el, photo: bySha.get(p.sha256) });
        if (photo.el) shown[p.sha256] = photo.el.currentSrc || photo.el.src;
      } else {
        items.push({ el: photo.el, error: p.error });
        problems.push({ url: photo.url, role: photo.role, label: photo.role === "listing" ? "商品图" : "凭证图片", error: p.error });
      }
    }
    RP.badges.draw(items.filter((x) => x.el && (x.photo || x.error)));
    RP.panel.show({ caseId: answer.caseId, result: answer.result, problems, capture: answer.capture, shown, unreadable, facts });
  };

  // Again, after an error: the same photos, into the same case.
  RP.retry = () => (RP.lastRead ? RP.verify(RP.lastRead, RP.lastRead.caseId) : RP.verifyPage());

  RP.verifyPage = async () => {
    const site = RP.currentSite();
    const read = site ? RP.readCase(site) : { facts: {}, photos: [] };
    if (!read.photos.some((p) => p.role === "evidence")) {
      // the detail may render in a frame inside the console (京麦): the frame that shows
      // the buyer's photos verifies them, with this frame's facts and this refund's case
      if (RP.isTop && site) {
        const caseId = sessionStorage.getItem(caseKey()) || undefined;
        // frames still loading (or a shell that adds its frame later, as 京麦's does) are
        // waited for a moment
        const wait = Boolean(site.frames) || document.getElementsByTagName("iframe").length > 0;
        const frame = await RP.send({ type: "rp:verify-in-frame", facts: read.facts, unreadable: read.unreadable, caseId, wait }).catch(() => null);
        if (frame) {
          RP.lastRead = null; // a retry reads the frames again
          return { site: site.id, frame };
        }
      }
      const note = site ? RP.t("没有自动找到退款凭证图片，请手动选择。", "No refund photos found automatically: pick them.") : "";
      RP.picker.start(read.facts, note, read.unreadable);
      return { picked: true };
    }
    RP.verify(read);
    return { site: site.id, photos: read.photos.length };
  };

  RP.addImage = (url) => {
    const el = [...document.images].find((img) => img.currentSrc === url || img.src === url);
    const site = RP.currentSite();
    const { facts, unreadable } = site ? RP.readCase(site) : { facts: {}, unreadable: [] };
    RP.verify({ facts, unreadable, photos: [{ el, url, role: "evidence" }] });
  };

  // A frame inside the console answers only what is addressed to frames: the rest (ping,
  // picker, verify this page) is the top frame's, where the seller's button is.
  chrome.runtime.onMessage.addListener((msg, _sender, reply) => {
    if (!RP.isTop) {
      if (msg.type === "rp:frame-evidence") reply({ count: RP.frameEvidence() });
      if (msg.type === "rp:verify-frame") {
        const read = RP.readCase(RP.currentSite());
        const unreadable = [...(msg.unreadable || []), ...read.unreadable];
        RP.verify({ facts: { ...msg.facts, ...read.facts }, photos: read.photos, unreadable }, msg.caseId);
        reply({ ok: true });
      }
      return false;
    }
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
      RP.verifyPage().then((value) => reply({ ok: true, ...value }));
      return true;
    } else if (msg.type === "rp:add-image") {
      RP.addImage(msg.url);
      reply({ ok: true });
    } else if (msg.type === "rp:panel-call") {
      // a frame inside the console verified this refund: its panel, and its case for the key
      if (msg.call === "show") sessionStorage.setItem(caseKey(), msg.args[0].caseId);
      RP.panel[msg.call]?.(...msg.args);
      reply({ ok: true });
    }
    return false;
  });

  // On a recognised refund page, one button: 核验 / Verify. The consoles are single-page
  // apps (千牛 goes from the refund list to a detail without loading a page), so the button
  // follows the route: it appears, stays or goes whenever the address changes, and the
  // badges of the refund left behind are cleared.
  if (!RP.isTop) {
    // a frame of the console: the top frame's button may ask it for the refund's photos
    RP.send({ type: "rp:frame-ready" }).catch(() => {});
    return; // the button, and the route it follows, are the top frame's
  }
  const syncButton = () => {
    const existing = document.getElementById("refundproof-verify");
    if (!RP.currentSite()) {
      existing?.remove();
      return;
    }
    if (existing) return;
    const button = document.createElement("button");
    button.id = "refundproof-verify";
    button.textContent = RP.t("核验", "Verify"); // the seller's language only
    button.title = RP.t("RefundProof 退款鉴证：核验本页的退款凭证图片", "RefundProof: verify this refund's photos");
    // on the right edge, above the middle: the consoles keep their own action bars (同意退款,
    // 拒绝) at the bottom, where a floating button would cover them
    button.style.cssText = "position:fixed;right:0;top:38vh;z-index:2147483644;background:#b00020;color:#fff;border:0;border-radius:4px 0 0 4px;padding:10px 12px;font:bold 14px sans-serif;cursor:pointer;box-shadow:0 2px 8px rgba(0,0,0,.35)";
    button.onclick = () => RP.verifyPage();
    document.body.append(button);
  };
  let route = location.href;
  const onRoute = () => {
    if (location.href === route) return;
    route = location.href;
    RP.lastRead = null;
    RP.badges.clear();
    RP.panel.hide();
    syncButton();
  };
  // history.pushState in the page's world is not seen from here: the Navigation API where
  // the browser has it, popstate, and a light poll as the fallback
  globalThis.navigation?.addEventListener?.("navigatesuccess", onRoute);
  addEventListener("popstate", onRoute);
  setInterval(onRoute, 500);
  RP.ready.then(syncButton); // in the language the options page set
  chrome.storage.onChanged.addListener((change) => {
    if (!change.lang) return;
    document.getElementById("refundproof-verify")?.remove();
    syncButton();
  });
})();
