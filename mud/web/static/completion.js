/* Tab completion in the web client's command line.
 *
 * Tab completes the word before the cursor: the first word from the command words the
 * server lists in `login_ok.commands` and the exits here, later words from the names of
 * the people, creatures and things in the room (the latest `room` frame) and the exits.
 * Pressing Tab again cycles through the candidates, Shift+Tab goes back, Escape puts back
 * what was typed. When there is nothing to complete (an empty line, a space before the
 * cursor, a word with no other candidate) Tab and Shift+Tab move the focus as usual, so
 * the command line never traps a keyboard user. Frames arrive as `mud:frame` events from
 * client.js.
 */
(() => {
  'use strict';

  const input = document.getElementById('command');
  const help = document.getElementById('command-keys');
  if (!input) return;

  const MAX_WORDS = 500;                   // candidates kept from one frame
  const MAX_WORD = 40;
  const SKIP = new Set(['a', 'an', 'the', 'some', 'of']);   // as the server's keywords skip
  const WALK = new Set(['go', 'walk']);

  let commands = [];       // command words, from login_ok
  let exits = [];          // exit names here
  let names = [];          // words naming who and what is here

  // A live region that says which candidate was put in, for screen readers.
  const status = document.createElement('span');
  status.id = 'completion-status';
  status.className = 'visually-hidden';
  status.setAttribute('role', 'status');
  status.setAttribute('aria-live', 'polite');
  input.insertAdjacentElement('afterend', status);

  if (help) {
    const described = (input.getAttribute('aria-describedby') || '').split(/\s+/).filter(Boolean);
    if (!described.includes(help.id)) described.push(help.id);
    input.setAttribute('aria-describedby', described.join(' '));
  }

  const words = (value) => (Array.isArray(value) ? value : [])
    .filter((w) => typeof w === 'string' && w && w.length <= MAX_WORD && !/\s/.test(w))
    .slice(0, MAX_WORDS);

  /** A name as a string: plain strings, or the `name` of an object (grouped items). */
  const nameOf = (value) => {
    if (typeof value === 'string') return value;
    if (value && typeof value === 'object' && typeof value.name === 'string') return value.name;
    return '';
  };

  /** The words a player may type for a name: "a brass lantern" -> brass, lantern. */
  function nameWords(value, keepCase) {
    const out = [];
    for (const raw of nameOf(value).replace(/\(.*?\)/g, ' ').split(/\s+/)) {
      const word = raw.replace(/^[.,;:!?'"()]+|[.,;:!?'"()]+$/g, '');
      if (!word || word.length > MAX_WORD || SKIP.has(word.toLowerCase())) continue;
      out.push(keepCase ? word : word.toLowerCase());
    }
    return out;
  }

  function onRoom(msg) {
    exits = [];
    for (const exit of Array.isArray(msg.exits) ? msg.exits : []) {
      const name = nameOf(exit);
      if (name && name.length <= MAX_WORD && !/\s/.test(name)) exits.push(name);
    }
    const found = [];
    const list = (v) => (Array.isArray(v) ? v : []);
    for (const who of list(msg.characters)) found.push(...nameWords(who, true));
    for (const npc of list(msg.npcs)) found.push(...nameWords(npc, false));
    for (const item of list(msg.items)) found.push(...nameWords(item, false));
    names = found.slice(0, MAX_WORDS);
  }

  document.addEventListener('mud:frame', (event) => {
    const msg = event.detail;
    if (!msg || typeof msg !== 'object') return;
    // login_ok, and role: a promotion or demotion while playing changes the words.
    if ((msg.type === 'login_ok' || msg.type === 'role') && Array.isArray(msg.commands)) {
      commands = words(msg.commands);
    }
    else if (msg.type === 'room') onRoom(msg);
  });

  /** The candidates for `partial`, the word being typed, after the words in `before`. */
  function candidates(before, partial) {
    const typed = before.trim().split(/\s+/).filter(Boolean);
    let pool;
    if (typed.length === 0) pool = [...exits, ...commands];
    else if (typed.length === 1 && WALK.has(typed[0].toLowerCase())) pool = exits;
    else pool = [...names, ...exits];
    const lower = partial.toLowerCase();
    const seen = new Set();
    const out = [];
    for (const word of pool) {
      const key = word.toLowerCase();
      // The word itself is no completion: "inv" offers "inventory".
      if (seen.has(key) || key === lower || !key.startsWith(lower)) continue;
      seen.add(key);
      out.push(word);
    }
    return out;
  }

  // -- the cycle ----------------------------------------------------------------------------------

  let cycle = null;   // {head, tail, original, list, index} while Tab is cycling
  let setting = false;

  function put(word) {
    const value = cycle.head + word + cycle.tail;
    const caret = cycle.head.length + word.length;
    setting = true;
    input.value = value;
    input.setSelectionRange(caret, caret);
    setting = false;
  }

  function announce(word) {
    status.textContent = cycle && cycle.list.length > 1
      ? `${word}, ${cycle.index + 1} of ${cycle.list.length}` : word;
  }

  /** Start completing; false when there is nothing to complete (let Tab move on). */
  function start() {
    if (input.selectionStart !== input.selectionEnd) return false;
    const caret = input.selectionStart ?? input.value.length;
    const before = input.value.slice(0, caret);
    const match = /(\S+)$/.exec(before);
    if (!match) return false;
    let word = match[1];
    // "get 2.app" and "get all.app" complete the part after the dot.
    const prefix = /^(\d+\.|all\.)/i.exec(word);
    const lead = prefix ? prefix[1] : '';
    word = word.slice(lead.length);
    if (!word) return false;
    const head = before.slice(0, before.length - word.length);
    const list = candidates(before.slice(0, match.index), word);
    if (list.length === 0) return false;   // nothing else it could be: Tab moves on
    cycle = { head, tail: input.value.slice(caret), original: word, list, index: 0 };
    put(list[0]);
    announce(list[0]);
    if (list.length === 1) cycle = null;   // nothing to cycle through
    return true;
  }

  function step(by) {
    const n = cycle.list.length;
    cycle.index = (cycle.index + by + n) % n;
    put(cycle.list[cycle.index]);
    announce(cycle.list[cycle.index]);
  }

  input.addEventListener('keydown', (event) => {
    if (event.isComposing) return;
    if (event.key === 'Tab' && !event.altKey && !event.ctrlKey && !event.metaKey) {
      if (cycle) {
        event.preventDefault();
        step(event.shiftKey ? -1 : 1);
      } else if (!event.shiftKey && start()) {
        event.preventDefault();
      }
      // Otherwise the browser moves the focus, as Tab always does.
      return;
    }
    if (event.key === 'Escape' && cycle) {
      event.preventDefault();
      put(cycle.original);
      cycle = null;
      status.textContent = '';
      return;
    }
    if (event.key !== 'Shift') cycle = null;
  });

  input.addEventListener('input', () => { if (!setting) cycle = null; });
  input.addEventListener('blur', () => { cycle = null; });
  input.addEventListener('pointerdown', () => { cycle = null; });
})();
