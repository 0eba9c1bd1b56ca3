// « Votre session va se terminer » (RGAA 13.1, WCAG 2.2.1; decision record 0029). Progressive enhancement: without
// this file the session ends as before, and the sign-in still brings the person back to their page.
// - The page carries its session's end and the server's now (#fin-de-session); every answer to a signed-in request
//   says how many seconds are left (X-Session-Remaining). Only differences are used: the device's clock may be off.
// - Before the end, a dialog says when the session ends and offers « Rester connecté » (a POST that extends it).
// - At the end, or when a form is refused because the session has ended, what was typed on the page is kept in this
//   tab (static/saisie.js), the person signs in again, comes back to the page, and finds it typed again, once.
(function () {
  "use strict";

  var LATE_MS = 2000;  // act a little after the server's end, never before it
  var channel = typeof BroadcastChannel === "function" ? new BroadcastChannel("portail-session") : null;
  var dialog = null;
  var endsAt = 0;       // Date.now() of the end, reckoned from the server's remaining time
  var endsIso = "";     // the end as the server gave it, to show
  var final = false;    // the absolute end: nothing extends it
  var warnTimer = null;
  var endTimer = null;
  var opened = false;
  var closingOurselves = false;
  var leaving = false;
  var focusBefore = null;
  var native = false;   // opened with showModal (DSFR's script absent), not DSFR's modal

  function pageKey() { return location.pathname + location.search; }

  function person() { return dialog ? dialog.getAttribute("data-session-person") : ""; }

  function keep() { if (window.PortailSaisie) { window.PortailSaisie.keep(person()); } }

  function signInAgain() {
    leaving = true;
    location.assign("/connexion?suite=" + encodeURIComponent(pageKey()));
  }

  // ---- when the session ends ---------------------------------------------------------------------------------

  function schedule(remainingMs, isFinal, iso, tell) {
    if (!dialog) { return; }
    clearTimeout(warnTimer);
    clearTimeout(endTimer);
    endsAt = Date.now() + remainingMs;
    final = isFinal;
    if (iso) { endsIso = iso; }
    var warning = Number(dialog.getAttribute("data-session-warning") || "120") * 1000;
    warnTimer = setTimeout(warn, Math.max(0, remainingMs - warning));
    endTimer = setTimeout(end, remainingMs + LATE_MS);
    if (opened && remainingMs > warning) { close(); }
    if (tell && channel) { channel.postMessage({ remaining: remainingMs, final: isFinal, iso: endsIso, at: Date.now() }); }
  }

  function fromPage() {
    var found = document.getElementById("fin-de-session");
    if (found === dialog) { return; }
    dialog = found;
    opened = false;
    if (!dialog) { clearTimeout(warnTimer); clearTimeout(endTimer); endsAt = 0; return; }
    var remaining = Date.parse(dialog.getAttribute("data-session-ends")) - Date.parse(dialog.getAttribute("data-session-now"));
    schedule(remaining, dialog.getAttribute("data-session-final") === "true", dialog.getAttribute("data-session-ends"), true);
    dialog.addEventListener("dsfr.conceal", concealed);
    dialog.addEventListener("cancel", function (event) {  // Escape, on the browser's own dialog
      event.preventDefault();
      if (final) { close(); } else { stay(); }
    });
    document.getElementById("rester-connecte").addEventListener("click", stay);
    document.getElementById("fin-de-session-compris").addEventListener("click", close);
    document.getElementById("fin-de-session-deconnexion").addEventListener("submit", function () { leaving = true; });
  }

  function ended() { return endsAt > 0 && Date.now() >= endsAt; }

  function end() {
    if (leaving || !dialog) { return; }
    keep();
    signInAgain();
  }

  // ---- the dialog --------------------------------------------------------------------------------------------

  function hourOf(iso) {
    var zones = {};
    try { zones = JSON.parse(dialog.getAttribute("data-session-zones") || "{}"); } catch (e) { zones = {}; }
    var zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    var parts = {};
    new Intl.DateTimeFormat("fr-FR", { hour: "numeric", minute: "2-digit", hourCycle: "h23", timeZone: zone })
      .formatToParts(new Date(iso)).forEach(function (part) { parts[part.type] = part.value; });
    return Number(parts.hour) + " h " + parts.minute + " (" + (zones[zone] || "heure de votre appareil") + ")";
  }

  function inWords(ms) {
    var seconds = Math.max(0, Math.round(ms / 1000));
    if (seconds < 60) { return seconds + " seconde" + (seconds > 1 ? "s" : ""); }
    var minutes = Math.round(seconds / 60);
    return minutes + " minute" + (minutes > 1 ? "s" : "");
  }

  function show(id, shown) {
    var element = document.getElementById(id);
    element.hidden = !shown;
    element.classList.toggle("fr-hidden", !shown);  // a DSFR button's own display outranks `hidden`
  }

  function fill() {
    document.getElementById("fin-de-session-heure").textContent = hourOf(endsIso);
    show("fin-de-session-prolongeable", !final);
    show("fin-de-session-definitive", final);
    show("choix-rester-connecte", !final);
    show("choix-compris", final);
    show("fin-de-session-probleme", false);
  }

  function modal() {
    try { return window.dsfr ? window.dsfr(dialog).modal : null; } catch (e) { return null; }
  }

  function warn() {
    if (opened || leaving || !dialog) { return; }
    fill();
    focusBefore = document.activeElement;
    opened = true;
    var dsfr = modal();
    native = !dsfr;
    if (dsfr) { dsfr.disclose(); } else { dialog.showModal(); dialog.classList.add("fr-modal--opened"); }
    var primary = document.getElementById(final ? "fin-de-session-compris" : "rester-connecte");
    setTimeout(function () { primary.focus(); }, 50);
    // Once, politely: the time left (the end's hour is in the dialog's text, read as it opens).
    var announce = document.getElementById("fin-de-session-annonce");
    announce.textContent = "";
    document.getElementById("annonce").textContent = "";  // what it said before is no longer news
    setTimeout(function () {
      announce.textContent = "Il vous reste " + inWords(endsAt - Date.now()) + " avant la fin de votre session.";
    }, 500);
  }

  function close() {
    if (!opened) { return; }
    opened = false;
    closingOurselves = true;
    var dsfr = modal();
    if (native) { dialog.close(); dialog.classList.remove("fr-modal--opened"); } else if (dsfr) { dsfr.conceal(); }
    closingOurselves = false;
    giveFocusBack();
  }

  function concealed() {
    // DSFR closed the dialog itself (Escape): « Escape » keeps the session, as « Rester connecté » does.
    if (closingOurselves || !opened) { return; }
    opened = false;
    giveFocusBack();
    if (!final) { stay(); }
  }

  function giveFocusBack() {
    var back = focusBefore && document.contains(focusBefore) ? focusBefore : document.getElementById("contenu");
    setTimeout(function () { if (back) { back.focus(); } }, 60);
  }

  function csrf() {
    var input = dialog && dialog.querySelector("input[name=csrf]");
    return input ? input.value : "";
  }

  function stay() {
    if (!dialog || leaving) { return; }
    var problem = document.getElementById("fin-de-session-probleme");
    fetch(dialog.getAttribute("data-session-extend"), {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRF-Token": csrf(), "Content-Type": "application/x-www-form-urlencoded" },
      body: "csrf=" + encodeURIComponent(csrf())
    }).then(function (answer) {
      if (answer.status === 401) { keep(); signInAgain(); return null; }
      if (!answer.ok) { throw new Error(String(answer.status)); }
      return answer.json();
    }).then(function (lease) {
      if (!lease) { return; }
      schedule(Date.parse(lease.ends_at) - Date.parse(lease.now), lease.final, lease.ends_at, true);
      if (opened) { fill(); }  // still within the warning: the absolute end has come
      var announce = document.getElementById("annonce");
      announce.textContent = "Votre session est prolongée jusqu'à " + hourOf(lease.ends_at) + ".";
    }).catch(function () {
      if (!opened) { warn(); }
      problem.textContent = "La prolongation n'a pas abouti : réessayez dans quelques instants, ou rechargez la page.";
      show("fin-de-session-probleme", true);
      document.getElementById("fin-de-session-annonce").textContent = problem.textContent;
    });
  }

  // ---- the page's life ---------------------------------------------------------------------------------------

  function onPage() {
    fromPage();
    if (window.PortailSaisie) { window.PortailSaisie.restore(person()); }
  }

  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", onPage); } else { onPage(); }
  document.addEventListener("htmx:afterSettle", onPage);

  document.addEventListener("htmx:afterRequest", function (event) {
    var xhr = event.detail && event.detail.xhr;
    var remaining = xhr && xhr.getResponseHeader("X-Session-Remaining");
    if (remaining !== null && remaining !== undefined && remaining !== "" && dialog) {
      var isFinal = xhr.getResponseHeader("X-Session-Final") === "true";
      schedule(Number(remaining) * 1000, isFinal, xhr.getResponseHeader("X-Session-Ends"), true);
    }
  });

  // A form sent after the session ended: the server answers « sign in again » (HX-Redirect); keep what was typed first.
  document.addEventListener("htmx:beforeOnLoad", function (event) {
    var detail = event.detail || {};
    var xhr = detail.xhr;
    var target = xhr && xhr.getResponseHeader("HX-Redirect");
    var verb = detail.requestConfig && detail.requestConfig.verb;
    if (target && target.indexOf("/connexion") === 0 && verb && verb !== "get") { keep(); leaving = true; }
  });

  // The device slept past the end (its timers did not run): a form sent now would be refused; keep it and sign in.
  document.addEventListener("submit", function (event) {
    if (!ended() || leaving || event.target.id === "fin-de-session-deconnexion") { return; }
    event.preventDefault();
    event.stopPropagation();
    keep();
    signInAgain();
  }, true);
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible" && ended()) { end(); }
  });

  if (channel) {
    // Another tab of the same person kept the session alive (or learnt its end): this tab counts from that.
    channel.onmessage = function (message) {
      var data = message.data || {};
      if (typeof data.remaining === "number" && dialog) {
        schedule(data.remaining - (Date.now() - data.at), !!data.final, data.iso, false);
      }
    };
  }
}());
