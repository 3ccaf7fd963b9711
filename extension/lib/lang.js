// The seller's language on the extension's own pages (options, popup), as in the panel
// (content/render.js RP.t): Chinese only in Chinese mode, English only in English mode. A page
// is written in Chinese; an element's English sits in its data-en attribute.

export async function pageLang() {
  const { lang } = await chrome.storage.local.get("lang");
  return lang === "en" ? "en" : "zh";
}

// (zh, en) -> the words in `lang`
export const sayer = (lang) => (zh, en) => (lang === "en" ? en : zh);

export function translate(lang) {
  document.documentElement.lang = lang === "en" ? "en" : "zh-CN";
  for (const el of document.querySelectorAll("[data-en]")) {
    el.dataset.zh ??= el.innerHTML;
    el.innerHTML = lang === "en" ? el.dataset.en : el.dataset.zh;
  }
}
