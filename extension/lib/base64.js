// Bytes <-> base64, for image bytes inside runtime messages (they carry JSON, not bytes).
// The one copy for both contexts: listed first among the content scripts, and imported by the
// background module for its side effect (a module cannot share code with content scripts
// otherwise without a build step).
globalThis.RPBase64 = {
  encode(bytes) {
    let s = "";
    for (let i = 0; i < bytes.length; i += 0x8000) {
      s += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
    }
    return btoa(s);
  },
  decode(b64) {
    return Uint8Array.from(atob(b64), (ch) => ch.charCodeAt(0));
  },
};
