/* The room panel folds down to the room's name and exits (the "Details" button).
 *
 * On a phone the output is the main thing, so the panel starts folded there (its full
 * text is in the output anyway); on a wide screen it starts open. Once the player chooses,
 * the choice is kept (localStorage) and wins at every width. Folded or open, nothing in
 * the panel is cut off: what it holds is either shown whole or hidden behind the button.
 */
(() => {
  'use strict';

  const KEY = 'mud.roomPanel';         // 'open' | 'closed'
  const PHONE = '(max-width: 700px)';  // the same width as client.css's phone layout

  const panel = document.getElementById('room-panel');
  const button = document.getElementById('room-toggle');
  if (!panel || !button) return;
  const parts = (button.getAttribute('aria-controls') || '').split(/\s+/)
    .map((id) => document.getElementById(id)).filter(Boolean);

  const stored = () => { try { return localStorage.getItem(KEY); } catch (_) { return null; } };
  const phone = window.matchMedia ? window.matchMedia(PHONE) : null;

  function show(open) {
    button.setAttribute('aria-expanded', open ? 'true' : 'false');
    panel.toggleAttribute('data-folded', !open);
    for (const part of parts) part.hidden = !open;
  }

  function initial() {
    const choice = stored();
    if (choice === 'open' || choice === 'closed') return choice === 'open';
    return !(phone && phone.matches);
  }

  button.addEventListener('click', () => {
    const open = button.getAttribute('aria-expanded') !== 'true';
    show(open);
    try { localStorage.setItem(KEY, open ? 'open' : 'closed'); } catch (_) { /* not kept */ }
  });

  // Until the player chooses, follow the width (a phone turned sideways, a window resized).
  if (phone && phone.addEventListener) {
    phone.addEventListener('change', () => { if (!stored()) show(initial()); });
  }
  show(initial());
})();
