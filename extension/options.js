import { DEFAULT_SERVER, health, pair } from "./lib/api.js";
import { pageLang, sayer, translate } from "./lib/lang.js";

const $ = (id) => document.getElementById(id);
let lang = "zh";
const t = (zh, en) => sayer(lang)(zh, en);

async function refresh() {
  const { server } = await chrome.storage.local.get("server");
  $("server").value = server || DEFAULT_SERVER;
  const h = await health();
  $("status").className = h.running && h.paired ? "ok" : "bad";
  $("status").textContent = !h.running
    ? t("本机服务没有运行：请在 RefundProof 文件夹里运行 make run。", "The server is not running: run make run in the RefundProof folder.")
    : h.paired
      ? t("已配对，可以使用。", "Paired and ready.")
      : t("尚未配对。", "Not paired yet.");
}

$("save").onclick = async () => {
  await chrome.storage.local.set({ server: $("server").value.trim() || DEFAULT_SERVER });
  refresh();
};

$("pair").onclick = async () => {
  try {
    await pair($("code").value.trim());
    $("code").value = "";
    await refresh();
  } catch (e) {
    $("status").className = "bad";
    $("status").textContent = t(e.zh, e.en);
  }
};

// the language of this page, the panel and the reports the extension asks for
$("lang").onchange = async () => {
  lang = $("lang").value === "en" ? "en" : "zh";
  await chrome.storage.local.set({ lang });
  translate(lang);
  refresh();
};

pageLang().then((l) => {
  lang = l;
  $("lang").value = l;
  translate(l);
  refresh();
});
