// Progressive enhancement only: every page works without this file.
// After htmx brings a page or a form back, move the focus where a keyboard or screen reader user expects it:
// the error summary of a form just sent and refused, or the new page after a navigation. Nothing else moves it:
// a poll, or a list refreshed as a choice changes (« Nature de la demande »), leaves the focus where it is.
var shownSummary = null;

document.addEventListener("htmx:beforeSwap", function () {
  // The error summary on the page before the answer comes in: one still there after the swap is not news.
  shownSummary = document.getElementById("erreur-formulaire");
});

document.addEventListener("htmx:afterSettle", function (event) {
  var detail = event.detail || {};
  var config = detail.requestConfig || {};
  // A form sent (boosted, or by htmx), not a field posting itself to refresh a piece of the page
  var submitted = config.verb && config.verb !== "get" && config.elt && config.elt.tagName === "FORM";
  var summary = document.getElementById("erreur-formulaire");
  if (submitted && summary && summary !== shownSummary) {
    shownSummary = summary;  // htmx settles each element swapped (out of band too): focus it once
    summary.setAttribute("tabindex", "-1");
    summary.focus();
    return;
  }
  if (detail.boosted) {
    var main = document.getElementById("contenu");
    if (main) { main.focus({ preventScroll: true }); }
  }
});
