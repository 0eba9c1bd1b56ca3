// Progressive enhancement only: every page works without this file.
// After htmx swaps a page or a form refused, move the focus where a keyboard or screen reader user expects it.
document.addEventListener("htmx:afterSettle", function (event) {
  var summary = document.getElementById("erreur-formulaire");
  if (summary) {
    summary.setAttribute("tabindex", "-1");
    summary.focus();
    return;
  }
  if (event.detail && event.detail.boosted) {
    var main = document.getElementById("contenu");
    if (main) { main.focus({ preventScroll: true }); }
  }
});
