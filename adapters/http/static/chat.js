/* frontdesk web chat: the full-page chat and the embeddable widget (one file, no build step,
   no external resources). Embed on any site with
     <script src="https://desk.example.com/widget.js" data-business="bloom-salon"></script>
   Optional attributes:
     data-lang="en|de"       the chat's language (default: the page's <html lang>)
     data-color="#0b5cad"    the site's colour, as #rgb or #rrggbb (anything else: the default)
     data-greeting="Hi!"     the first words shown (plain text; default: the business's own)
     data-position="bottom-right|bottom-left"   where the launcher sits
     data-mode="page"        fill the page, no launcher (the server's /chat/ page uses it)
   The server fills in the UI words and the stylesheet below when it serves this file. On
   the full page the server has already rendered the chat as plain HTML forms (it works
   without this script); this script takes that markup over and talks over a WebSocket. */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script) { return; }
  var business = script.getAttribute("data-business");
  if (!business) { return; }
  var UI = /*@UI*/{ en: {} };
  var CSS = /*@CSS*/"";
  var base = new URL(script.src, location.href);
  var mode = script.getAttribute("data-mode") === "page" ? "page" : "widget";
  var asked = (script.getAttribute("data-lang") || document.documentElement.lang || "en")
    .slice(0, 2).toLowerCase();
  var lang = UI[asked] ? asked : "en";
  var T = UI[lang];
  var left = script.getAttribute("data-position") === "bottom-left";
  var ownGreeting = (script.getAttribute("data-greeting") || "").trim().slice(0, 500);
  var accent = hexColor(script.getAttribute("data-color"));
  var storeKey = "frontdesk:" + business + ":session";

  /* "#abc" or "#aabbcc" as "#aabbcc"; anything else null (the stylesheet's default stays) */
  function hexColor(value) {
    var v = (value || "").trim();
    if (!v) { return null; }
    if (!/^#([0-9a-fA-F]{3}|[0-9a-fA-F]{6})$/.test(v)) {
      if (window.console) { console.warn("frontdesk: data-color must be #rgb or #rrggbb"); }
      return null;
    }
    if (v.length === 4) { v = "#" + v[1] + v[1] + v[2] + v[2] + v[3] + v[3]; }
    return v.toLowerCase();
  }
  /* white or near-black, whichever contrasts more with the colour (WCAG luminance) */
  function inkOn(hex) {
    function channel(i) {
      var c = parseInt(hex.substr(i, 2), 16) / 255;
      return c <= 0.03928 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4);
    }
    var l = 0.2126 * channel(1) + 0.7152 * channel(3) + 0.0722 * channel(5);
    return (1.05 / (l + 0.05)) >= ((l + 0.05) / 0.0615) ? "#ffffff" : "#111418";
  }
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) { e.className = cls; }
    if (text !== undefined) { e.textContent = text; }
    return e;
  }

  /* ----------------------------------------------------------- the markup */
  var root = mode === "page" ? document.querySelector(".fd-root.fd-page") : null;
  var adopted = !!root;
  var launcher = null, closer = null, panel, title, log, form, input, ended, error;
  if (adopted) {
    panel = root.querySelector(".fd-panel");
    title = root.querySelector(".fd-title");
    log = root.querySelector(".fd-log");
    form = root.querySelector(".fd-form");
    input = form.querySelector("input[name=text]");
    ended = root.querySelector(".fd-ended");
    error = root.querySelector(".fd-error");
  } else {
    root = el("div", "fd-root " + (mode === "page" ? "fd-page" : "fd-widget"));
    var style = el("style");
    style.textContent = CSS;
    root.appendChild(style);
    panel = el(mode === "page" ? "section" : "div", "fd-panel");
    panel.id = "fd-panel-" + business.replace(/[^a-z0-9-]/gi, "");
    var head = el("div", "fd-head");
    title = el(mode === "page" ? "h1" : "h2", "fd-title", script.getAttribute("data-title") || "");
    head.appendChild(title);
    log = el("div", "fd-log");
    log.setAttribute("role", "log");
    log.setAttribute("aria-live", "polite");
    form = el("form", "fd-form");
    var label = el("label", "fd-sr", T.message);
    input = el("input");
    input.id = panel.id + "-input";
    label.htmlFor = input.id;
    input.name = "text";
    input.type = "text";
    input.maxLength = 2000;
    input.autocomplete = "off";
    input.placeholder = T.placeholder;
    var send = el("button", "fd-send", T.send);
    send.type = "submit";
    form.appendChild(label);
    form.appendChild(input);
    form.appendChild(send);
    ended = el("form", "fd-ended");
    ended.hidden = true;
    ended.appendChild(el("p", "", T.ended));
    var again = el("button", "fd-again", T.again);
    again.type = "submit";
    ended.appendChild(again);
    panel.appendChild(head);
    panel.appendChild(log);
    panel.appendChild(form);
    panel.appendChild(ended);
    root.appendChild(panel);
  }
  if (left) { root.className += " fd-left"; }
  if (accent) {
    root.style.setProperty("--fd-accent", accent);
    root.style.setProperty("--fd-on-accent", inkOn(accent));
  }

  if (mode !== "page") {
    panel.setAttribute("role", "dialog");
    panel.setAttribute("aria-label", T.open);
    launcher = el("button", "fd-launcher");
    launcher.type = "button";
    launcher.setAttribute("aria-controls", panel.id);
    launcher.setAttribute("aria-expanded", "false");
    launcher.innerHTML = '<svg viewBox="0 0 24 24" aria-hidden="true"><path d="M4 4h16a2 2 ' +
      '0 0 1 2 2v10a2 2 0 0 1-2 2h-8l-5 4v-4H4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2z"/></svg>';
    launcher.appendChild(el("span", "", T.open));
    closer = el("button", "fd-close", "×");
    closer.type = "button";
    closer.setAttribute("aria-label", T.close);
    panel.querySelector(".fd-head").appendChild(closer);
    panel.hidden = true;
    launcher.onclick = function () { show(panel.hidden); };
    closer.onclick = function () { show(false); };
    panel.addEventListener("keydown", function (e) {
      if (e.key === "Escape") { show(false); }
    });
    root.appendChild(launcher);
  }
  function show(open) {
    panel.hidden = !open;
    launcher.setAttribute("aria-expanded", open ? "true" : "false");
    if (open) { connect(); focusInput(); } else { launcher.focus(); }
  }
  function focusInput() { if (!form.hidden) { input.focus(); } }

  /* ----------------------------------------------------------- the conversation */
  var ws = null, session = "", pending = [], seq = 0, typing = null, status = null;
  var greeting = null, shown = false, retry = 500;
  try { session = localStorage.getItem(storeKey) || ""; } catch (e) { session = ""; }
  if (!session && adopted) { session = root.getAttribute("data-session") || ""; }

  function scroll() { log.scrollTop = log.scrollHeight; }
  function clearButtons() {
    var old = log.querySelectorAll(".fd-options");
    for (var i = 0; i < old.length; i++) { old[i].parentNode.removeChild(old[i]); }
  }
  function say(from, text, cls) {
    var p = el("p", "fd-msg " + (from === "customer" ? "fd-customer" : "fd-desk") +
      (cls ? " " + cls : ""), text);
    log.appendChild(p);
    scroll();
    return p;
  }
  function note(text) { var n = el("p", "fd-note", text); log.appendChild(n); scroll(); return n; }
  function drop(node) { if (node && node.parentNode) { node.parentNode.removeChild(node); } }
  /* a row of buttons; each sends its own text: a suggestion as a message, an option as
     the offered choice it is */
  function buttons(list, kind, label) {
    clearButtons();
    if (!list || !list.length) { return; }
    var box = el("form", "fd-options" + (kind === "message" ? " fd-suggestions" : ""));
    box.setAttribute("role", "group");
    box.setAttribute("aria-label", label);
    list.forEach(function (value) {
      var b = el("button", "", value);
      b.type = "submit";
      b.name = kind === "message" ? "text" : "choice";
      b.value = value;
      box.appendChild(b);
    });
    log.appendChild(box);
    scroll();
  }
  function setEnded(done) {
    form.hidden = done;
    ended.hidden = !done;
    input.disabled = done;
    if (done) {
      clearButtons();
      var again = ended.querySelector("button");
      if (again && !panel.hidden) { again.focus(); }
    }
  }
  function render(history) {
    log.textContent = "";
    var words = ownGreeting || (greeting && greeting.text) || "";
    if (words) { say("desk", words, "fd-greeting"); }
    var last = null;
    (history || []).forEach(function (h) { say(h.from, h.text); last = h; });
    if (!last && !pending.length && greeting) {
      buttons(greeting.suggestions, "message", T.suggestions);
    } else if (last && last.from === "desk" && !last.end) {
      buttons(last.options, "choice", T.options);
    }
    pending.forEach(function (p) { say("customer", p.text || p.value); });
    setEnded(!!(last && last.end) && !pending.length);
    shown = true;
  }
  function submit(kind, text) {
    var id = Date.now().toString(36) + "-" + (++seq);
    var frame = { type: kind, id: id };
    frame[kind === "choice" ? "value" : "text"] = text;
    clearButtons();
    drop(error); error = null;
    say("customer", text);
    pending.push(frame);
    connect();
    flush();
  }
  function flush() {
    if (!ws || ws.readyState !== 1 || !session) { return; }
    pending.forEach(function (f) { if (!f.sent) { ws.send(JSON.stringify(f)); f.sent = true; } });
  }
  function hello(asSession) {
    ws.send(JSON.stringify({ type: "hello", session: asSession, lang: lang }));
  }
  function startOver() {
    try { localStorage.removeItem(storeKey); } catch (e) { /* private mode */ }
    session = "";
    pending = [];
    shown = false;
    root.removeAttribute("data-session");
    log.textContent = "";
    setEnded(false);
    if (ws && ws.readyState === 1) { hello(""); } else { connect(); }
    focusInput();
  }

  function connect() {
    if (ws && ws.readyState <= 1) { return; }
    var url = (base.protocol === "https:" ? "wss:" : "ws:") + "//" + base.host + "/ws/" +
      encodeURIComponent(business);
    ws = new WebSocket(url);
    ws.onopen = function () { retry = 500; hello(session); };
    ws.onmessage = function (ev) {
      var f;
      try { f = JSON.parse(ev.data); } catch (e) { return; }
      if (f.type === "welcome") {
        drop(status); status = null;
        var fresh = session !== f.session;
        session = f.session;
        greeting = f.greeting || null;
        if (greeting && UI[greeting.lang]) { T = UI[greeting.lang]; }
        try { localStorage.setItem(storeKey, session); } catch (e) { /* private mode */ }
        if (!title.textContent) { title.textContent = f.business.name; }
        if (fresh || !shown) { render(f.history); }
        // frames sent before the socket dropped go again: the desk answers each once
        pending.forEach(function (p) { p.sent = false; });
        flush();
      } else if (f.type === "typing") {
        drop(typing); typing = note(T.typing);
      } else if (f.type === "reply") {
        drop(typing); typing = null;
        pending = pending.filter(function (p) { return p.id !== f.in_reply_to; });
        say("desk", f.text);
        if (f.end) { setEnded(true); } else { buttons(f.options, "choice", T.options); }
      } else if (f.type === "error") {
        drop(typing); typing = null;
        note(f.error);
      }
    };
    ws.onclose = function (ev) {
      drop(typing); typing = null;
      // 1013: a cap on chats or new conversations from this address; the error frame
      // before it said why, so wait long before trying again
      if (ev.code === 1013) { retry = 30000; }
      if (!status) { status = note(T.offline); }
      setTimeout(connect, retry);
      retry = Math.min(retry * 2, ev.code === 1013 ? 60000 : 10000);
    };
  }

  /* every form in the chat — the message box, a row of buttons, "start a new
     conversation" — is sent here instead of to the server's page */
  root.addEventListener("submit", function (e) {
    e.preventDefault();
    var target = e.target, by = e.submitter;
    if (target === ended) { startOver(); return; }
    if (target === form) {
      var text = input.value.trim();
      if (!text) { return; }
      input.value = "";
      submit("message", text);
      return;
    }
    if (by && by.value) { submit(by.name === "choice" ? "choice" : "message", by.value); focusInput(); }
  });

  // last, once every variable above holds its value (the stored session above all)
  function ready() {
    if (!adopted) { document.body.appendChild(root); }
    if (mode === "page") { connect(); }
  }
  if (document.body) { ready(); } else { document.addEventListener("DOMContentLoaded", ready); }
})();
