// Names for the controls Django's admin widgets draw without one (screen readers and axe-core):
// the parts of a date-and-time field, editable list cells, tabular inline cells, the
// autocomplete (select2) boxes and the filter icons of the two-list selector; empty column
// headers become plain cells. Without JavaScript none of these widgets exist, so nothing is lost.
(function () {
  "use strict";
  function text(el) { return el ? el.textContent.replace(/\s+/g, " ").replace(/[:：]\s*$/, "").trim() : ""; }
  function fieldLabel(input) {
    var row = input.closest(".form-row, .fieldBox, .form-group, div");
    var label = row && row.querySelector("label");
    return text(label);
  }
  function columnHeader(cell) {
    var table = cell.closest("table");
    if (!table) { return ""; }
    var index = Array.prototype.indexOf.call(cell.parentNode.children, cell);
    var head = table.querySelector("thead tr");
    return head && head.children[index] ? text(head.children[index]) : "";
  }
  function name(el, value) {
    if (value && !el.getAttribute("aria-label") && !(el.labels && el.labels.length)) {
      el.setAttribute("aria-label", value);
    }
  }
  function mend() {
    // Date and time parts: "Registration opens — Date" / "— Time".
    document.querySelectorAll("p.datetime").forEach(function (p) {
      var field = fieldLabel(p);
      var parts = [];
      p.childNodes.forEach(function (node) {
        if (node.nodeType === 3 && node.textContent.trim()) { parts.push(node.textContent.replace(/[:：]/g, "").trim()); }
      });
      p.querySelectorAll("input").forEach(function (input, i) {
        name(input, field + (parts[i] ? " — " + parts[i] : ""));
      });
    });
    // Editable list cells and tabular inlines: the column's header names the cell.
    document.querySelectorAll("#result_list td input, #result_list td select, .tabular td input:not([type=hidden]), .tabular td select, .tabular td textarea").forEach(function (input) {
      var cell = input.closest("td");
      var row = input.closest("tr");
      var rowName = row ? text(row.querySelector("th, td.original p")) : "";
      var header = columnHeader(cell);
      name(input, header + (rowName ? " — " + rowName : ""));
    });
    // Empty column headers: nothing to announce, so they are ordinary cells.
    document.querySelectorAll("th").forEach(function (th) {
      if (!th.textContent.trim() && !th.querySelector("img, input, [aria-label]")) {
        var td = document.createElement("td");
        td.className = th.className;
        th.parentNode.replaceChild(td, th);
      }
    });
    // Autocomplete boxes: named after their field's label.
    document.querySelectorAll(".select2-selection[role=combobox]").forEach(function (box) {
      var container = box.closest(".select2-container");
      var select = container ? container.previousElementSibling : null;
      var label = select && select.id ? document.querySelector("label[for='" + select.id + "']") : null;
      name(box, text(label));
      var shown = box.querySelector(".select2-selection__rendered[role=textbox]");
      if (shown) { name(shown, text(label)); }
    });
    // The two-list selector's filter icons carry an aria-label, which a bare span may not.
    document.querySelectorAll(".search-label-icon[aria-label]").forEach(function (icon) {
      icon.setAttribute("role", "img");
    });
  }
  window.addEventListener("load", function () { setTimeout(mend, 0); });
})();
