// Shared vocabulary for the site adapters and the picker: reading a page by its visible
// labels (订单编号, 退款编号, 买家凭证 …), never by generated class names.
globalThis.RP = globalThis.RP || { sites: [], loaded: false };

(() => {
  const RP = globalThis.RP;

  RP.addSite = (site) => {
    if (!RP.sites.some((s) => s.id === site.id)) RP.sites.push(site);
  };

  RP.text = (el) => (el?.innerText ?? el?.textContent ?? "").replace(/\s+/g, " ").trim();

  const ownText = (el) =>
    [...el.childNodes]
      .filter((n) => n.nodeType === Node.TEXT_NODE)
      .map((n) => n.textContent)
      .join("")
      .replace(/\s+/g, " ")
      .trim();

  const COLON = /[:：]\s*/;

  // The element that carries a label, and any value written after its colon.
  RP.findLabel = (labels, root = document.body) => {
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_ELEMENT);
    for (let el = walker.currentNode; el; el = walker.nextNode()) {
      if (el.closest?.("#refundproof-root")) continue;
      const own = ownText(el);
      if (!own) continue;
      for (const label of labels) {
        if (own === label || own.replace(/[:：]$/, "") === label) return { el, inline: "" };
        if (own.startsWith(label) && COLON.test(own.slice(label.length, label.length + 2))) {
          return { el, inline: own.slice(label.length).replace(/^\s*[:：]\s*/, "") };
        }
      }
    }
    return null;
  };

  RP.valueOf = (found) => {
    if (!found) return "";
    if (found.inline) return found.inline;
    const { el } = found;
    if (/^(DT|TH)$/.test(el.tagName)) {
      const next = el.nextElementSibling;
      if (next) return RP.text(next);
    }
    for (let node = el; node && node !== document.body; node = node.parentElement) {
      const next = node.nextElementSibling;
      if (next && RP.text(next)) return RP.text(next);
    }
    return "";
  };

  RP.readFacts = (labelMap) => {
    const facts = {};
    for (const [key, labels] of Object.entries(labelMap)) {
      const value = RP.valueOf(RP.findLabel(labels));
      if (value) facts[key] = key === "amount" ? value.replace(/[^\d.]/g, "") : value;
    }
    return facts;
  };

  const usable = (img) => {
    const r = img.getBoundingClientRect();
    return (img.currentSrc || img.src) && r.width >= 40 && r.height >= 40;
  };

  const after = (a, b) => Boolean(a.compareDocumentPosition(b) & Node.DOCUMENT_POSITION_FOLLOWING);

  // The images in the section a heading names: climb from the label to the nearest block
  // that holds images, and take the ones after the label but before the next section's
  // label (flat markup puts every section in one block).
  RP.imagesNear = (labels, otherSections = []) => {
    const found = RP.findLabel(labels);
    if (!found) return [];
    const stops = otherSections
      .map((l) => RP.findLabel(l)?.el)
      .filter((el) => el && after(found.el, el));
    let box = found.el;
    for (let i = 0; i < 5 && box; i++, box = box.parentElement) {
      const imgs = [...box.querySelectorAll("img")].filter(
        (img) => usable(img) && after(found.el, img) && !stops.some((stop) => after(stop, img)),
      );
      if (imgs.length) return imgs;
    }
    return [];
  };

  // Image CDNs serve resized copies; ask for the original. Data, easy to update; each rule
  // rewrites the URL's path and query (as shown in public code that handles these CDNs), and
  // tests/test_cdn_rules.py runs them over the real URL shapes.
  RP.ORIGINAL_RULES = [
    // ….jpg_400x400q90.jpg_.webp, ….jpg_b.jpg, ….jpg_q90.jpg: the part before the first
    // `_` suffix after the file's own extension, without a query
    { host: /(^|\.)(alicdn|taobaocdn)\.com$/, path: [[/(\.(?:jpe?g|png|webp|gif))_[^/]*$/i, "$1"]], query: false },
    // ?imageMogr2/… and ?imageView2/… ask for a thumbnail: the whole query goes
    { host: /(^|\.)(pddpic|pddugc|yangkeduo)\.com$/, path: [], query: (q) => !/^\?image(Mogr2|View2)\//.test(q) },
    // /n1/s200x200_jfs/…, /n5/jfs/…, …!q70, ….dpg.webp, ….avif: the original is /imgzone/jfs/…
    {
      host: /(^|\.)360buyimg\.com$/,
      path: [
        [/^\/[^/]+\/(?:s\d+x\d+_)?jfs\//, "/imgzone/jfs/"],
        [/!q\d+[^/]*$/, ""], // !q70, !q70.jpg, !q70.dpg.webp: a re-encoding asked of the original
        [/(\.(?:jpe?g|png|gif))(?:\.dpg)?(?:\.webp|\.avif)$/i, "$1"],
      ],
      query: false,
    },
    { host: /(^|\.)douyinpic\.com$|(^|\.)ecombdimg\.com$/, path: [[/~tplv-[^/?]+$/, ""]], query: false },
    { host: /(^|\.)(kwimgs|yximgs)\.com$/, path: [], query: (q) => !q.startsWith("?x-oss-process=") },
  ];

  // A signed URL (抖店's evidence photos) stops working when any part of it changes: it is
  // fetched exactly as the page shows it.
  RP.isSigned = (u) =>
    /-sign\./.test(u.hostname) || /[?&](x-signature|x-expires|Signature|sign|auth_key)=/i.test(u.search);

  RP.originalUrl = (url) => {
    try {
      const u = new URL(url, globalThis.location?.href);
      if (!/^https?:$/.test(u.protocol) || RP.isSigned(u)) return u.href;
      const rule = RP.ORIGINAL_RULES.find((r) => r.host.test(u.hostname));
      if (!rule) return u.href;
      for (const [from, to] of rule.path) u.pathname = u.pathname.replace(from, to);
      if (rule.query === false || (typeof rule.query === "function" && !rule.query(u.search))) {
        u.search = "";
      }
      return u.href;
    } catch {
      return url;
    }
  };

  // Content scripts run in every frame of a console (京麦 renders pages inside iframes): the
  // top frame knows the route; a frame inside is the console's by its host alone.
  RP.isTop = globalThis.top === undefined || globalThis.top === globalThis;

  RP.currentSite = () =>
    RP.sites.find(
      (s) =>
        s.hosts.some((re) => re.test(location.hostname)) &&
        (!RP.isTop || !s.pages || s.pages.some((re) => re.test(location.pathname + location.search))),
    ) || null;

  // The refund's own id from the route (千牛 disputeId, 拼多多 id (afterSalesId), 京东
  // afsServiceId, 抖店 aftersale_id …): [name, value], or null on a page without one.
  const REFUND_PARAMS = ["disputeId", "afterSalesId", "afsServiceId", "aftersale_id", "refundId", "refund_id", "afterSaleOrderId", "id"];
  RP.routeRefund = () => {
    const params = new URLSearchParams(location.search);
    const name = REFUND_PARAMS.find((n) => params.get(n));
    return name ? [name, params.get(name)] : null;
  };

  const pathKey = (u) => {
    try {
      const x = new URL(RP.originalUrl(u), location.href);
      return x.host + x.pathname;
    } catch {
      return u;
    }
  };

  // The first words of an element's text: who wrote a negotiation entry (买家 …, 卖家 …).
  const leadingText = (el) => {
    const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      const t = n.textContent.trim();
      if (t) return t;
    }
    return "";
  };

  // 千牛 shows the buyer's photos inside the negotiation history, one entry per message,
  // with no heading of their own. An entry's photos count as the buyer's when its first
  // words name the buyer; entries of the seller, the platform or the system never do. When
  // no entry says whose it is, the photos of entries not known to be someone else's are taken.
  RP.historyImages = (site, buyer) => {
    const h = site.history;
    const found = h && RP.findLabel(h.labels);
    if (!found) return [];
    const imgs = RP.imagesNear(h.labels, [site.notEvidence || []]);
    // the list that holds every entry: climbing past it would read another entry's words
    let list = imgs.length > 1 ? imgs[0].parentElement : null;
    while (list && !imgs.every((img) => list.contains(img))) list = list.parentElement;
    const whose = (img) => {
      for (let el = img.parentElement; el && el !== list && !el.contains(found.el); el = el.parentElement) {
        const who = leadingText(el);
        if (h.buyer.test(who) || (buyer && who.startsWith(buyer))) return "buyer";
        if (h.others.test(who)) return "other";
      }
      return "unknown";
    };
    const read = imgs.map((img) => [img, whose(img)]);
    const wanted = read.some(([, w]) => w === "buyer") ? "buyer" : "unknown";
    return read.filter(([, w]) => w === wanted).map(([img]) => img);
  };

  RP.readCase = (site) => {
    const route = RP.routeRefund();
    const data = RP.dataCase ? RP.dataCase(site, route?.[1]) : { facts: {}, images: [] };
    // every timeline date in its stored form; one that cannot be read is named, never sent
    const { facts, unreadable } = RPDates.timeline({ platform: site.platform, ...RP.readFacts(site.labels), ...data.facts });
    const seen = new Set();
    const photos = [];
    const add = (el, url, role) => {
      if (!url || seen.has(pathKey(url))) return;
      seen.add(pathKey(url));
      photos.push({ el, url, role });
    };
    const shown = [...document.images].filter((img) => !img.closest("#refundproof-root"));
    // the photos the page's data lists, each on its picture in the page where it shows
    for (const url of data.images) {
      add(shown.find((img) => pathKey(img.currentSrc || img.src) === pathKey(url)) || null, url, "evidence");
    }
    const listing = site.listing || [];
    const notEvidence = site.notEvidence || [];
    if (!photos.length) {
      let evidence = RP.imagesNear(site.evidence, [listing, notEvidence]);
      if (!evidence.length) evidence = RP.historyImages(site, facts.buyer);
      for (const img of evidence) add(img, img.currentSrc || img.src, "evidence");
    }
    // the buyer's videos: a refund page shows no others (the listing's own video sits on the
    // product page); each by its source address as the page plays it
    for (const video of RP.pageVideos()) add(video, RP.videoUrl(video), "evidence");
    const elsewhere = [site.evidence, notEvidence, site.history?.labels || []];
    for (const img of RP.imagesNear(listing, elsewhere)) add(img, img.currentSrc || img.src, "listing");
    return { facts, photos, unreadable };
  };

  RP.pageVideos = () => [...document.querySelectorAll("video")].filter((v) => !v.closest("#refundproof-root"));
  RP.videoUrl = (video) => video.currentSrc || video.src || video.querySelector("source[src]")?.src || "";

  // How many buyer photos this frame shows (the top frame asks each frame, to find the one
  // where the refund's detail renders).
  RP.frameEvidence = () => {
    const site = RP.currentSite();
    return site ? RP.readCase(site).photos.filter((p) => p.role === "evidence").length : 0;
  };

  const b64 = (buffer) => RPBase64.encode(new Uint8Array(buffer));
  const PAGE_COPY_MAX = 40 * 1024 * 1024;
  const TOO_LARGE_COPY = {
    zh: "页面里的这份副本太大（超过 40 MB），无法从页面交给扩展：请从平台下载原文件再核验。",
    en: "The page's copy is too large (over 40 MB) to hand from the page to the extension: download the original from the platform and verify the file.",
  };

  RP.send = async (msg) => {
    const answer = await chrome.runtime.sendMessage(msg);
    if (!answer?.ok) throw answer?.error || { zh: "扩展内部错误。", en: "Extension error." };
    return answer.value;
  };

  // What the background needs to fetch a photo or video, or the bytes themselves where only
  // this page can read them. Order: the original file through the extension (the background
  // fetches it, the address shown as a fallback); the page's own copy (blob:, data:); a canvas
  // copy only as the last resort (the report says how the bytes were obtained).
  RP.grab = async (photo) => {
    const url = photo.url;
    const base = { role: photo.role, page_url: location.href, fetched_at: new Date().toISOString() };
    const name = (u) => decodeURIComponent(new URL(u, location.href).pathname.split("/").pop() || "image");
    if (/^https?:/.test(url)) {
      const original = RP.originalUrl(url);
      return { ...base, url: original, displayed: url, file_name: name(original), displayed_name: name(url) };
    }
    if (/^(blob|data):/.test(url)) {
      try {
        const bytes = await (await fetch(url)).arrayBuffer();
        // these bytes must ride a message (capped at 64 MiB, a third more as base64)
        if (bytes.byteLength > PAGE_COPY_MAX) return { ...base, error: TOO_LARGE_COPY };
        return { ...base, b64: b64(bytes), method: "blob_read", source_url: url.slice(0, 200), file_name: "page-image" };
      } catch {}
    }
    if (photo.el?.complete) {
      try {
        const c = document.createElement("canvas");
        c.width = photo.el.naturalWidth;
        c.height = photo.el.naturalHeight;
        c.getContext("2d").drawImage(photo.el, 0, 0);
        const blob = await new Promise((ok) => c.toBlob(ok, "image/png"));
        return { ...base, b64: b64(await blob.arrayBuffer()), method: "canvas_copy", source_url: url.slice(0, 200), file_name: "canvas-copy.png" };
      } catch {}
    }
    if (photo.el instanceof HTMLVideoElement) {
      return { ...base, error: { zh: "这段视频以流的方式播放（blob:），页面上取不到原始文件：请从平台下载原视频文件再核验。", en: "This video plays as a stream (blob:), so the page holds no original file: download the video from the platform and verify the file." } };
    }
    return { ...base, error: { zh: "无法取得这张图片的原始数据（下载被拒绝）。", en: "Could not get this image's bytes (download refused)." } };
  };
})();
