// Progressive enhancement only: every page works without this file.
// After htmx brings a page or a form back, move the focus where a keyboard or screen reader user expects it:
// the error summary of a form just sent, or the new page after a navigation. A poll moves nothing.
document.addEventListener("htmx:afterSettle", function (event) {
  var detail = event.detail || {};
  var sent = detail.requestConfig && detail.requestConfig.verb && detail.requestConfig.verb !== "get";
  var summary = document.getElementById("erreur-formulaire");
  if (sent && summary) {
    summary.setAttribute("tabindex", "-1");
    summary.focus();
    return;
  }
  if (detail.boosted) {
    var main = document.getElementById("contenu");
    if (main) { main.focus({ preventScroll: true }); }
  }
});
