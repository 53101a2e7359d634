/*
 * Name suggestions under a search box: an enhancement of an <input
 * data-suggest-url> inside a form that works without it (the form still submits
 * the search).
 *
 * The ARIA 1.2 combobox pattern with a listbox popup: the input gets
 * role="combobox", aria-expanded, aria-controls and aria-activedescendant; focus
 * stays in the input. Typing asks /api/v1/search/suggest (after a short pause,
 * cancelling an older request); Down and Up move through the suggestions, Enter
 * opens the chosen organization's profile (with no suggestion chosen it submits
 * the search as before), Escape closes the list. A polite status says how many
 * suggestions there are. Texts come from data- attributes, so they are translated
 * with the page.
 */
(function () {
  "use strict";

  var PAUSE_MS = 150;

  function enhance(input) {
    var listId = input.id + "-suggestions";
    var list = document.createElement("ul");
    var status = document.createElement("div");
    var suggestions = [];
    var active = -1;
    var timer = null;
    var pending = null;

    list.id = listId;
    list.className = "suggestions";
    list.setAttribute("role", "listbox");
    list.setAttribute("aria-label", input.dataset.suggestionsLabel || "");
    list.hidden = true;
    status.className = "visually-hidden";
    status.setAttribute("role", "status");
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", listId);
    input.setAttribute("autocomplete", "off");
    input.form.classList.add("has-suggestions");
    input.insertAdjacentElement("afterend", list);
    list.insertAdjacentElement("afterend", status);

    function close() {
      list.hidden = true;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      active = -1;
    }

    function open() {
      list.style.left = input.offsetLeft + "px";
      list.style.top = input.offsetTop + input.offsetHeight + "px";
      list.style.minWidth = input.offsetWidth + "px";
      list.hidden = false;
      input.setAttribute("aria-expanded", "true");
    }

    function mark(index) {
      var options = list.querySelectorAll("[role=option]");
      options.forEach(function (option, i) {
        option.setAttribute("aria-selected", i === index ? "true" : "false");
      });
      active = index;
      if (index < 0) {
        input.removeAttribute("aria-activedescendant");
        return;
      }
      input.setAttribute("aria-activedescendant", options[index].id);
      options[index].scrollIntoView({ block: "nearest" });
    }

    function choose(index) {
      var chosen = suggestions[index];
      input.value = chosen.name;
      close();
      window.location.assign(
        input.dataset.profileUrl.replace(
          "ORG_ID",
          encodeURIComponent(chosen.org_id)
        )
      );
    }

    function show(results) {
      suggestions = results;
      list.textContent = "";
      results.forEach(function (suggestion, i) {
        var option = document.createElement("li");
        option.id = listId + "-" + i;
        option.setAttribute("role", "option");
        option.setAttribute("aria-selected", "false");
        option.textContent = suggestion.name;
        if (suggestion.name_en) {
          var english = document.createElement("span");
          english.className = "suggestion-en";
          english.lang = "en";
          english.textContent = " " + suggestion.name_en;
          option.appendChild(english);
        }
        // Chosen on mousedown, before the input loses focus and closes the list.
        option.addEventListener("mousedown", function (event) {
          event.preventDefault();
          choose(i);
        });
        list.appendChild(option);
      });
      active = -1;
      input.removeAttribute("aria-activedescendant");
      if (results.length) {
        open();
      } else {
        close();
      }
      status.textContent = results.length
        ? (results.length === 1
            ? input.dataset.oneSuggestion
            : input.dataset.manySuggestions
          ).replace("{n}", results.length)
        : "";
    }

    function ask(text) {
      if (pending) {
        pending.abort();
      }
      pending = new AbortController();
      var url = input.dataset.suggestUrl + "?q=" + encodeURIComponent(text);
      fetch(url, {
        headers: { Accept: "application/json" },
        signal: pending.signal,
      })
        .then(function (response) {
          return response.ok ? response.json() : { results: [] };
        })
        .then(function (body) {
          // An answer to what the box no longer says is dropped.
          if (input.value.trim() === text) {
            show(body.results || []);
          }
        })
        .catch(function () {
          /* aborted, or offline: the plain search still works */
        });
    }

    input.addEventListener("input", function () {
      var text = input.value.trim();
      window.clearTimeout(timer);
      if (!text) {
        show([]);
        return;
      }
      timer = window.setTimeout(function () {
        ask(text);
      }, PAUSE_MS);
    });

    input.addEventListener("keydown", function (event) {
      var count = suggestions.length;
      if (event.key === "ArrowDown" && count) {
        event.preventDefault();
        if (list.hidden) {
          open();
        }
        mark((active + 1) % count);
      } else if (event.key === "ArrowUp" && count) {
        event.preventDefault();
        if (list.hidden) {
          open();
        }
        mark(active <= 0 ? count - 1 : active - 1);
      } else if (event.key === "Enter" && !list.hidden && active >= 0) {
        event.preventDefault();
        choose(active);
      } else if (event.key === "Escape" && !list.hidden) {
        event.preventDefault();
        close();
      }
    });

    input.addEventListener("blur", close);
  }

  document.querySelectorAll("input[data-suggest-url]").forEach(enhance);
})();
