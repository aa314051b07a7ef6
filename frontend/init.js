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
