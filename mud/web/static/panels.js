/* Panels that fold down to their heading: the room panel (its "Details" button folds it to
 * the room's name and exits) and the equipment panel (its heading is the button).
 *
 * On a phone the output is the main thing, so a panel starts folded there (the room's full
 * text is in the output anyway); on a wide screen it starts open. Once the player chooses,
 * the choice is kept (localStorage) and wins at every width -- except for a panel that opens
 * over the output on a phone (the equipment): there it always starts folded, and Escape or
 * its button shuts it. Folded or open, nothing in a panel is cut off: what it holds is
 * either shown whole or hidden behind the button.
 */
(() => {
  'use strict';

  const PHONE = '(max-width: 700px)';  // the same width as client.css's phone layout
  const phone = window.matchMedia ? window.matchMedia(PHONE) : null;
  const onPhone = () => !!(phone && phone.matches);

  /** Make `panelId` fold with `buttonId`; `key` keeps the choice; `overPhone`: it opens
   *  over the output on a phone (not kept there). */
  function foldable(panelId, buttonId, key, overPhone) {
    const panel = document.getElementById(panelId);
    const button = document.getElementById(buttonId);
    if (!panel || !button) return;
    const parts = (button.getAttribute('aria-controls') || '').split(/\s+/)
      .map((id) => document.getElementById(id)).filter(Boolean);

    const stored = () => { try { return localStorage.getItem(key); } catch (_) { return null; } };

    function show(open) {
      button.setAttribute('aria-expanded', open ? 'true' : 'false');
      panel.toggleAttribute('data-folded', !open);
      for (const part of parts) part.hidden = !open;
    }

    function initial() {
      if (overPhone && onPhone()) return false;
      const choice = stored();
      if (choice === 'open' || choice === 'closed') return choice === 'open';
      return !onPhone();
    }

    button.addEventListener('click', () => {
      const open = button.getAttribute('aria-expanded') !== 'true';
      show(open);
      if (overPhone && onPhone()) return;   // a look over the output, not a layout choice
      try { localStorage.setItem(key, open ? 'open' : 'closed'); } catch (_) { /* not kept */ }
    });

    if (overPhone) {
      // Over the output it is in the way: Escape (wherever the focus is, unless something
      // else took the key) or a tap outside it shuts it.
      const over = () => onPhone() && button.getAttribute('aria-expanded') === 'true';
      document.addEventListener('keydown', (event) => {
        if (event.key !== 'Escape' || event.defaultPrevented || !over()) return;
        event.preventDefault();
        const inside = panel.contains(document.activeElement);
        show(false);
        if (inside) button.focus();
      });
      document.addEventListener('pointerdown', (event) => {
        if (over() && event.target instanceof Node && !panel.contains(event.target)) show(false);
      }, { capture: true, passive: true });
    }

    // Until the player chooses, follow the width (a phone turned sideways, a window resized).
    if (phone && phone.addEventListener) {
      phone.addEventListener('change', () => { if (overPhone || !stored()) show(initial()); });
    }
    show(initial());
  }

  foldable('room-panel', 'room-toggle', 'mud.roomPanel', false);
  foldable('equipment-panel', 'equipment-toggle', 'mud.equipmentPanel', true);
})();
