// Passkey sign-in and registration for the Unionhall console. Without
// JavaScript (or without WebAuthn) the buttons stay hidden and the email
// link works as before.
(function () {
  "use strict";
  if (!window.PublicKeyCredential || !navigator.credentials) return;

  function dec(s) {
    s = s.replace(/-/g, "+").replace(/_/g, "/");
    while (s.length % 4) s += "=";
    var bin = atob(s), out = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out.buffer;
  }
  function enc(buf) {
    var bytes = new Uint8Array(buf), bin = "";
    for (var i = 0; i < bytes.length; i++) bin += String.fromCharCode(bytes[i]);
    return btoa(bin).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }
  // The page's language comes with the status element (data-* texts made
  // by the server from messages.json); English is the fallback.
  var statusEl = document.getElementById("passkey-status");
  function text(name, fallback) {
    return (statusEl && statusEl.getAttribute("data-" + name)) || fallback;
  }
  function status(msg) {
    if (statusEl) statusEl.textContent = msg;
  }
  async function post(url, body) {
    var r = await fetch(url, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body || {})
    });
    var j = {};
    try { j = await r.json(); } catch (e) { /* not JSON */ }
    if (!r.ok) throw new Error(j.error || text("request-failed", "The request failed."));
    return j;
  }

  var reg = document.getElementById("passkey-register");
  if (reg) {
    reg.hidden = false;
    reg.addEventListener("click", async function () {
      status(text("follow", "Follow your browser's instructions…"));
      try {
        var pk = (await post("/auth/passkey/register/begin")).publicKey;
        pk.challenge = dec(pk.challenge);
        pk.user.id = dec(pk.user.id);
        (pk.excludeCredentials || []).forEach(function (c) { c.id = dec(c.id); });
        var cred = await navigator.credentials.create({ publicKey: pk });
        await post("/auth/passkey/register/finish", {
          id: cred.id, rawId: enc(cred.rawId), type: cred.type,
          response: {
            attestationObject: enc(cred.response.attestationObject),
            clientDataJSON: enc(cred.response.clientDataJSON),
            transports: cred.response.getTransports ? cred.response.getTransports() : []
          }
        });
        location.reload();
      } catch (e) {
        status(text("register-failed", "The passkey was not registered: ") + e.message);
      }
    });
  }

  var login = document.getElementById("passkey-login");
  if (login) {
    login.hidden = false;
    login.addEventListener("click", async function () {
      status(text("follow", "Follow your browser's instructions…"));
      try {
        var pk = (await post("/auth/passkey/login/begin")).publicKey;
        pk.challenge = dec(pk.challenge);
        (pk.allowCredentials || []).forEach(function (c) { c.id = dec(c.id); });
        var a = await navigator.credentials.get({ publicKey: pk });
        var j = await post("/auth/passkey/login/finish", {
          id: a.id, rawId: enc(a.rawId), type: a.type,
          response: {
            authenticatorData: enc(a.response.authenticatorData),
            clientDataJSON: enc(a.response.clientDataJSON),
            signature: enc(a.response.signature),
            userHandle: a.response.userHandle ? enc(a.response.userHandle) : ""
          }
        });
        location.assign(j.redirect);
      } catch (e) {
        status(text("login-failed", "Sign-in with a passkey failed: ") + e.message);
      }
    });
  }
})();
