// Intake form: a click on a suggested category fills the category field (no inline scripts: CSP).
document.addEventListener("click", function (event) {
  var button = event.target.closest(".insight-pick");
  if (!button) return;
  var select = document.getElementById("id_category");
  if (select) {
    select.value = button.getAttribute("data-category");
    select.dispatchEvent(new Event("change", { bubbles: false }));
    button.setAttribute("aria-pressed", "true");
  }
});
