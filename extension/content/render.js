// Rendering a verified case: shared by the in-page panel (content/panel.js) and the
// browser side panel (sidepanel.html), so both say the same thing in the same words.
globalThis.RP = globalThis.RP || { sites: [], loaded: false };

(() => {
  const RP = globalThis.RP;
  if (RP.caseHtml) return;

  const LEVEL_COLOURS = {
    decisive: "#b00020", strong: "#d2501e", supporting: "#b58a00",
    counter: "#1d6fb8", none: "#666", error: "#444",
  };
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
  const LEVEL_BADGE = {
    counter: ["有利买家", "For the buyer"],
    none: ["未发现异常（不确定）", "Nothing found (inconclusive)"],
    error: ["检查出错", "Check failed"],
  };

  // [zh, en] of a photo's badge
  RP.badgeWords = (photo) => {
    if (photo.role === "listing") return ["商品图", "Listing photo"];
    const level = photo.verdict.level;
    if (["decisive", "strong", "supporting"].includes(level)) {
      const top = photo.findings.find((f) => f.strength === level);
      return CHECK_BADGE[top?.check] || ["可疑", "Suspicious"];
    }
    return LEVEL_BADGE[level] || LEVEL_BADGE.none;
  };
  RP.badgeText = (photo) => RP.t(...RP.badgeWords(photo));
  // Shorter words for a badge on a small thumbnail (content/panel.js tries the full words
  // first), by the full words' Chinese; the title and the panel keep the whole sentence.
  const SHORT_BADGE = {
    "未发现异常（不确定）": ["未发现异常", "Nothing found"],
    检查出错: ["出错", "Failed"], 商品图: ["商品图", "Listing"], AI生成元数据: ["AI元数据", "AI data"],
    改自商品图: ["改自商品图", "Edited copy"], AI凭证: ["AI凭证", "AI signed"], 未能核验: ["未核验", "Failed"],
    时间矛盾: ["时间矛盾", "Timeline"], 可疑区域: ["可疑区域", "Suspicious"], 重复使用: ["重复使用", "Reused"],
  };
  RP.shortWords = (words) => SHORT_BADGE[words[0]] || words;

  const esc = (RP.esc = (s) => String(s ?? "").replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]));

  RP.LEVEL_COLOURS = LEVEL_COLOURS;

  // The seller's language (the options page sets it): Chinese only in Chinese mode, English
  // only in English mode.
  RP.lang = "zh";
  RP.ready = Promise.resolve(globalThis.chrome?.storage?.local.get("lang"))
    .then((s) => (RP.lang = s?.lang === "en" ? "en" : "zh"))
    .catch(() => {});
  // a change on the options page counts from the next words drawn
  globalThis.chrome?.storage?.onChanged?.addListener((change) => {
    if (change.lang) RP.lang = change.lang.newValue === "en" ? "en" : "zh";
  });
  RP.t = (zh, en) => (RP.lang === "en" ? en : zh);
  RP.say = (err) => (RP.lang === "en" ? err?.en : err?.zh) || err?.zh || err?.en || "";
  const pick = (texts) => texts?.[RP.lang === "en" ? "en" : "zh-CN"] || texts?.["zh-CN"] || "";

  RP.CASE_CSS = `
    :host { all: initial; }
    .panel { position: fixed; top: 0; right: 0; width: 380px; height: 100vh; overflow: auto; z-index: 2147483646;
      background: #fff; border-left: 2px solid #333; font: 13px/1.5 "Noto Sans CJK SC", "PingFang SC", "Microsoft YaHei", sans-serif; color: #111;
      box-shadow: -4px 0 16px rgba(0,0,0,.2); padding: 12px 14px; box-sizing: border-box; }
    .panel.left { right: auto; left: 0; border-left: 0; border-right: 2px solid #333; box-shadow: 4px 0 16px rgba(0,0,0,.2); }
    .panel[hidden] { display: none; }
    .panel.collapsed { width: 34px; height: auto; padding: 6px 4px; overflow: hidden; top: 20vh; border: 2px solid #333; border-radius: 4px 0 0 4px; }
    .panel.collapsed .body, .panel.collapsed .dock, .panel.collapsed .close { display: none; }
    .panel.collapsed .bar { position: static; }
    .panel.collapsed .fold { writing-mode: vertical-rl; margin: 0; padding: 6px 2px; }
    .bar { position: absolute; top: 6px; right: 8px; } .bar button { margin: 0 0 0 4px; padding: 1px 6px; }
    h1 { font-size: 16px; margin: 0 0 8px; padding-right: 110px; } h2 { font-size: 14px; margin: 12px 0 4px; }
    .verdict { border: 2px solid; padding: 6px 8px; font-weight: bold; margin: 6px 0; }
    .next-step { background: #f3f6fa; border-left: 4px solid #1d6fb8; padding: 4px 8px; margin: 6px 0; }
    .photo { border-top: 1px solid #ccc; padding: 8px 0; display: flow-root; }
    img.thumb, video.thumb { float: left; width: 72px; height: 72px; object-fit: cover; margin: 2px 8px 4px 0; border: 1px solid #bbb; background: #eee; }
    .tag { display: inline-block; color: #fff; padding: 0 6px; border-radius: 3px; font-size: 12px; }
    .strength { display: inline-block; border: 1px solid; padding: 0 4px; border-radius: 3px; font-size: 11px; margin-right: 4px; }
    .error { color: #b00020; } .note { color: #555; font-size: 12px; } .refund-of { font-weight: bold; }
    .tip { color: #35506b; background: #eef4fb; font-size: 12px; padding: 4px 8px; border-radius: 3px; margin: 6px 0; }
    button { font: inherit; margin: 4px 6px 4px 0; padding: 4px 10px; cursor: pointer; }
    ul { margin: 4px 0; padding-left: 18px; clear: both; }
    img.figure-thumb { display: block; max-width: 160px; max-height: 120px; margin: 4px 0; border: 1px solid #999; cursor: zoom-in; }
    .lightbox { position: fixed; inset: 0; background: rgba(0,0,0,.82); z-index: 2147483647; display: flex; align-items: center; justify-content: center; cursor: zoom-out; }
    .lightbox img { max-width: 94vw; max-height: 94vh; background: #fff; }
    details { margin-top: 4px; }
  `;

  // One line on what to do with the result, by how strong the case's evidence is: the
  // appeal report goes to the platform's 申诉 upload, the police record to the police.
  const NEXT_STEP = {
    decisive: ["下一步：下载“申诉报告”，在平台售后的申诉/举证页面上传；金额较大或对方多次这样做，可带“报警材料”向公安机关报案。",
      "Next: download the appeal report and upload it in the platform's appeal; for a large amount or a repeat, take the police record to the police."],
    strong: ["下一步：下载“申诉报告”，在平台售后的申诉/举证页面上传，请平台复核原图。",
      "Next: download the appeal report and upload it in the platform's appeal, asking for the original files to be reviewed."],
    supporting: ["下一步：这些迹象单独不足以证明造假；可连同物流、聊天记录一起在申诉中提交“申诉报告”。",
      "Next: these signs alone do not prove a fake; submit the appeal report together with delivery and chat records."],
    counter: ["下一步：有证据支持买家的说法，请先核实商品和物流再决定是否申诉。",
      "Next: some evidence supports the buyer; check the goods and the delivery before appealing."],
    none: ["下一步：没有发现可作证据的问题（这不代表图片真实）；不建议仅凭本结果申诉。",
      "Next: nothing usable as evidence was found (this does not make the photos genuine); do not appeal on this result alone."],
  };

  // The verdict levels a police complaint can rest on (server/domain/verdict.py
  // supports_complaint): below them the police record is no basis for one.
  const GROUNDS = ["decisive", "strong"];

  // Before a police record with nothing strong found: say what it is worth, and make it
  // only on a second, explicit click.
  RP.askFirst = (caseId, status) => {
    status.className = "report-status error";
    status.textContent = RP.t("本案没有发现有力或确定性的证据，报警材料不能作为报案的依据，材料开头也会写明这一点。",
      "No strong or decisive evidence was found: a police record is no basis for a complaint, and it says so up front.");
    const go = document.createElement("button");
    go.className = "police-anyway";
    go.textContent = RP.t("仍然生成报警材料", "Make it anyway");
    go.onclick = () => {
      status.className = "report-status note";
      RP.downloadReport(caseId, "police", status);
    };
    status.append(document.createElement("br"), go);
  };

  const TIMELINE_NAMES = {
    ordered_at: ["下单时间", "Order time"], shipped_at: ["发货时间", "Shipment time"],
    delivered_at: ["签收时间", "Delivery time"], refund_requested_at: ["申请退款时间", "Refund request time"],
  };

  // Which refund this is, as the seller knows it: platform, order and refund numbers.
  const refundLine = (facts) => {
    const parts = [facts?.platform, facts?.order_id && `${RP.t("订单编号", "Order")} ${facts.order_id}`,
      facts?.refund_id && `${RP.t("退款编号", "Refund")} ${facts.refund_id}`].filter(Boolean);
    return parts.length ? parts.join(" · ") : RP.t("（没有读到平台和订单编号）", "(no platform or order number read)");
  };

  RP.caseHtml = (state) => {
    const { caseId, result, problems, capture, shown, unreadable, facts } = state;
    const t = RP.t;
    const c = result?.case;
    const colour = LEVEL_COLOURS[c?.verdict.level] || "#666";
    let html = `<h1>RefundProof ${t("退款鉴证", "")}</h1><div class="refund-of">${esc(refundLine(c?.facts || facts))}</div><div class="note">${t("案件", "Case")} <b class="case-id">${esc(caseId)}</b></div>`;
    // a date on the page that could not be read is said, not sent as text
    for (const u of unreadable || []) {
      const name = t(...(TIMELINE_NAMES[u.key] || [u.key, u.key]));
      html += `<div class="unreadable-date error">${esc(name)}${t("：日期无法识别（", ": date not recognised (")}${esc(u.text)}${t("）", ")")}</div>`;
    }
    if (c) {
      html += `<div class="verdict case-verdict" data-level="${c.verdict.level}" style="border-color:${colour};color:${colour}">${esc(c.verdict.summary)}</div>`;
      const next = NEXT_STEP[c.verdict.level];
      if (next) html += `<div class="next-step">${esc(t(...next))}</div>`;
    }
    // without strong or decisive evidence the police record asks first (RP.askFirst)
    const grounded = GROUNDS.includes(c?.verdict.level);
    html += `<div><button class="report" data-variant="appeal">${t("下载申诉报告", "Appeal report")}</button><button class="report" data-variant="police"${grounded ? "" : ' data-ask="1"'}>${t("下载报警材料", "Police record")}</button></div><div class="report-status note"></div>`;
    html += RP.statusHtml?.() || ""; // content/status.js: what happened next
    for (const p of problems || []) {
      html += `<div class="photo problem error" data-url="${esc(p.url)}">${esc(t(p.label, p.role === "listing" ? "Listing photo" : "Evidence photo"))}：${esc(RP.say(p.error))}</div>`;
    }
    if ((problems || []).length) html += `<button class="retry">${t("重试", "Try again")}</button>`;
    // the tip helps only where the capture failed for want of the toolbar's permission, and
    // the case has no capture of the page yet
    const captured = (result?.photos || []).some((p) => p.role === "page_capture");
    if (capture && !capture.ok && capture.toolbar && !captured) {
      html += `<div class="tip">${t("提示：从浏览器工具栏的 RefundProof 按钮开始核验，报告里会附上这一页的截图。", "Tip: start from the RefundProof toolbar button and the report includes a capture of this page.")}</div>`;
    }
    for (const p of result?.photos || []) {
      if (p.role === "page_capture") continue;
      const colourP = LEVEL_COLOURS[p.verdict.level];
      const limits = p.checks.map((k) => `<li><b>${esc(pick(k.title) || k.check)}</b>：${esc(pick(k.limits))}</li>`).join("");
      const findings = p.findings.filter((f) => f.strength !== "none").map((f) => {
        const fc = LEVEL_COLOURS[f.strength] || "#666";
        const fig = f.data?.figure ? `<img class="figure-thumb" alt="${t("图示", "figure")}" data-sha="${esc(f.data.figure.sha256)}">` : "";
        return `<li data-signal="${esc(f.signal)}" data-strength="${esc(f.strength)}"><span class="strength" style="border-color:${fc};color:${fc}">${esc(f.strength_name || f.strength)}</span>${esc(f.summary)}${fig}</li>`;
      }).join("");
      // the picture as the page shows it (the side panel: the address it was fetched from)
      const displayed = shown?.[p.sha256] || p.source?.http_headers?.["x-displayed-url"] || p.source?.source_url || "";
      const tag = p.media === "video" ? `video class="thumb" muted preload="metadata"` : `img class="thumb" alt=""`;
      const thumb = /^(https?|blob|data):/.test(displayed) ? `<${tag} src="${esc(displayed)}">${p.media === "video" ? "</video>" : ""}` : "";
      html += `<div class="photo" data-sha="${p.sha256}">${thumb}<span class="tag" style="background:${colourP}">${esc(RP.badgeText(p))}</span> ${esc(p.file)} <span class="note">${esc(p.role_name)}</span>
        <div>${esc(p.verdict.summary)}</div><ul>${findings || `<li>${t("未发现异常（不确定，不代表图片真实）", "Nothing found (inconclusive: it does not make the photo genuine)")}</li>`}</ul>
        <details><summary>${t("各项检查的局限", "What each check cannot see")}</summary><ul>${limits}</ul></details></div>`;
    }
    return html;
  };

  // A figure at full size over the page; a click anywhere closes it.
  const enlarge = (root, src) => {
    const box = document.createElement("div");
    box.className = "lightbox";
    const img = document.createElement("img");
    img.src = src;
    box.append(img);
    box.onclick = () => box.remove();
    (root instanceof Document ? root.body : root).append(box);
  };

  // Buttons and pictures inside a rendered case: report downloads, figures (drawn small,
  // opened large on a click) and the retry after a problem.
  RP.wireCase = (body, caseId) => {
    body.querySelectorAll("button.report").forEach((b) => (b.onclick = () => {
      const status = body.querySelector(".report-status");
      if (b.dataset.ask) RP.askFirst(caseId, status);
      else RP.downloadReport(caseId, b.dataset.variant, status);
    }));
    body.querySelectorAll("img.figure-thumb").forEach(async (img) => {
      try {
        const fig = await RP.send({ type: "rp:figure", sha256: img.dataset.sha });
        img.src = "data:image/jpeg;base64," + fig.b64;
        img.onclick = () => enlarge(body.getRootNode(), img.src);
      } catch {
        img.replaceWith(document.createTextNode(RP.t("（图示暂不可用）", " (figure unavailable)")));
      }
    });
    const retry = body.querySelector("button.retry");
    if (retry) retry.onclick = () => RP.retry?.();
    RP.wireStatus?.(body, caseId);
  };

  RP.downloadReport = async (caseId, variant, status) => {
    status.textContent = RP.t("正在生成签名报告…", "Making the signed report…");
    try {
      // the background has the browser download it from the server (no bytes cross a message)
      const rep = await RP.send({ type: "rp:report", caseId, variant, lang: RP.lang });
      status.textContent = `${RP.t("已下载", "Downloaded")}: ${rep.filename}（SHA-256 ${rep.record.sha256.slice(0, 16)}…）`;
      // platform evidence forms take images: this platform's appeal images, in upload order
      const images = rep.record.appeal_images || [];
      const own = images.filter((i) => i.own_platform);
      for (const item of own.length ? own : images) {
        const button = document.createElement("button");
        button.className = "appeal-image";
        const form = RP.lang === "en" ? item.form_name.en : item.form_name["zh-CN"];
        const where = RP.lang === "en" ? item.platform_name.en : item.platform_name["zh-CN"];
        button.textContent = `${RP.t("下载申诉图片", "Appeal image")} ${where} ${form} ${item.n}/${item.max_images}`;
        button.onclick = async () => {
          await RP.send({ type: "rp:report-file", reportId: rep.record.id, name: item.name });
        };
        status.append(document.createElement("br"), button);
      }
    } catch (err) {
      status.textContent = RP.say(err);
      status.className = "report-status error";
      if (err?.code === "shop_unset") {  // the server's sentence says how; this opens the place
        const button = document.createElement("button");
        button.className = "open-options";
        button.textContent = RP.t("打开设置，填写店铺名", "Open the settings to enter the shop name");
        button.onclick = () => RP.send({ type: "rp:options" });
        status.append(document.createElement("br"), button);
      }
    }
  };
})();
