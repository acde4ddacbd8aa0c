/* What a screen reader reads aloud as the game talks, and how much of it.
 *
 * The output pane (#output) is a log that is not live: a screen reader would read every
 * line of it, the player's own commands included, and a burst (a room, `help`, a fight)
 * all at once. Instead client.js tells us each line it shows (a `mud:line` event; vitals.js
 * sends one, not shown, when health falls low) and we put what should be heard into
 * #announcer, a polite live region:
 *   - never the echo of the player's own command, nor their own speech coming back;
 *   - the setting #speech-mode (kept in localStorage): `all` lines, `short` (the first
 *     SHORT_LINES lines of a burst, and only the name of a room one walks into), or `off`;
 *   - Alt+R reads the last message again, whatever the setting (the key is free in browsers
 *     and screen readers: NVDA and JAWS use Insert, VoiceOver Ctrl+Option).
 * Lines arriving within BURST_MS of each other are one burst, read as one announcement.
 */
(() => {
  'use strict';

  const SHORT_LINES = 3;
  const BURST_MS = 150;
  const KEPT = 5;                     // announcements left in the region (older ones removed)
  const MODE_KEY = 'mud.speech';
  const MODES = ['all', 'short', 'off'];
  const OWN_TYPES = new Set(['say', 'emote', 'tell', 'channel']);   // their own copy: `own`

  const announcer = document.getElementById('announcer');
  const select = document.getElementById('speech-mode');
  if (!announcer) return;

  const saved = (() => { try { return localStorage.getItem(MODE_KEY); } catch (_) { return null; } })();
  let mode = MODES.includes(saved) ? saved : 'all';
  let burst = [];                     // [{type, text}] waiting to be read
  let timer = 0;
  let last = '';                      // the last message, for Alt+R

  if (select) {
    select.value = mode;
    select.addEventListener('change', () => {
      mode = MODES.includes(select.value) ? select.value : 'all';
      try { localStorage.setItem(MODE_KEY, mode); } catch (_) { /* not kept */ }
    });
  }

  function say(text) {
    if (!text) return;
    const p = document.createElement('p');
    p.textContent = text;
    announcer.appendChild(p);
    while (announcer.childElementCount > KEPT) announcer.firstElementChild.remove();
  }

  /** The lines of one message as `short` reads them. */
  function shortLines(item) {
    const lines = item.text.split('\n').filter((line) => line.trim() !== '');
    return item.type === 'room' ? lines.slice(0, 1) : lines;
  }

  function flush() {
    timer = 0;
    const items = burst;
    burst = [];
    if (mode === 'off' || items.length === 0) return;
    if (mode === 'all') {
      say(items.map((item) => item.text).join('\n'));
      return;
    }
    const lines = items.flatMap(shortLines);
    const more = lines.length - SHORT_LINES;
    const kept = lines.slice(0, SHORT_LINES);
    if (more > 0) kept.push(`(${more} more line${more === 1 ? '' : 's'}; Alt+R reads the last message)`);
    say(kept.join('\n'));
  }

  document.addEventListener('mud:line', (event) => {
    const detail = event.detail || {};
    const type = typeof detail.type === 'string' ? detail.type : '';
    const text = typeof detail.text === 'string' ? detail.text : '';
    // The player's own command, and their own words coming back, they already know.
    if (!text || type === 'command' || (detail.own && OWN_TYPES.has(type))) return;
    last = text;
    burst.push({ type, text });
    clearTimeout(timer);
    timer = setTimeout(flush, BURST_MS);
  });

  document.addEventListener('keydown', (event) => {
    // event.code: Option+R types a letter on a Mac keyboard, so event.key is not "r" there.
    if (!event.altKey || event.ctrlKey || event.metaKey || event.code !== 'KeyR') return;
    event.preventDefault();
    // Cleared first, so the same words are read again rather than taken for no change.
    announcer.replaceChildren();
    setTimeout(() => say(last || 'No messages yet.'), 50);
  });
})();
