// Hover values for the brief's SVG charts: any element with data-tip shows its text.
(function () {
  "use strict";
  var tip = document.createElement("div");
  tip.className = "tooltip";
  tip.setAttribute("role", "status");
  document.body.appendChild(tip);
  function show(ev) {
    var el = ev.target.closest("[data-tip]");
    if (!el) { tip.style.display = "none"; return; }
    tip.textContent = "";
    el.getAttribute("data-tip").split(" | ").forEach(function (line) {
      var row = document.createElement("div");
      row.textContent = line;
      tip.appendChild(row);
    });
    tip.style.display = "block";
    var x = ev.clientX + 14, y = ev.clientY + 14;
    var w = tip.offsetWidth, h = tip.offsetHeight;
    if (x + w > window.innerWidth - 8) { x = ev.clientX - w - 14; }
    if (y + h > window.innerHeight - 8) { y = ev.clientY - h - 14; }
    tip.style.left = Math.max(4, x) + "px";
    tip.style.top = Math.max(4, y) + "px";
  }
  document.addEventListener("mousemove", show);
  document.addEventListener("mouseleave", function () { tip.style.display = "none"; });
  document.documentElement.classList.add("js");
})();
