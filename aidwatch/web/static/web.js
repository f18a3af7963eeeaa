// AidWatch web: a little vanilla JS for the controls. Every page works without it.
(function () {
  "use strict";
  // Series explorer: filter the series list as you type (the server filters without JS).
  var filter = document.getElementById("series-filter");
  var select = document.getElementById("series-select");
  if (filter && select) {
    filter.addEventListener("input", function () {
      var words = filter.value.toLowerCase().split(/\s+/).filter(Boolean);
      Array.prototype.forEach.call(select.options, function (opt) {
        var text = opt.getAttribute("data-search") || "";
        var show = opt.selected || words.every(function (w) { return text.indexOf(w) >= 0; });
        opt.hidden = !show;
      });
    });
  }
  // Tabs: switch panels in place and keep the permalink in step (?tab=...).
  var tabs = document.querySelectorAll(".tabs a[data-tab]");
  Array.prototype.forEach.call(tabs, function (a) {
    a.addEventListener("click", function (ev) {
      ev.preventDefault();
      var name = a.getAttribute("data-tab");
      Array.prototype.forEach.call(tabs, function (b) {
        var on = b === a;
        b.setAttribute("aria-selected", on ? "true" : "false");
        var panel = document.getElementById("panel-" + b.getAttribute("data-tab"));
        if (panel) { panel.hidden = !on; }
      });
      var url = new URL(window.location.href);
      url.searchParams.set("tab", name);
      window.history.replaceState(null, "", url.toString());
      var link = document.getElementById("permalink");
      if (link) { link.setAttribute("href", url.pathname + url.search); }
    });
  });
  // Claim checker: clicking a highlighted claim shows its finding beside the article.
  document.addEventListener("click", function (ev) {
    var claim = ev.target.closest ? ev.target.closest("a.claim") : null;
    if (!claim) { return; }
    var id = claim.getAttribute("data-finding");
    var item = document.getElementById(id);
    if (!item) { return; }
    ev.preventDefault();
    Array.prototype.forEach.call(document.querySelectorAll(".claim.active, .finding.active"),
      function (el) { el.classList.remove("active"); });
    claim.classList.add("active");
    item.classList.add("active");
    item.scrollIntoView({block: "nearest"});
    window.history.replaceState(null, "", "#" + id);
  });
  // Evaluation: a long fit shows progress instead of a frozen page.
  var form = document.getElementById("evaluate-form");
  var progress = document.getElementById("evaluate-progress");
  if (form && progress) {
    form.addEventListener("submit", function () {
      var started = Date.now();
      progress.hidden = false;
      progress.textContent = "Computing… (a synthetic control with its placebos takes a few seconds)";
      window.setInterval(function () {
        var s = ((Date.now() - started) / 1000).toFixed(0);
        progress.textContent = "Computing… " + s + " s (synthetic control and placebo fits)";
      }, 500);
      var button = form.querySelector("button[type=submit]");
      if (button) { button.disabled = true; }
    });
  }
  // Copy buttons for citations and API snippets.
  Array.prototype.forEach.call(document.querySelectorAll("[data-copy]"), function (btn) {
    btn.hidden = false;
    btn.addEventListener("click", function () {
      var target = document.getElementById(btn.getAttribute("data-copy"));
      if (target && navigator.clipboard) {
        navigator.clipboard.writeText(target.textContent).then(function () {
          btn.textContent = "Copied";
        }, function () { btn.textContent = "Select and copy"; });
      }
    });
  });
})();
