// The browser's side panel: the case verified in the current tab, drawn by the same renderer
// as the in-page panel, with the report buttons. It stays open while the seller browses.
const RP = globalThis.RP;
const body = document.getElementById("body");
document.getElementById("case-css").textContent = RP.CASE_CSS;
const fixedTab = new URLSearchParams(location.search).get("tab"); // for opening it as a page

async function tabId() {
  if (fixedTab) return Number(fixedTab);
  const [tab] = await chrome.tabs.query({ active: true, currentWindow: true });
  return tab?.id;
}

async function render() {
  await RP.ready;
  const key = `case:${await tabId()}`;
  const caseId = (await chrome.storage.session.get(key))[key];
  if (!caseId) {
    body.innerHTML = RP.t(
      "<h1>RefundProof 退款鉴证</h1><p>这个标签页还没有核验过。在退款页面点“核验 / Verify”。</p>",
      "<h1>RefundProof</h1><p>Nothing verified in this tab yet: click 核验 / Verify on a refund page.</p>",
    );
    return;
  }
  try {
    const result = await RP.send({ type: "rp:findings", caseId, lang: RP.lang });
    body.innerHTML = RP.caseHtml({ caseId, result, problems: [] });
    RP.wireCase(body, caseId);
  } catch (err) {
    body.innerHTML = `<h1>RefundProof</h1><p class="error">${RP.esc(RP.say(err))}</p>`;
  }
}

chrome.tabs.onActivated.addListener(render);
chrome.storage.session.onChanged.addListener(render);
render();
