// The platform's only script, served from itself (CSP script-src 'self').
// Irreversible actions ask first (issue 12). A button with data-confirm shows its question; the
// form is sent only if the person agrees. Served from the platform itself (CSP script-src 'self').
document.addEventListener("click", function (event) {
  var button = event.target.closest("button[data-confirm]");
  if (button && !window.confirm(button.getAttribute("data-confirm"))) {
    event.preventDefault();
  }
});

// On a phone the navigation folds behind 菜单 (issue 12). Without scripts it simply stays open.
document.documentElement.classList.add("js");
document.addEventListener("click", function (event) {
  var toggle = event.target.closest(".menu-toggle");
  if (!toggle) return;
  var nav = document.getElementById(toggle.getAttribute("aria-controls"));
  var open = toggle.getAttribute("aria-expanded") !== "true";
  toggle.setAttribute("aria-expanded", String(open));
  nav.classList.toggle("open", open);
});
