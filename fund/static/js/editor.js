// The proposal editor's enhancements. Progressive enhancement only: without this file the
// editor shows every country as a checkbox, the section list open, and the budget's totals as
// last saved (the server computes them on every save).
(function () {
  "use strict";

  // The section list starts closed on a narrow screen, where it would push the form down.
  function collapseNarrowNavigation() {
    var narrow = window.matchMedia && window.matchMedia("(max-width: 60em)").matches;
    if (!narrow) return;
    document.querySelectorAll("details[data-narrow-closed]").forEach(function (details) {
      details.open = false;
    });
  }

  // Every text this script shows comes from the page, in the page's language: a data-text-*
  // attribute holds the sentence with {num}, {total}, {query} where the script puts a value;
  // a sentence with a number holds, as JSON, its form for each plural category of the language.
  function fill(text, values) {
    return (text || "").replace(/\{(\w+)\}/g, function (whole, name) {
      return Object.prototype.hasOwnProperty.call(values, name) ? String(values[name]) : whole;
    });
  }

  function counted(element, name, count, values) {
    var forms = {};
    try {
      forms = JSON.parse(element.getAttribute(name) || "{}");
    } catch (error) {
      forms = {};
    }
    var category = "other";
    try {
      category = new Intl.PluralRules(document.documentElement.lang || "en").select(count);
    } catch (error) {
      category = count === 1 ? "one" : "other";
    }
    var text = forms[category] || forms.other || "";
    return fill(text, Object.assign({ num: count }, values || {}));
  }

  function fold(text) {
    return text.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
  }

  // A long list of checkboxes (countries, governments) gets a filter: what is typed shows the
  // choices whose name contains it; an empty filter shows the chosen ones.
  function enhancePicker(picker, index) {
    var list = picker.querySelector(".picker-options");
    if (!list) return;
    var legend = picker.querySelector("legend");
    var items = Array.prototype.slice.call(list.querySelectorAll("li"));
    var names = items.map(function (item) {
      return fold(item.textContent.trim());
    });
    var boxes = items.map(function (item) {
      return item.querySelector("input[type=checkbox]");
    });

    var field = document.createElement("div");
    field.className = "picker-filter";
    var inputId = list.id + "-filter";
    var label = document.createElement("label");
    label.setAttribute("for", inputId);
    label.textContent = picker.getAttribute("data-text-find");
    var input = document.createElement("input");
    input.type = "search";
    input.id = inputId;
    input.autocomplete = "off";
    input.setAttribute("aria-controls", list.id);
    var status = document.createElement("p");
    status.className = "hint picker-status";
    status.id = list.id + "-status";
    status.setAttribute("role", "status");
    input.setAttribute("aria-describedby", status.id);
    field.appendChild(label);
    field.appendChild(input);
    field.appendChild(status);
    list.parentNode.insertBefore(field, list);
    picker.classList.add("picker-enhanced");

    function chosen() {
      return boxes.filter(function (box) {
        return box.checked;
      }).length;
    }

    function show() {
      var query = fold(input.value.trim());
      var shown = 0;
      items.forEach(function (item, i) {
        var visible = query ? names[i].indexOf(query) !== -1 : boxes[i].checked;
        item.hidden = !visible;
        if (visible) shown += 1;
      });
      var count = chosen();
      if (query) {
        status.textContent = counted(picker, "data-text-matching", shown, {
          total: items.length,
          query: input.value.trim(),
        }) + " " + counted(picker, "data-text-chosen", count);
      } else {
        status.textContent = counted(picker, count ? "data-text-chosen-shown" : "data-text-chosen", count) +
          " " + picker.getAttribute("data-text-type");
      }
    }

    input.addEventListener("input", show);
    input.addEventListener("keydown", function (event) {
      // Enter in the filter must not send the whole form.
      if (event.key === "Enter") event.preventDefault();
    });
    list.addEventListener("change", function () {
      // The list stays as it is while a box is ticked; only the status follows.
      var count = chosen();
      if (!input.value.trim()) {
        status.textContent = counted(picker, "data-text-chosen", count) + " " +
          picker.getAttribute("data-text-type");
      } else {
        show();
      }
    });
    if (legend) legend.id = legend.id || list.id + "-legend-" + index;
    show();
  }

  // Amounts as the server reads them (fund.money.parse_amount): as the page's language writes
  // them (its separators, from `style`: "107 000,50" in French, "500.000,50" in Spanish) or in
  // the plain form "125000.50"; digits grouped by three or not at all, at most two decimals,
  // one of the signs the server takes in the page's language (`currencies`, from the page:
  // "USD" or "$" in English, also "$US" in French, "US$" in Spanish and Arabic) before or after
  // it if at all. On Arabic pages, Arabic-Indic digits with the Arabic marks too. Whole cents
  // as a BigInt, or null when the text is not an amount or the two readings give different
  // amounts (Spanish "1.250": 1,250 or 1.25).
  var SPACES = " \u00a0\u202f";
  var ARABIC_DIGITS = "\u0660\u0661\u0662\u0663\u0664\u0665\u0666\u0667\u0668\u0669";

  function readAs(text, point, groups) {
    var at = text.indexOf(point);
    var whole = at < 0 ? text : text.slice(0, at);
    var fraction = at < 0 ? null : text.slice(at + point.length);
    if (fraction !== null && !/^\d+$/.test(fraction)) return null;
    if (whole === "" && fraction === null) return null;
    if (!/^\d*$/.test(whole)) {
      var marks = whole.replace(/\d/g, "");
      var kind = SPACES.indexOf(marks[0]) !== -1 ? SPACES : marks[0];
      for (var i = 0; i < marks.length; i += 1) {
        if (groups.indexOf(marks[i]) === -1 || kind.indexOf(marks[i]) === -1) return null;
      }
      var parts = whole.split(new RegExp("[" + kind.replace(/[\]\\^-]/g, "\\$&") + "]"));
      if (!/^[1-9]\d{0,2}$/.test(parts[0])) return null;
      for (var j = 1; j < parts.length; j += 1) if (!/^\d{3}$/.test(parts[j])) return null;
      whole = parts.join("");
    }
    // The number exactly ("1250.5"), to compare the readings, and its decimals as typed.
    var decimals = fraction || "";
    var exact = (whole.replace(/^0+/, "") || "0") + "." + decimals.replace(/0+$/, "");
    return { exact: exact, whole: whole || "0", decimals: decimals };
  }

  // The text without one sign at its start and one at its end (the longest first, any case),
  // as fund.money._bare takes them off.
  function bare(text, currencies) {
    var cleaned = text.trim();
    var i;
    for (i = 0; i < currencies.length; i += 1) {
      var sign = currencies[i].toUpperCase();
      if (sign && cleaned.slice(0, sign.length).toUpperCase() === sign) {
        cleaned = cleaned.slice(sign.length).trim();
        break;
      }
    }
    for (i = 0; i < currencies.length; i += 1) {
      var end = currencies[i].toUpperCase();
      if (end && cleaned.length >= end.length && cleaned.slice(-end.length).toUpperCase() === end) {
        cleaned = cleaned.slice(0, -end.length).trim();
        break;
      }
    }
    return cleaned;
  }

  function cents(text, style, currencies) {
    var arabic = document.documentElement.lang === "ar";
    var cleaned = text.replace(/[\u200e\u200f\u061c\u202a-\u202e\u2066-\u2069]/g, "");
    if (arabic) {
      cleaned = cleaned.replace(/[\u0660-\u0669]/g, function (digit) {
        return String(ARABIC_DIGITS.indexOf(digit));
      });
    }
    cleaned = bare(cleaned, currencies);
    if (!cleaned) return null;
    var readings = [[style.point, style.group + SPACES], [".", ""]];
    if (arabic) readings.push(["\u066b", "\u066c" + SPACES]);
    var found = null;
    for (var k = 0; k < readings.length; k += 1) {
      var read = readAs(cleaned, readings[k][0], readings[k][1]);
      if (read === null) continue;
      if (found !== null && found.exact !== read.exact) return null;
      found = read;
    }
    if (found === null || found.decimals.length > 2) return null;
    return BigInt(found.whole) * 100n + BigInt((found.decimals + "00").slice(0, 2));
  }

  // The indirect support costs of direct costs (cents), half-up to the cent: the rule of
  // fund.money.indirect_cents, with the rate as the exact fraction the page gives.
  function indirect(direct, numerator, denominator) {
    return (direct * numerator * 2n + denominator) / (denominator * 2n);
  }

  // How the page writes an amount, read from its sample (USD 1,234,567.89 in the page's
  // language: "USD 1,234,567.89", "1 234 567,89 $US"): what comes before and after the
  // digits, and the separators of thousands and of the cents.
  // From a short sample ("1234,56 US$" in Spanish), whether four digits stay ungrouped.
  function moneyStyle(sample, short) {
    var parts = /^([\s\S]*?)1(\D*)234\D*567(\D*)89([\s\S]*)$/.exec(sample || "");
    if (!parts) return { before: "USD ", group: ",", point: ".", after: "", fourUngrouped: false };
    return {
      before: parts[1],
      group: parts[2],
      point: parts[3],
      after: parts[4],
      fourUngrouped: (short || "").indexOf("1234") !== -1,
    };
  }

  function money(value, style) {
    var whole = (value / 100n).toString();
    if (!(style.fourUngrouped && whole.length <= 4)) {
      whole = whole.replace(/\B(?=(\d{3})+(?!\d))/g, "\u0000");
    }
    var fraction = (value % 100n).toString().padStart(2, "0");
    return style.before + whole.split("\u0000").join(style.group) + style.point + fraction + style.after;
  }

  function cell(row, text, tag) {
    var element = document.createElement(tag || "td");
    element.textContent = text;
    if (!tag) element.className = "num";
    else element.setAttribute("scope", "row");
    row.appendChild(element);
    return element;
  }

  // The budget's totals by organization follow the rows as they are typed.
  function runningTotals(totals) {
    var form = totals.closest("form");
    var lines = form && form.querySelector("[data-budget-lines]");
    if (!lines || typeof BigInt === "undefined") return;
    var numerator = BigInt(totals.getAttribute("data-rate-numerator"));
    var denominator = BigInt(totals.getAttribute("data-rate-denominator"));
    var style = moneyStyle(
      totals.getAttribute("data-money-sample"),
      totals.getAttribute("data-money-short")
    );
    // The signs the server takes on this page, longest first (as given).
    var currencies = ["USD", "$"];
    try {
      currencies = JSON.parse(totals.getAttribute("data-currencies") || "null") || currencies;
    } catch (error) {
      currencies = ["USD", "$"];
    }
    currencies = currencies.slice().sort(function (a, b) {
      return b.length - a.length;
    });
    function usd(value) {
      return money(value, style);
    }
    var body = totals.querySelector("[data-totals-rows]");
    var state = totals.querySelector("[data-totals-state]");
    var status = totals.querySelector("[data-totals-status]");
    var foot = {
      direct: totals.querySelector("[data-total=direct]"),
      indirect: totals.querySelector("[data-total=indirect]"),
      grand: totals.querySelector("[data-total=grand]"),
    };

    function compute() {
      var byOrganization = new Map();
      var unread = 0;
      lines.querySelectorAll("tbody tr").forEach(function (row) {
        var organization = row.querySelector("select[name$='-organization_id']");
        var amount = row.querySelector("input[name$='-amount']");
        if (!organization || !amount || !amount.value.trim()) return;
        var value = cents(amount.value, style, currencies);
        if (value === null) {
          unread += 1;
          return;
        }
        if (!organization.value || organization.value === "0") return;
        var name = organization.options[organization.selectedIndex].text;
        var entry = byOrganization.get(organization.value) || { name: name, direct: 0n };
        entry.direct += value;
        byOrganization.set(organization.value, entry);
      });
      return { byOrganization: byOrganization, unread: unread };
    }

    function render(announce) {
      var result = compute();
      var sums = { direct: 0n, indirect: 0n };
      body.textContent = "";
      result.byOrganization.forEach(function (entry) {
        var extra = indirect(entry.direct, numerator, denominator);
        var row = document.createElement("tr");
        cell(row, entry.name, "th");
        cell(row, usd(entry.direct));
        cell(row, usd(extra));
        cell(row, usd(entry.direct + extra));
        body.appendChild(row);
        sums.direct += entry.direct;
        sums.indirect += extra;
      });
      if (!result.byOrganization.size) {
        var empty = document.createElement("tr");
        var note = cell(empty, totals.getAttribute("data-text-empty"));
        note.className = "muted";
        note.colSpan = 4;
        body.appendChild(empty);
      }
      foot.direct.textContent = usd(sums.direct);
      foot.indirect.textContent = usd(sums.indirect);
      foot.grand.textContent = "";
      var strong = document.createElement("strong");
      strong.textContent = usd(sums.direct + sums.indirect);
      foot.grand.appendChild(strong);
      state.textContent = result.unread
        ? counted(totals, "data-text-unread", result.unread)
        : totals.getAttribute("data-text-typed");
      if (announce) {
        status.textContent = fill(totals.getAttribute("data-text-total"), {
          total: usd(sums.direct + sums.indirect),
        });
      }
    }

    // A refused save shows the page again with what was typed in the fields and the totals as
    // last saved: the totals are those of the fields, as typed.
    if (totals.getAttribute("data-fields") === "typed") render(false);
    lines.addEventListener("input", function () {
      render(false);
    });
    lines.addEventListener("change", function () {
      render(true);
    });
  }

  // Submit sends the draft as last saved: once a field is changed, Submit waits for a save.
  function holdSubmitWhileUnsaved() {
    var form = document.getElementById("proposal-form");
    var button = document.querySelector("#s-submit button[value=submit]");
    if (!form || !button) return;
    var held = false;
    function hold(event) {
      if (held || !event.target.name) return; // a filter has no name: it changes nothing
      held = true;
      button.disabled = true;
      var note = document.createElement("p");
      note.id = "submit-unsaved";
      note.className = "error-message";
      note.setAttribute("role", "status");
      note.textContent = form.getAttribute("data-text-unsaved");
      button.parentNode.insertBefore(note, button);
      button.setAttribute("aria-describedby", note.id);
    }
    form.addEventListener("input", hold);
    form.addEventListener("change", hold);
  }

  document.addEventListener("DOMContentLoaded", function () {
    collapseNarrowNavigation();
    holdSubmitWhileUnsaved();
    document.querySelectorAll("[data-picker]").forEach(enhancePicker);
    document.querySelectorAll("[data-budget-totals]").forEach(runningTotals);
  });
})();
