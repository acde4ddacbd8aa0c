/* A phone's button for the channel tabs (channels.js).
 *
 * At phone width (client.css's 700px) a strip of tabs over the output would cost it a row
 * of its height, so the strip is a list that opens over the output from #channels-toggle,
 * a button beside the map's that names the tab chosen and counts the lines unread in the
 * others (channels.js tells us both in `mud:tabs` events). Choosing a tab, Escape or a tap
 * outside the list shuts it; opening it puts the focus on the chosen tab, where the arrow
 * keys move as in any tablist (vertical here). On a wide screen the button is hidden and
 * the strip shows as tabs.
 */
(() => {
  'use strict';

  const MAX_COUNT = 99;
  const PHONE = '(max-width: 700px)';   // the same width as client.css's phone layout

  const $ = (id) => document.getElementById(id);
  const toggle = $('channels-toggle');
  const current = $('channels-current');
  const total = $('channels-unread');
  const strip = $('channel-tabs');
  if (!toggle || !current || !total || !strip) return;
  const phone = window.matchMedia ? window.matchMedia(PHONE) : null;
  const onPhone = () => !!(phone && phone.matches);

  const isOpen = () => toggle.getAttribute('aria-expanded') === 'true';

  function openList(open) {
    toggle.setAttribute('aria-expanded', open ? 'true' : 'false');
    strip.toggleAttribute('data-open', open);
  }

  function orient() {
    strip.setAttribute('aria-orientation', onPhone() ? 'vertical' : 'horizontal');
    if (!onPhone()) openList(false);
  }
  orient();
  if (phone && phone.addEventListener) phone.addEventListener('change', orient);

  document.addEventListener('mud:tabs', (event) => {
    const detail = event.detail || {};
    const label = typeof detail.label === 'string' ? detail.label : 'All';
    const unread = typeof detail.unread === 'number' ? detail.unread : 0;
    toggle.hidden = detail.shown !== true;
    if (toggle.hidden) openList(false);
    current.textContent = label;
    total.hidden = unread === 0;
    total.textContent = !unread ? '' : unread > MAX_COUNT ? `${MAX_COUNT}+` : String(unread);
    toggle.setAttribute('aria-label', `Channel tabs: ${label} chosen`
      + (unread ? `, ${total.textContent} unread` : ''));
  });

  toggle.addEventListener('click', () => {
    const open = !isOpen();
    openList(open);
    // After client.js's own mouseup, which puts the focus back on the command line.
    if (open) {
      setTimeout(() => {
        const chosen = strip.querySelector('[role=tab][aria-selected=true]');
        if (isOpen() && chosen) chosen.focus();
      }, 0);
    }
  });

  // A tab chosen (channels.js has chosen it by now: its listener came first) shuts the list.
  strip.addEventListener('click', (event) => {
    if (event.target instanceof Element && event.target.closest('[role=tab]')) openList(false);
  });

  // Over the output it is in the way: Escape (the focus back on the button) or a tap
  // outside it shuts it.
  document.addEventListener('keydown', (event) => {
    if (event.key !== 'Escape' || event.defaultPrevented || !isOpen()) return;
    event.preventDefault();
    const inside = strip.contains(document.activeElement);
    openList(false);
    if (inside) toggle.focus();
  });
  document.addEventListener('pointerdown', (event) => {
    if (!isOpen() || !(event.target instanceof Node)) return;
    if (!strip.contains(event.target) && !toggle.contains(event.target)) openList(false);
  }, { capture: true, passive: true });
})();
