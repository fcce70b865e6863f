// Progressive enhancement only: every page works without this file.
document.addEventListener('DOMContentLoaded', () => {
  // Move focus to an error summary so keyboard and screen-reader users hear it first.
  const summary = document.querySelector('[data-autofocus]');
  if (summary) summary.focus();
  // Confirm destructive actions.
  for (const form of document.querySelectorAll('form[data-confirm]')) {
    form.addEventListener('submit', (e) => {
      if (!window.confirm(form.getAttribute('data-confirm'))) e.preventDefault();
    });
  }
});
