// The pages work without this script; it adds two conveniences.
(function () {
  // Ask before an action that cannot be undone (a form with data-confirm).
  document.querySelectorAll("form[data-confirm]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (!window.confirm(form.dataset.confirm)) event.preventDefault();
    });
  });

  // After a refused form, the list of problems is where the reader starts.
  const summary = document.querySelector(".error-summary");
  if (summary) summary.focus();

  // While a round is solving, show the solver's progress line and reload when it is done.
  const box = document.querySelector("[data-progress-url]");
  if (!box) return;
  const line = document.getElementById("progress-line");
  async function poll() {
    try {
      const answer = await fetch(box.dataset.progressUrl, {credentials: "same-origin"});
      if (answer.ok) {
        const round = await answer.json();
        if (round.status !== "solving" || round.stalled) return window.location.reload();
        line.textContent = round.progress;
      }
    } catch (e) { /* the server may be restarting: try again */ }
    setTimeout(poll, 1000);
  }
  setTimeout(poll, 1000);
})();
