// "打印" buttons on the flat-size sheet (inline scripts are forbidden by the CSP).
document.addEventListener("click", function (event) {
  var button = event.target.closest("[data-print]");
  if (button) { event.preventDefault(); window.print(); }
});
