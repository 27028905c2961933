// Irreversible actions ask first (issue 12). A button with data-confirm shows its question; the
// form is sent only if the person agrees. Served from the platform itself (CSP script-src 'self').
document.addEventListener("click", function (event) {
  var button = event.target.closest("button[data-confirm]");
  if (button && !window.confirm(button.getAttribute("data-confirm"))) {
    event.preventDefault();
  }
});
