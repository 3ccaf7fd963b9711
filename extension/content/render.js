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
    reuse: ["重复使用", "Used before"],
    visible_mark: ["AI标识", "AI mark"],
    aigc_label: ["AI标识", "AI label"],
    c2pa: ["AI凭证", "AI credentials"],
    ai_metadata: ["AI生成元数据", "AI metadata"],
    exif_context: ["时间矛盾", "Timeline conflict"],
    forensics: ["可疑区域", "Suspicious region"],
  };
  const LEVEL_BADGE = {
    counter: ["有利买家", "For the buyer"],
    none: ["未发现异常（不确定）", "Nothing found (inconclusive)"],
    error: ["检查出错", "Check failed"],
  };

  RP.badgeText = (photo) => {
    if (photo.role === "listing") return "商品图";
    const level = photo.verdict.level;
    if (["decisive", "strong", "supporting"].includes(level)) {
      const top = photo.findings.find((f) => f.strength === level);
      return (CHECK_BADGE[top?.check] || ["可疑", "Suspicious"])[0];
    }
    return (LEVEL_BADGE[level] || LEVEL_BADGE.none)[0];
  };

  const esc = (RP.esc = (s) => String(s ?? "").replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]));

  RP.LEVEL_COLOURS = LEVEL_COLOURS;

  RP.CASE_CSS = `
    :host { all: initial; }
    .panel { position: fixed; top: 0; right: 0; width: 380px; height: 100vh; overflow: auto; z-index: 2147483646;
      background: #fff; border-left: 2px solid #333; font: 13px/1.5 "Noto Sans CJK SC", "PingFang SC", "Microsoft YaHei", sans-serif; color: #111;
      box-shadow: -4px 0 16px rgba(0,0,0,.2); padding: 12px 14px; box-sizing: border-box; }
    .panel[hidden] { display: none; }
    h1 { font-size: 16px; margin: 0 0 8px; } h2 { font-size: 14px; margin: 12px 0 4px; }
    .verdict { border: 2px solid; padding: 6px 8px; font-weight: bold; margin: 6px 0; }
    .photo { border-top: 1px solid #ccc; padding: 8px 0; }
    .tag { display: inline-block; color: #fff; padding: 0 6px; border-radius: 3px; font-size: 12px; }
    .error { color: #b00020; } .note { color: #555; font-size: 12px; }
    button { font: inherit; margin: 4px 6px 4px 0; padding: 4px 10px; cursor: pointer; }
    .close { position: absolute; top: 8px; right: 10px; }
    ul { margin: 4px 0; padding-left: 18px; } img.figure { max-width: 100%; border: 1px solid #999; }
    details { margin-top: 4px; }
  `;

  RP.caseHtml = (state) => {
    const { caseId, result, problems, capture } = state;
    const c = result?.case;
    const colour = LEVEL_COLOURS[c?.verdict.level] || "#666";
    let html = `<h1>RefundProof 退款鉴证</h1><div class="note">案件 / case <b class="case-id">${esc(caseId)}</b></div>`;
    if (c) html += `<div class="verdict case-verdict" data-level="${c.verdict.level}" style="border-color:${colour};color:${colour}">${esc(c.verdict.summary)}</div>`;
    html += `<div><button class="report" data-variant="appeal">下载申诉报告 / Appeal report</button><button class="report" data-variant="police">下载报警材料 / Police record</button></div><div class="report-status note"></div>`;
    for (const p of problems || []) {
      html += `<div class="photo problem error" data-url="${esc(p.url)}">${esc(p.label)}：${esc(p.error.zh)}<br><span class="note">${esc(p.error.en)}</span></div>`;
    }
    if (capture && !capture.ok) html += `<div class="note">页面截图未保存：从浏览器工具栏的 RefundProof 按钮开始核验时才能截取页面。/ No page capture: it is taken when you start from the toolbar button.</div>`;
    for (const p of result?.photos || []) {
      if (p.role === "page_capture") continue;
      const colourP = LEVEL_COLOURS[p.verdict.level];
      const limits = p.checks.map((k) => `<li><b>${esc(k.title?.["zh-CN"] || k.check)}</b>：${esc(k.limits["zh-CN"])}</li>`).join("");
      const findings = p.findings.filter((f) => f.strength !== "none").map((f) => `<li data-signal="${esc(f.signal)}" data-strength="${esc(f.strength)}">[${esc(f.strength_name || f.strength)}] ${esc(f.summary)}${f.data?.figure ? ` <a href="#" class="fig" data-sha="${esc(f.data.figure.sha256)}">图示 / figure</a>` : ""}</li>`).join("");
      html += `<div class="photo" data-sha="${p.sha256}"><span class="tag" style="background:${colourP}">${esc(RP.badgeText(p))}</span> ${esc(p.file)} <span class="note">[${esc(p.role_name)}]</span>
        <div>${esc(p.verdict.summary)}</div><ul>${findings || "<li>未发现异常（不确定，不代表图片真实）/ nothing found (inconclusive)</li>"}</ul>
        <details><summary>各项检查的局限 / limits</summary><ul>${limits}</ul></details></div>`;
    }
    return html;
  };

  // Buttons and links inside a rendered case: report downloads and figures.
  RP.wireCase = (body, caseId) => {
    body.querySelectorAll("button.report").forEach((b) => (b.onclick = () => RP.downloadReport(caseId, b.dataset.variant, body.querySelector(".report-status"))));
    body.querySelectorAll("a.fig").forEach((a) => (a.onclick = async (e) => {
      e.preventDefault();
      const fig = await RP.send({ type: "rp:figure", sha256: a.dataset.sha });
      const img = document.createElement("img");
      img.className = "figure";
      img.src = "data:image/jpeg;base64," + fig.b64;
      a.replaceWith(img);
    }));
  };

  const save = (b64, type, filename) => {
    const bytes = RPBase64.decode(b64);
    const a = document.createElement("a");
    a.href = URL.createObjectURL(new Blob([bytes], { type }));
    a.download = filename;
    document.body.append(a);
    a.click();
    a.remove();
  };

  RP.downloadReport = async (caseId, variant, status) => {
    status.textContent = "正在生成签名报告… / making the signed report…";
    try {
      const rep = await RP.send({ type: "rp:report", caseId, variant, lang: "zh" });
      save(rep.b64, "application/pdf", rep.filename);
      status.textContent = `已下载 / downloaded: ${rep.filename}（SHA-256 ${rep.record.sha256.slice(0, 16)}…）`;
      // appeal forms that take only images: the summary image carries the PDF's hash
      const image = document.createElement("button");
      image.className = "summary-image";
      image.textContent = "下载摘要图（给只收图片的申诉表单）/ Summary image";
      image.onclick = async () => {
        const png = await RP.send({ type: "rp:report-file", reportId: rep.record.id, name: "summary.png" });
        save(png.b64, "image/png", `RefundProof-${rep.record.id}-summary.png`);
      };
      status.append(document.createElement("br"), image);
    } catch (err) {
      status.textContent = `${err.zh} / ${err.en}`;
      status.className = "report-status error";
    }
  };
})();
