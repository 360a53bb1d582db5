// Progressive enhancement only: every page works without this file.
document.addEventListener("DOMContentLoaded", function () {
  // Move focus to an error summary so screen-reader and keyboard users hear the problems first.
  var summary = document.querySelector("[data-autofocus]");
  if (summary) {
    summary.focus();
  }
});

// The Menu button on a phone: the checkbox that opens the navigation without JavaScript
// becomes a button that says whether the menu is open (aria-expanded).
function menuButton() {
  var nav = document.querySelector("nav[data-menu]");
  var toggle = nav && nav.querySelector(".menu-toggle");
  var label = nav && nav.querySelector("label.menu-button");
  if (!toggle || !label) {
    return;
  }
  var button = document.createElement("button");
  button.type = "button";
  button.className = "menu-button";
  button.setAttribute("aria-controls", "main-menu");
  button.setAttribute("aria-expanded", "false");
  button.innerHTML = label.innerHTML;
  toggle.remove();
  label.replaceWith(button);
  button.addEventListener("click", function () {
    var open = !nav.classList.contains("menu-open");
    nav.classList.toggle("menu-open", open);
    button.setAttribute("aria-expanded", open ? "true" : "false");
  });
}

// The navigation's groups: one open at a time; Escape or a click elsewhere closes it.
function navigationGroups() {
  var groups = Array.prototype.slice.call(document.querySelectorAll(".site-nav details"));
  groups.forEach(function (group) {
    group.addEventListener("toggle", function () {
      if (group.open) {
        groups.forEach(function (other) {
          if (other !== group) {
            other.open = false;
          }
        });
      }
    });
  });
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") {
      return;
    }
    groups.forEach(function (group) {
      if (group.open) {
        group.open = false;
        group.querySelector("summary").focus();
      }
    });
  });
  document.addEventListener("click", function (event) {
    groups.forEach(function (group) {
      if (group.open && !group.contains(event.target)) {
        group.open = false;
      }
    });
  });
}

document.addEventListener("DOMContentLoaded", function () {
  menuButton();
  navigationGroups();
});
