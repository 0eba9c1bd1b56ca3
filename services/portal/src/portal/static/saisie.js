// What was typed on a page, kept in this tab when its session ends and put back once the person has signed in again
// and is back on the page (decision record 0029; used by static/session.js). Kept: the fields of the forms in the
// page's content, by form and name; never passwords, files (their names only, to ask for them again), hidden fields
// or the CSRF token. Put back only for the same person (a keyed tag of them, never who they are), once, then deleted.
var PortailSaisie = (function () {
  "use strict";

  var KEPT = "portail-saisie:";
  var SKIPPED = { hidden: 1, password: 1, submit: 1, button: 1, reset: 1, image: 1 };

  function pageKey() { return location.pathname + location.search; }

  function forms() {
    return Array.prototype.slice.call(document.querySelectorAll("#contenu form"));
  }

  function formName(form, index) {
    return form.id || (form.getAttribute("action") || "") + "#" + index;
  }

  function keep(person) {
    // Every field as it stands, not only those changed since the page came: a form the server showed again with what
    // was typed (refused) has it as its defaults, and the page opened after signing in will not.
    var saved = { person: person, forms: [], files: [] };
    var anything = false;
    forms().forEach(function (form, index) {
      var fields = [];
      var seen = {};
      Array.prototype.forEach.call(form.elements, function (field) {
        var type = (field.type || "").toLowerCase();
        if (!field.name || SKIPPED[type] || field.name === "csrf" || field.name === "key" || field.disabled) { return; }
        var nth = seen[field.name] = (seen[field.name] || 0) + 1;
        if (type === "file") {
          Array.prototype.forEach.call(field.files || [], function (file) { saved.files.push(file.name); });
        } else if (type === "checkbox" || type === "radio") {
          fields.push({ name: field.name, value: field.value, checked: field.checked });
          anything = anything || field.checked !== field.defaultChecked;
        } else if (field.tagName === "SELECT") {
          var chosen = Array.prototype.filter.call(field.options, function (o) { return o.selected; });
          fields.push({ name: field.name, nth: nth, values: chosen.map(function (o) { return o.value; }) });
          anything = anything || chosen.some(function (o) { return o.value !== ""; });
        } else {
          fields.push({ name: field.name, nth: nth, value: field.value });
          anything = anything || field.value !== "";
        }
      });
      if (fields.length) { saved.forms.push({ form: formName(form, index), fields: fields }); }
    });
    if (anything || saved.files.length) {
      try { sessionStorage.setItem(KEPT + pageKey(), JSON.stringify(saved)); } catch (e) { /* full: nothing kept */ }
    }
  }

  function restore(person) {
    var key = KEPT + pageKey();
    var raw = null;
    try { raw = sessionStorage.getItem(key); } catch (e) { return; }
    if (!raw || !person) { return; }  // not signed in yet (the sign-in page): kept for the page itself
    sessionStorage.removeItem(key);
    var saved;
    try { saved = JSON.parse(raw); } catch (e) { return; }
    if (saved.person !== person) { return; }  // another person: never shown
    var restored = 0;
    var pageForms = forms();
    (saved.forms || []).forEach(function (kept) {
      var form = pageForms.filter(function (f, index) { return formName(f, index) === kept.form; })[0];
      if (!form) { return; }
      kept.fields.forEach(function (field) {
        var named = Array.prototype.filter.call(form.elements, function (el) {
          return el.name === field.name && !SKIPPED[(el.type || "").toLowerCase()] && el.type !== "file";
        });
        if (field.checked !== undefined) {
          named.forEach(function (el) {
            if (el.value === field.value && el.checked !== field.checked) { el.checked = field.checked; restored++; }
          });
          return;
        }
        var el = named[field.nth - 1];
        if (!el) { return; }
        if (field.values) {
          Array.prototype.forEach.call(el.options, function (o) {
            var chosen = field.values.indexOf(o.value) >= 0;
            if (o.selected !== chosen) { o.selected = chosen; restored++; }
          });
        } else if (el.value !== field.value) {
          el.value = field.value;
          restored++;
        }
      });
    });
    if (restored || (saved.files || []).length) { tell(restored > 0, saved.files || []); }
  }

  function tell(someRestored, files) {
    var notice = document.createElement("div");
    notice.className = "fr-alert fr-alert--info fr-alert--sm fr-mb-3w";
    notice.id = "saisie-retablie";
    var said = [];
    if (someRestored) { said.push("Nous avons rétabli ce que vous aviez saisi sur cette page avant la fin de votre session : vérifiez-le avant d'envoyer."); }
    if (files.length) {
      said.push("Les fichiers choisis ne peuvent pas être gardés (" + files.join(", ") + ") : choisissez-les à nouveau.");
    }
    said.forEach(function (text) {
      var p = document.createElement("p");
      p.textContent = text;
      notice.appendChild(p);
    });
    var container = document.querySelector("#contenu .fr-container") || document.getElementById("contenu");
    var heading = container.querySelector("h1");
    if (heading && heading.parentNode === container) { heading.insertAdjacentElement("afterend", notice); }
    else { container.insertBefore(notice, container.firstChild); }
    var announce = document.getElementById("annonce");
    setTimeout(function () { announce.textContent = said.join(" "); }, 300);
  }

  return { keep: keep, restore: restore };
}());
