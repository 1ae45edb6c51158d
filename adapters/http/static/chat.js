/* frontdesk web chat: the full-page chat and the embeddable widget (one file, no build step,
   no external resources). Embed on any site with
     <script src="https://desk.example.com/widget.js" data-business="bloom-salon"></script>
   Optional attributes: data-lang="en|de", data-mode="page" (fill the page, no bubble). */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script) { return; }
  var business = script.getAttribute("data-business");
  if (!business) { return; }
  var base = new URL(script.src, location.href);
  var mode = script.getAttribute("data-mode") || "widget";
  var pageLang = (script.getAttribute("data-lang") || document.documentElement.lang || "en")
    .slice(0, 2).toLowerCase();
  var lang = pageLang === "de" ? "de" : "en";
  var T = {
    en: { open: "Chat with us", close: "Close", placeholder: "Type a message…", send: "Send",
          typing: "typing…", offline: "Reconnecting…", ended: "The conversation has ended." },
    de: { open: "Chatten Sie mit uns", close: "Schließen", placeholder: "Nachricht eingeben…",
          send: "Senden", typing: "schreibt…", offline: "Verbindung wird wiederhergestellt…",
          ended: "Das Gespräch ist beendet." }
  }[lang];
  var storeKey = "frontdesk:" + business + ":session";

  var css = [
    ".fd-root{font-family:system-ui,sans-serif;font-size:15px;color:#1d232b;z-index:2147483000}",
    ".fd-bubble{position:fixed;right:20px;bottom:20px;border:0;border-radius:28px;padding:14px 20px;",
    "background:#0b5cad;color:#fff;font:inherit;cursor:pointer;box-shadow:0 4px 14px rgba(0,0,0,.25)}",
    ".fd-panel{display:flex;flex-direction:column;background:#fff}",
    ".fd-widget .fd-panel{position:fixed;right:20px;bottom:84px;width:360px;max-width:calc(100vw - 40px);",
    "height:520px;max-height:calc(100vh - 120px);border-radius:12px;box-shadow:0 8px 30px rgba(0,0,0,.25);overflow:hidden}",
    ".fd-page .fd-panel{position:fixed;inset:0}",
    ".fd-head{display:flex;justify-content:space-between;align-items:center;padding:12px 16px;background:#0b5cad;color:#fff;font-weight:600}",
    ".fd-head button{background:none;border:0;color:#fff;font-size:20px;cursor:pointer}",
    ".fd-log{flex:1;overflow-y:auto;padding:12px;background:#f6f7f9}",
    ".fd-msg{max-width:80%;margin:6px 0;padding:8px 12px;border-radius:12px;white-space:pre-wrap;line-height:1.35}",
    ".fd-desk{background:#fff;border:1px solid #dde2e8}",
    ".fd-customer{background:#0b5cad;color:#fff;margin-left:auto}",
    ".fd-note{color:#667;font-size:13px;margin:6px 0;font-style:italic}",
    ".fd-options{display:flex;flex-wrap:wrap;gap:6px;margin:6px 0}",
    ".fd-options button{border:1px solid #0b5cad;background:#fff;color:#0b5cad;border-radius:16px;padding:6px 12px;font:inherit;cursor:pointer}",
    ".fd-form{display:flex;border-top:1px solid #dde2e8}",
    ".fd-form input{flex:1;border:0;padding:12px;font:inherit;outline:none}",
    ".fd-form button{border:0;background:#0b5cad;color:#fff;padding:0 16px;font:inherit;cursor:pointer}"
  ].join("");

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) { e.className = cls; }
    if (text !== undefined) { e.textContent = text; }
    return e;
  }

  var root = el("div", "fd-root " + (mode === "page" ? "fd-page" : "fd-widget"));
  var style = el("style");
  style.textContent = css;
  root.appendChild(style);
  var panel = el("div", "fd-panel");
  panel.setAttribute("role", "dialog");
  var head = el("div", "fd-head");
  var title = el("span", "", script.getAttribute("data-title") || "");
  head.appendChild(title);
  var log = el("div", "fd-log");
  log.setAttribute("aria-live", "polite");
  var form = el("form", "fd-form");
  var input = el("input");
  input.type = "text";
  input.maxLength = 2000;
  input.placeholder = T.placeholder;
  input.setAttribute("aria-label", T.placeholder);
  var send = el("button", "", T.send);
  send.type = "submit";
  form.appendChild(input);
  form.appendChild(send);
  panel.appendChild(head);
  panel.appendChild(log);
  panel.appendChild(form);
  root.appendChild(panel);

  if (mode !== "page") {
    var bubble = el("button", "fd-bubble", T.open);
    bubble.type = "button";
    var closer = el("button", "", "×");
    closer.type = "button";
    closer.setAttribute("aria-label", T.close);
    head.appendChild(closer);
    panel.style.display = "none";
    bubble.onclick = function () {
      var opening = panel.style.display === "none";
      panel.style.display = opening ? "flex" : "none";
      if (opening) { connect(); input.focus(); }
    };
    closer.onclick = function () { panel.style.display = "none"; };
    root.appendChild(bubble);
  }


  var ws = null, session = "", pending = [], seq = 0, typing = null, status = null;
  var retry = 500;
  try { session = localStorage.getItem(storeKey) || ""; } catch (e) { session = ""; }

  function scroll() { log.scrollTop = log.scrollHeight; }
  function clearOptions() {
    var old = log.querySelectorAll(".fd-options");
    for (var i = 0; i < old.length; i++) { old[i].parentNode.removeChild(old[i]); }
  }
  function say(from, text) {
    log.appendChild(el("div", "fd-msg " + (from === "customer" ? "fd-customer" : "fd-desk"), text));
    scroll();
  }
  function note(text) { var n = el("div", "fd-note", text); log.appendChild(n); scroll(); return n; }
  function drop(node) { if (node && node.parentNode) { node.parentNode.removeChild(node); } }
  function options(list) {
    clearOptions();
    if (!list || !list.length) { return; }
    var box = el("div", "fd-options");
    list.forEach(function (value) {
      var b = el("button", "", value);
      b.type = "button";
      b.onclick = function () { submit("choice", value); };
      box.appendChild(b);
    });
    log.appendChild(box);
    scroll();
  }
  function submit(type, text) {
    var id = Date.now().toString(36) + "-" + (++seq);
    var frame = { type: type, id: id };
    frame[type === "choice" ? "value" : "text"] = text;
    clearOptions();
    say("customer", text);
    pending.push(frame);
    flush();
  }
  function flush() {
    if (!ws || ws.readyState !== 1 || !session) { return; }
    pending.forEach(function (f) { if (!f.sent) { ws.send(JSON.stringify(f)); f.sent = true; } });
  }

  function connect() {
    if (ws && ws.readyState <= 1) { return; }
    var url = (base.protocol === "https:" ? "wss:" : "ws:") + "//" + base.host + "/ws/" +
      encodeURIComponent(business);
    ws = new WebSocket(url);
    ws.onopen = function () {
      retry = 500;
      ws.send(JSON.stringify({ type: "hello", session: session, lang: lang }));
    };
    ws.onmessage = function (ev) {
      var f;
      try { f = JSON.parse(ev.data); } catch (e) { return; }
      if (f.type === "welcome") {
        drop(status); status = null;
        var fresh = session !== f.session;
        session = f.session;
        try { localStorage.setItem(storeKey, session); } catch (e) { /* private mode */ }
        if (!title.textContent) { title.textContent = f.business.name; }
        if (fresh || !log.querySelector(".fd-msg")) {
          log.textContent = "";
          var last = null;
          (f.history || []).forEach(function (h) { say(h.from, h.text); last = h; });
          if (last && last.from === "desk") { options(last.options); }
          pending.forEach(function (p) { say("customer", p.text || p.value); });
        }
        // frames sent before the socket dropped go again: the desk answers each once
        pending.forEach(function (p) { p.sent = false; });
        flush();
      } else if (f.type === "typing") {
        drop(typing); typing = note(T.typing);
      } else if (f.type === "reply") {
        drop(typing); typing = null;
        pending = pending.filter(function (p) { return p.id !== f.in_reply_to; });
        say("desk", f.text);
        options(f.options);
        if (f.end) { note(T.ended); }
      } else if (f.type === "error") {
        drop(typing); typing = null;
        note(f.error);
      }
    };
    ws.onclose = function () {
      drop(typing); typing = null;
      if (!status) { status = note(T.offline); }
      setTimeout(connect, retry);
      retry = Math.min(retry * 2, 10000);
    };
  }

  form.onsubmit = function (e) {
    e.preventDefault();
    var text = input.value.trim();
    if (!text) { return; }
    input.value = "";
    submit("message", text);
    connect();
  };

  // last, once every variable above holds its value (the stored session above all)
  function ready() { document.body.appendChild(root); if (mode === "page") { connect(); } }
  if (document.body) { ready(); } else { document.addEventListener("DOMContentLoaded", ready); }
})();
