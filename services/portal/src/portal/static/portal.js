// Progressive enhancement only: every page works without this file.
// After htmx brings a page or a form back, move the focus where a keyboard or screen reader user expects it:
// the error summary of a form just sent and refused, or the new page after a navigation. A poll, or a list
// refreshed as a choice changes (« Nature de la demande »), leaves the focus where it was: on the same control
// when htmx replaced it (the browser would otherwise drop the focus to the page's body), else on the block
// updated, never lost.
var shownSummary = null;
var focusedBefore = null;

document.addEventListener("htmx:beforeSwap", function (event) {
  // The error summary on the page before the answer comes in: one still there after the swap is not news.
  shownSummary = document.getElementById("erreur-formulaire");
  var target = (event.detail || {}).target;
  var active = document.activeElement;
  focusedBefore = null;
  if (target && active && active !== document.body && target.contains(active)) {
    focusedBefore = { id: active.id, target: target.id };
  }
});

function keepFocus() {
  // The control that had the focus, found again by its id in what htmx put in; else the block it sat in.
  var before = focusedBefore;
  focusedBefore = null;
  var active = document.activeElement;
  if (!before || (active && active !== document.body)) { return; }
  var again = (before.id && document.getElementById(before.id)) || (before.target && document.getElementById(before.target));
  if (!again) { again = document.getElementById("contenu"); }
  if (again) {
    if (again.tabIndex < 0 && !again.hasAttribute("tabindex")) { again.setAttribute("tabindex", "-1"); }
    again.focus({ preventScroll: true });
  }
}

document.addEventListener("htmx:afterSettle", function (event) {
  var detail = event.detail || {};
  var config = detail.requestConfig || {};
  // A form sent (boosted, or by htmx; a search's GET too), not a field posting itself to refresh a piece of the page
  var submitted = config.elt && config.elt.tagName === "FORM";
  var summary = document.getElementById("erreur-formulaire");
  if (submitted && summary && summary !== shownSummary) {
    shownSummary = summary;  // htmx settles each element swapped (out of band too): focus it once
    focusedBefore = null;
    summary.setAttribute("tabindex", "-1");
    summary.focus();
    return;
  }
  if (detail.boosted) {
    focusedBefore = null;
    var main = document.getElementById("contenu");
    if (main) { main.focus({ preventScroll: true }); }
    return;
  }
  keepFocus();
});
