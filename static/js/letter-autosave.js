/* Autosave of the mission-letter editor, and a local copy that survives a closed tab or an
   expired session. No framework, no inline script: loaded with `defer` on the editor page.

   - On changes (debounced), the form is POSTed with the header `X-Autosave: 1`; the server
     answers {revision, saved_at}, or 409 {error} when someone else saved meanwhile.
   - The unsaved form is kept in localStorage under the letter id and the revision it was
     loaded at; after a reload with the same revision, the page offers to restore it.
   - « Partir des exemples » fills the textarea in place instead of reloading the page. */
(function () {
  "use strict";

  var form = document.querySelector("form[data-autosave]");
  if (!form || !window.fetch || !window.FormData) {
    return;
  }
  var status = document.getElementById("autosave-status");
  var letterId = form.getAttribute("data-autosave");
  var revisionInput = form.querySelector("input[name=revision]");
  var DELAY = 1500;
  var timer = null;
  var saving = false;
  var pending = false;
  var stopped = false;
  var submitAfterSave = null;

  function storageKey(revision) {
    return "rupn-lettre-" + letterId + "-r" + revision;
  }

  function say(text, isError) {
    if (!status) {
      return;
    }
    status.textContent = text;
    status.className = "rupn-autosave fr-text--sm" + (isError ? " fr-error-text" : " fr-valid-text");
  }

  function fields() {
    var data = [];
    var elements = form.elements;
    for (var i = 0; i < elements.length; i++) {
      var el = elements[i];
      if (!el.name || el.type === "submit" || el.type === "hidden") {
        continue;
      }
      if (el.type === "checkbox" || el.type === "radio") {
        data.push([el.id, el.checked]);
      } else {
        data.push([el.id, el.value]);
      }
    }
    return data;
  }

  function keepLocally() {
    try {
      window.localStorage.setItem(
        storageKey(revisionInput.value),
        JSON.stringify({ savedAt: Date.now(), fields: fields() })
      );
    } catch (e) {
      /* Private mode or full storage: the server copy is all there is. */
    }
  }

  function forget(revision) {
    try {
      window.localStorage.removeItem(storageKey(revision));
    } catch (e) {
      /* nothing to forget */
    }
  }

  function restore(copy) {
    copy.fields.forEach(function (pair) {
      var el = pair[0] && document.getElementById(pair[0]);
      if (!el) {
        return;
      }
      if (el.type === "checkbox" || el.type === "radio") {
        el.checked = !!pair[1];
      } else {
        el.value = pair[1];
      }
    });
  }

  function offerRestore() {
    var raw = null;
    try {
      raw = window.localStorage.getItem(storageKey(revisionInput.value));
    } catch (e) {
      return;
    }
    if (!raw) {
      return;
    }
    var copy;
    try {
      copy = JSON.parse(raw);
    } catch (e) {
      forget(revisionInput.value);
      return;
    }
    var box = document.createElement("div");
    box.className = "fr-alert fr-alert--info fr-alert--sm fr-mb-3w";
    box.setAttribute("role", "alert");
    var text = document.createElement("p");
    text.textContent =
      "Des modifications non enregistrées ont été retrouvées : les reprendre ?";
    var yes = document.createElement("button");
    yes.type = "button";
    yes.className = "fr-btn fr-btn--sm fr-mt-1w fr-mr-1w";
    yes.textContent = "Reprendre mes modifications";
    var no = document.createElement("button");
    no.type = "button";
    no.className = "fr-btn fr-btn--sm fr-btn--secondary fr-mt-1w";
    no.textContent = "Les abandonner";
    yes.addEventListener("click", function () {
      restore(copy);
      box.remove();
      schedule();
      say("Modifications reprises : enregistrement en cours…", false);
    });
    no.addEventListener("click", function () {
      forget(revisionInput.value);
      box.remove();
    });
    box.appendChild(text);
    box.appendChild(yes);
    box.appendChild(no);
    form.parentNode.insertBefore(box, form);
    yes.focus();
  }

  function expired() {
    stopped = true;
    say(
      "Votre session a expiré : reconnectez-vous, vos modifications sont gardées sur cet appareil.",
      true
    );
  }

  function save() {
    if (stopped) {
      return;
    }
    if (saving) {
      pending = true;
      return;
    }
    saving = true;
    var body = new FormData(form);
    body.set("action", "enregistrer");
    var sentRevision = revisionInput.value;
    window
      /* Not form.action: the buttons named « action » shadow it. */
      .fetch(form.getAttribute("action") || window.location.href, {
        method: "POST",
        body: body,
        credentials: "same-origin",
        redirect: "manual",
        headers: { "X-Autosave": "1", Accept: "application/json" },
      })
      .then(function (response) {
        if (
          response.type === "opaqueredirect" ||
          response.status === 401 ||
          response.status === 403 ||
          response.redirected
        ) {
          expired();
          return null;
        }
        var type = response.headers.get("Content-Type") || "";
        if (type.indexOf("application/json") === -1) {
          say("Le brouillon n’a pas pu être enregistré (erreur " + response.status + ") : vos modifications sont gardées sur cet appareil.", true);
          return null;
        }
        return response.json().then(function (data) {
          if (response.ok) {
            forget(sentRevision);
            revisionInput.value = String(data.revision);
            form.setAttribute("data-revision", String(data.revision));
            say("Brouillon enregistré à " + data.saved_at, false);
          } else {
            if (response.status === 409) {
              stopped = true;
            }
            say(data.error || "Le brouillon n’a pas pu être enregistré.", true);
          }
        });
      })
      .catch(function (error) {
        if (window.console) {
          window.console.warn("autosave", error);
        }
        say(
          "Enregistrement impossible pour l’instant (connexion ?) : vos modifications sont gardées sur cet appareil.",
          true
        );
      })
      .then(function () {
        saving = false;
        if (submitAfterSave) {
          /* A button pressed while saving: sent now, with the revision just received. */
          var button = submitAfterSave;
          submitAfterSave = null;
          pending = false;
          if (form.requestSubmit) {
            form.requestSubmit(button === true ? undefined : button);
          } else {
            form.submit();
          }
          return;
        }
        if (pending) {
          pending = false;
          schedule();
        }
      });
  }

  function schedule() {
    keepLocally();
    if (timer) {
      window.clearTimeout(timer);
    }
    timer = window.setTimeout(save, DELAY);
  }

  form.addEventListener("input", schedule);
  form.addEventListener("change", schedule);
  form.addEventListener("submit", function (event) {
    var button = event.submitter;
    if (button && button.getAttribute("data-examples-target")) {
      event.preventDefault();
      var target = document.getElementById(button.getAttribute("data-examples-target"));
      var source = document.getElementById(button.getAttribute("data-examples-source"));
      if (target && source) {
        target.value = source.textContent.trim();
        target.focus();
        schedule();
      }
      return;
    }
    if (timer) {
      window.clearTimeout(timer);
    }
    if (saving) {
      event.preventDefault();
      submitAfterSave = button || true;
      return;
    }
    /* The full submit saves: the local copy stays until the page comes back saved. */
    keepLocally();
  });

  function dropOlderCopies() {
    try {
      var prefix = "rupn-lettre-" + letterId + "-r";
      for (var i = window.localStorage.length - 1; i >= 0; i--) {
        var key = window.localStorage.key(i);
        if (key && key.indexOf(prefix) === 0 && key !== storageKey(revisionInput.value)) {
          window.localStorage.removeItem(key);
        }
      }
    } catch (e) {
      /* no storage */
    }
  }

  dropOlderCopies();
  if (!document.getElementById("erreurs")) {
    /* A page shown again with errors already holds what was sent. */
    offerRestore();
  }
})();
