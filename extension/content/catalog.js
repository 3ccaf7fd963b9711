// 加入商品图库: on a product page, one button adds its main, SKU (colour) and detail images,
// at their original size, to the shop catalogue on this computer (the background fetches
// the bytes and hands them to the server with the page and image address).
//
// Where product pages are and where their pictures sit is data (RP.PRODUCT_PAGES), from what
// public code shows of those pages (../shared/CONSOLES.md, "Product pages"); a page it does
// not describe still offers the picker (a listing photo chosen there joins the catalogue).
(() => {
  const RP = globalThis.RP;
  if (RP.catalogLoaded) return;
  RP.catalogLoaded = true;

  // Lazy images keep their real address in an attribute until scrolled to (淘宝 data-src and
  // data-ks-lazyload, 京东 data-lazyload); the placeholder in src is never a product picture.
  const LAZY = ["data-src", "data-ks-lazyload", "data-lazyload", "data-original"];
  const PLACEHOLDER = /\/s\.gif$|^data:|\/blank\.|\/loading\./;
  const MIN_SIDE = 80; // px: icons, stars and avatars are smaller

  RP.PRODUCT_PAGES = [
    {
      // item.taobao.com/item.htm?id=…, detail.tmall.com/item.htm?id=…, detail.tmall.hk/hk/item.htm?id=…
      id: "taobao",
      host: /^(item\.taobao\.com|detail\.tmall\.com|detail\.tmall\.hk)$/,
      path: /^\/(hk\/)?item\.htm/,
      main: ["[class^=picGallery--] ul li img", "img[class*=thumbnailPic]", "[class*=PicGallery--thumbnails] li img", "#J_UlThumb li img"],
      sku: ["img[class*=valueItemImg]", ".J_TSaleProp img"],
      detail: [".descV8-container .descV8-singleImage img", ".desc-root img", "#J_DivItemDesc img"],
    },
    {
      // mobile.yangkeduo.com/goods.html?goods_id=…
      id: "pinduoduo",
      host: /(^|\.)yangkeduo\.com$/,
      path: /^\/goods\d*\.html/,
      main: ["[class*=banner] img", "[class*=gallery] img"],
      sku: ["[class*=sku] img"],
      detail: ["[class*=detail] img"],
    },
    {
      // item.jd.com/<sku>.html
      id: "jd",
      host: /^item\.jd\.com$/,
      path: /^\/\d+\.html/,
      main: [".image-carousel .item img.image", "#spec-list img", ".spec-items img", "#spec-img"],
      sku: ["#choose-attrs img", "[id^=choose-attr] img", ".specification-item-sku-image"],
      detail: ["#J-detail-content img", ".detail-content img", ".ssd-module"],
    },
    {
      // haohuo.jinritemai.com/ecommerce/trade/detail/index.html?id=…
      id: "douyin",
      host: /^haohuo\.jinritemai\.com$/,
      path: /^\/(ecommerce\/trade\/detail|views\/product\/item)/,
      main: [], sku: [], detail: [],
    },
    {
      // app.kwaixiaodian.com/web/kwaishop-goods-detail-page-app?id=…
      id: "kuaishou",
      host: /^app\.kwaixiaodian\.com$/,
      path: /kwaishop-goods-detail-page-app|\/merchant\/shop\/detail/,
      main: [], sku: [], detail: [],
    },
    {
      // s.kwaixiaodian.com/zone/goods/config/release/detail?itemId=…: rows labelled 商品主图
      // and 商品详情图, SKU images in the table
      id: "kuaishou-console",
      host: /^s\.kwaixiaodian\.com$/,
      path: /^\/zone\/goods\/config\/release\/detail/,
      labels: { main: ["商品主图"], detail: ["商品详情图"] },
      main: [], sku: ["tbody.goods-table-tbody img"], detail: [],
    },
    {
      // store.weixin.qq.com/shop/goods/…: the product UI sits in a shadow root
      id: "weixin-console",
      host: /^store\.weixin\.qq\.com$/,
      path: /^\/shop\/goods\//,
      main: [], sku: [], detail: [],
    },
  ];

  RP.productPage = () =>
    RP.PRODUCT_PAGES.find((p) => p.host.test(location.hostname) && p.path.test(location.pathname)) || null;

  // Every element under root, shadow roots included (微信小店 draws its goods there).
  const deepAll = (root, selector) => {
    const out = [...root.querySelectorAll(selector)];
    for (const el of root.querySelectorAll("*")) if (el.shadowRoot) out.push(...deepAll(el.shadowRoot, selector));
    return out;
  };

  const addressOf = (el) => {
    for (const a of LAZY) {
      const v = el.getAttribute?.(a);
      if (v && !PLACEHOLDER.test(v)) return v;
    }
    if (el.tagName === "IMG") {
      const v = el.currentSrc || el.getAttribute("src") || "";
      return PLACEHOLDER.test(v) ? "" : v;
    }
    const bg = getComputedStyle(el).backgroundImage.match(/url\(["']?([^"')]+)["']?\)/);
    return bg ? bg[1] : "";
  };

  const bigEnough = (el) => {
    if (el.tagName !== "IMG" || !el.complete || !el.naturalWidth) return true; // not loaded yet: lazy
    return Math.min(el.naturalWidth, el.naturalHeight) >= MIN_SIDE;
  };

  const underLabel = (labels) => {
    const found = [];
    for (const label of labels || []) {
      const hit = RP.findLabel([label])?.el;
      const row = hit?.closest("div, tr, li, section")?.parentElement;
      if (row) found.push(...row.querySelectorAll("img"));
    }
    return found;
  };

  // The page's pictures by kind: what the page's selectors find, else every large picture.
  RP.productPictures = (page = RP.productPage()) => {
    const seen = new Set();
    const out = [];
    const title = (document.querySelector("h1")?.textContent || document.title || "").trim().slice(0, 200);
    const take = (el, kind) => {
      const shown = addressOf(el);
      if (!shown || !bigEnough(el)) return;
      const url = RP.originalUrl(new URL(shown, location.href).href);
      if (!/^https?:/.test(url) || seen.has(url)) return;
      seen.add(url);
      const skuName = kind === "sku" ? (el.alt || RP.text(el.parentElement?.closest("[data-vid], [class*=valueItem], li, td")) || "").slice(0, 100) : "";
      out.push({ url, kind, page_url: location.href, title, sku: skuName });
    };
    for (const kind of ["main", "sku", "detail"]) {
      for (const el of underLabel(page?.labels?.[kind])) take(el, kind);
      for (const selector of page?.[kind] || []) for (const el of deepAll(document, selector)) take(el, kind);
    }
    if (!out.length) for (const el of deepAll(document, "img")) take(el, "main");
    return out;
  };

  // Detail images load as they are scrolled to: scroll down until no more appear, then back.
  const loadLazy = async () => {
    const back = scrollY;
    let before = -1;
    for (let i = 0; i < 20; i++) {
      const count = RP.productPictures().length;
      if (count === before && scrollY + innerHeight >= document.documentElement.scrollHeight - 2) break;
      before = count;
      scrollBy(0, innerHeight);
      await new Promise((done) => setTimeout(done, 250));
    }
    scrollTo(0, back);
  };

  const toast = (text, ok) => {
    let box = document.getElementById("refundproof-catalog-note");
    if (!box) {
      box = document.createElement("div");
      box.id = "refundproof-catalog-note";
      box.style.cssText = "position:fixed;right:8px;top:56vh;z-index:2147483644;max-width:320px;padding:10px 12px;border-radius:4px;font:13px/1.5 sans-serif;white-space:pre-line;box-shadow:0 2px 8px rgba(0,0,0,.35);background:#fff;color:#222";
      document.body.append(box);
    }
    box.className = ok ? "ok" : "bad";
    box.style.borderLeft = `4px solid ${ok ? "#1d6fb8" : "#b00020"}`;
    box.textContent = text;
  };

  RP.addProductPage = async () => {
    await RP.ready; // the seller's language
    toast(RP.t("正在读取商品图…", "Reading the product pictures…"), true);
    await loadLazy();
    const pictures = RP.productPictures();
    if (!pictures.length) {
      toast(RP.t("这个页面上没有找到商品图。可以右键图片用“选择本页图片核验”逐张选为商品图。",
        "No product pictures were found on this page. Right-click a picture and use the page-picture picker to choose listing photos one by one."), false);
      return null;
    }
    toast(RP.t(`正在加入 ${pictures.length} 张商品图…`, `Adding ${pictures.length} product picture(s)…`), true);
    let results;
    try {
      results = await RP.send({ type: "rp:catalog-add", pictures });
    } catch (err) {
      toast(RP.say(err), false);
      return null;
    }
    const added = results.reduce((n, r) => n + (r.added || 0), 0);
    const known = results.reduce((n, r) => n + (r.duplicate || 0), 0);
    const failed = results.filter((r) => !r.ok);
    const lines = [RP.t(`已加入商品图库 ${added} 张` + (known ? `，${known} 张已在图库中` : "") + "。",
      `Added ${added} picture(s) to the catalogue` + (known ? `; ${known} already in it` : "") + ".")];
    for (const f of failed) lines.push(`✗ ${f.url.split("/").pop()}${RP.t("：", ": ")}${RP.say(f.error)}`);
    toast(lines.join("\n"), !failed.length);
    return { added, known, failed: failed.length, pictures: pictures.length };
  };

  if (!RP.isTop) return;
  const syncButton = () => {
    const existing = document.getElementById("refundproof-catalog");
    if (!RP.productPage()) {
      existing?.remove();
      return;
    }
    const button = existing || document.createElement("button");
    // in the seller's language, redrawn when it changes on the options page
    button.textContent = RP.t("加入商品图库", "Add to catalogue");
    button.title = RP.t("RefundProof：把本页的主图、颜色图和详情图（原图）加入商品图库",
      "RefundProof: add this product's main, colour and detail pictures (original size) to your catalogue");
    if (existing) return;
    button.id = "refundproof-catalog";
    button.style.cssText = "position:fixed;right:0;top:48vh;z-index:2147483644;background:#1d6fb8;color:#fff;border:0;border-radius:4px 0 0 4px;padding:10px 12px;font:bold 14px sans-serif;cursor:pointer;box-shadow:0 2px 8px rgba(0,0,0,.35)";
    button.onclick = () => RP.addProductPage();
    document.body.append(button);
  };
  syncButton();
  RP.ready.then(syncButton);
  globalThis.chrome?.storage?.onChanged?.addListener((change) => change.lang && setTimeout(syncButton));
  // product pages of the consoles are single-page apps too
  globalThis.navigation?.addEventListener?.("navigatesuccess", syncButton);
  addEventListener("popstate", syncButton);
})();

// Reads: 淘宝/天猫 item pages, 拼多多 goods pages, 京东 item pages, 抖音 goods pages, 快手 goods
// pages and the 快手小店 product page, 微信小店's goods pages. Tested by
// tests/test_extension_catalog.py on a 淘宝 item page fixture with lazy detail images.
