// Progressive enhancement only: every page works without this file.
document.addEventListener("DOMContentLoaded", function () {
  // Move focus to the error summary after a failed submit, so screen readers announce it.
  var summary = document.querySelector(".error-summary");
  if (summary) { summary.focus(); }
  // Sign-up: the nationality shows for a passport only, and the number's label and hint
  // follow the chosen identity type (without script the label names all three).
  var form = document.querySelector("form[data-identity-form]");
  if (form && form.querySelector("input[name='identity_type']")) {
    var sync = function () {
      var checked = form.querySelector("input[name='identity_type']:checked");
      var type = checked ? checked.value : "";
      form.querySelectorAll("[data-show-for]").forEach(function (el) {
        el.hidden = el.getAttribute("data-show-for").split(" ").indexOf(type) === -1;
      });
      form.querySelectorAll("[data-label-citizen]").forEach(function (el) {
        var text = type ? el.getAttribute("data-label-" + type) : null;
        var span = el.querySelector("[data-text]");
        if (text && span) { span.textContent = text; }
      });
    };
    form.addEventListener("change", sync);
    sync();
  }
  // Log-in and recovery: a number with Latin letters can only be a passport, so the passport
  // box is ticked for the person (the stylesheet then shows the nationality).
  var identifier = document.querySelector("input[name='identifier']");
  var passport = document.querySelector("input[name='passport']");
  if (identifier && passport) {
    identifier.addEventListener("input", function () {
      var value = identifier.value;
      if (/[A-Za-z]/.test(value) && value.indexOf("@") === -1) { passport.checked = true; }
    });
  }
  // Count down to when a code may be sent again.
  document.querySelectorAll("[data-countdown]").forEach(function (el) {
    var left = parseInt(el.getAttribute("data-countdown"), 10);
    var target = document.getElementById(el.getAttribute("data-enables"));
    var tick = function () {
      if (left <= 0) { el.hidden = true; if (target) { target.disabled = false; } return; }
      el.querySelector("[data-seconds]").textContent = String(left);
      left -= 1;
      setTimeout(tick, 1000);
    };
    if (target && left > 0) { target.disabled = true; }
    tick();
  });
  // Seat-hold countdowns: data-deadline is an ISO time; the text is there without JavaScript.
  document.querySelectorAll("[data-deadline]").forEach(function (el) {
    var deadline = Date.parse(el.getAttribute("data-deadline"));
    var out = el.querySelector("[data-remaining]");
    if (!out || isNaN(deadline)) { return; }
    var tick = function () {
      var left = Math.max(0, Math.round((deadline - Date.now()) / 1000));
      var m = Math.floor(left / 60), s = left % 60;
      out.textContent = (m < 10 ? "0" : "") + m + ":" + (s < 10 ? "0" : "") + s;
      if (left <= 0) { el.textContent = el.getAttribute("data-expired-text"); return; }
      setTimeout(tick, 1000);
    };
    tick();
  });
});

// The booking journey with htmx (hx-boost on #journey): after the next step is swapped into the
// page, move focus to its heading so keyboard and screen-reader users land on the new choice.
document.addEventListener("htmx:afterSettle", function (event) {
  var journey = document.getElementById("journey");
  if (!journey || !journey.contains(event.target) && event.target !== journey) { return; }
  var heading = journey.querySelector("fieldset h2[tabindex]") ||
    journey.querySelector("#calendar-h, h1[tabindex]");
  if (heading) { heading.focus({ preventScroll: true }); }
});
