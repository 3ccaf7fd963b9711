import { DEFAULT_SERVER, health, pair } from "./lib/api.js";

const $ = (id) => document.getElementById(id);

async function refresh() {
  const { server } = await chrome.storage.local.get("server");
  $("server").value = server || DEFAULT_SERVER;
  const h = await health();
  $("status").className = h.running && h.paired ? "ok" : "bad";
  $("status").textContent = !h.running
    ? "本机服务没有运行：请在 RefundProof 文件夹里运行 make run。/ The server is not running: run make run in the RefundProof folder."
    : h.paired
      ? "已配对，可以使用。/ Paired and ready."
      : "尚未配对。/ Not paired yet.";
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
    $("status").textContent = `${e.zh} / ${e.en}`;
  }
};

// the language of the panel and the reports the extension asks for
$("lang").onchange = () => chrome.storage.local.set({ lang: $("lang").value });
chrome.storage.local.get("lang").then((s) => ($("lang").value = s.lang === "en" ? "en" : "zh"));

refresh();
