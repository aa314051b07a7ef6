// Divert's page behaviour: start GOV.UK Frontend and MOJ Frontend components.
//
// Loaded as an ES module, so it only runs in browsers that GOV.UK Frontend supports.
// That lets this file add the `govuk-frontend-supported` class itself instead of the
// usual inline <script> in the template, which a strict Content Security Policy forbids.
import { initAll as initGovuk } from './govuk-frontend.min.js'
import { initAll as initMoj } from './moj-frontend.min.js'

document.body.classList.add('js-enabled', 'govuk-frontend-supported')
initGovuk()
initMoj()

// A paper copy shows every folded narrative: open them before printing, close them after.
window.addEventListener('beforeprint', () => {
  document.querySelectorAll('details:not([open])').forEach((details) => {
    details.open = true
    details.dataset.openedForPrint = 'true'
  })
})
window.addEventListener('afterprint', () => {
  document.querySelectorAll('details[data-opened-for-print]').forEach((details) => {
    details.open = false
    delete details.dataset.openedForPrint
  })
})

// One submission, one record (divert/core/submissions.py). Pages are sent with
// Cache-Control: no-store, so Back fetches a form again with a fresh one-time token while
// the browser puts back what was typed; Save would then record a second item. Remember
// the token each form was sent with, and when the page is reached with Back or Forward,
// send that token again: the server then shows the item already recorded.
const tokenKey = (form) => `divert-form-token:${location.pathname}:${form.id || ''}`
const navigation = performance.getEntriesByType('navigation')[0]
for (const form of document.querySelectorAll('form[method="post"]')) {
  const field = form.querySelector('input[name="form_token"]')
  if (!field) continue
  try {
    const sent = sessionStorage.getItem(tokenKey(form))
    if (sent && navigation && navigation.type === 'back_forward') field.value = sent
    form.addEventListener('submit', () => sessionStorage.setItem(tokenKey(form), field.value))
  } catch (error) {
    // Storage may be unavailable (private browsing settings): the server-side check remains.
  }
}
