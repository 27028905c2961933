// The platform's script for every page, served from itself (CSP script-src 'self'); the course player has player.js.
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

// On a phone a list reads as cards, one a row, each value under its column's name, so nothing
// (an approve button, a declaration's link) sits off-screen to the right (issue 12). The names
// are copied from the table's own header here, once, rather than repeated in every template.
// A table whose header has more than one row, or spans (a matrix of figures), keeps scrolling
// sideways, as does a table marked class="keep-table". Without scripts every table scrolls.
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("main table").forEach(function (table) {
    var head = table.tHead;
    if (!head || head.rows.length !== 1 || table.classList.contains("keep-table")) return;
    if (table.querySelector("[rowspan]") || head.querySelector("[colspan]")) return;
    var names = Array.prototype.map.call(head.rows[0].cells, function (th) { return th.innerText.trim(); });
    Array.prototype.forEach.call(table.tBodies, function (body) {
      Array.prototype.forEach.call(body.rows, function (row) {
        var column = 0;
        Array.prototype.forEach.call(row.cells, function (cell) {
          var span = cell.colSpan || 1;
          cell.setAttribute("data-label", span === 1 ? (names[column] || "") : "");
          column += span;
        });
      });
    });
    table.classList.add("cards");
  });
});
