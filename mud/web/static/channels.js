/* Chat channels in tabs over the output: All, Room, one tab per channel the player hears,
 * and Tells.
 *
 * Frames come from client.js as `mud:frame` events (docs/protocol.md):
 *   - `channels` {channels: [{name, label, aliases, description, on, speak}]}: the tabs, one
 *     for each channel that is on (sent silently at login, and as the `channels` command's
 *     answer);
 *   - `channel` {channel, label, talker, message, text, own, realm} (`message` the words
 *     alone, `text` the line as shown) and `channel_history` {channel, label, lines}: a
 *     line for that channel's tab;
 *   - `tell` {from, to, own, realm}: a line for the Tells tab, and whom it talks to.
 * Each line client.js shows comes as a `mud:shown` event with its element: we tag it with
 * the tab it belongs to (data-tab) and hide it while another tab is chosen. The All tab
 * shows everything; Room everything that is not a channel or a tell; a channel's tab its
 * lines (and errors, which are often the answer to what was typed there). A line arriving
 * in a tab that is not in view counts as unread on that tab until it is chosen.
 *
 * Typing in a channel's tab speaks on it (`ooc <text>`), in Tells to whoever told you last
 * (`tell <name> <text>`: the name, beside the input, holds from the first key typed until
 * the line is sent or emptied); a line starting with "/" is a command there, as typed.
 * client.js asks us through a `mud:submit` event, whose detail.text we may rewrite. A
 * tab's history comes by a `request` frame (`mud:request`): no command, so afk stays.
 *
 * Keyboard: the tabs are an ARIA tablist (arrow keys, Home and End move and choose; only
 * the chosen tab is in the Tab order), and Alt+PageDown / Alt+PageUp choose the next or
 * previous tab from anywhere. The tab strip is hidden until the server names a channel,
 * so a server without channels keeps the layout it had. On a phone the strip is a list
 * that opens over the output from a button (channel_menu.js).
 *
 * Server values are untrusted: they reach the page only as text and data attributes, and
 * element ids are made here, never from a server's name.
 */
(() => {
  'use strict';

  const MAX_CHANNELS = 24;           // channel tabs at most (a server listing more: the first)
  const MAX_NAME = 40;               // a channel name or alias longer than this is ignored
  const MAX_COUNT = 99;              // unread counts show as "99+" past this
  const HUES = 6;                    // channel colours (channels.css), given round in turn
  const TAB_KEY = 'mud.tab';         // sessionStorage: the chosen tab, across a reload
  const TELL_WORDS = new Set(['tell', 'reply']);
  const TALK = new Set(['say', 'emote']);   // what counts as unread in the Room tab
  const OWN_NOTE_MS = 250;           // a system line this soon after one's own channel line

  const $ = (id) => document.getElementById(id);
  const strip = $('channel-tabs');
  const output = $('output');
  const panel = $('output-panel');
  const form = $('command-form');
  const input = $('command');
  const target = $('chat-target');
  const game = $('game');
  if (!strip || !output || !panel || !form || !input || !target || !game) return;

  const str = (value) => (typeof value === 'string' ? value : '');
  const nameOk = (value) => typeof value === 'string' && value.length > 0
    && value.length <= MAX_NAME && !/\s/.test(value);
  const store = {
    get() { try { return sessionStorage.getItem(TAB_KEY); } catch (_) { return null; } },
    set(value) { try { sessionStorage.setItem(TAB_KEY, value); } catch (_) { /* not kept */ } },
  };

  // -- the tabs -------------------------------------------------------------------------------

  /** key -> {key, kind ('all'|'room'|'channel'|'tells'), name, label, speak, button, badge,
   *  unread}. A channel's key is "ch:" + its name, which no built-in key can be. */
  const tabs = new Map();
  const words = new Map();   // a channel's name or alias, lower case -> its key
  let serial = 0;            // for element ids
  let hue = 0;
  let active = 'all';
  let wanted = store.get() || 'all';   // chosen before a reload: taken once its tab is back
  let partner = '';          // whom the Tells tab talks to: the other side of the last tell
  let pinned = null;         // ... held (perhaps '': no one) while a line is being typed
  let fresh = [];            // lines tagged but perhaps not in the document yet
  let listed = false;        // a `channels` list has come (else tabs come with lines)
  let ownAt = -Infinity;     // when the player's own channel line last came back
  let ownKey = '';           // ... and its tab
  const asked = new Set();   // channels whose history we asked for (not typed)

  function makeTab(key, kind, label, name) {
    const button = document.createElement('button');
    button.type = 'button';
    button.id = `tab-${++serial}`;
    button.className = 'channel-tab';
    button.setAttribute('role', 'tab');
    button.setAttribute('aria-selected', 'false');
    button.setAttribute('aria-controls', 'output-panel');
    button.tabIndex = -1;
    button.dataset.key = key;
    button.dataset.kind = kind;
    if (name) button.dataset.channel = name;
    const text = document.createElement('span');
    text.className = 'tab-label';
    text.textContent = label;
    const badge = document.createElement('span');
    badge.className = 'unread';
    badge.hidden = true;
    button.append(text, badge);
    const tab = { key, kind, name, label, speak: true, button, text, badge, unread: 0, asked: false };
    tabs.set(key, tab);
    setUnread(tab, 0);
    return tab;
  }

  for (const [key, label] of [['all', 'All'], ['room', 'Room'], ['tells', 'Tells']]) {
    makeTab(key, key, label, '');
  }

  /** Put the strip's buttons in order: All, Room, the channels as the server listed them,
   *  Tells. */
  function arrange(channelKeys) {
    const order = ['all', 'room', ...channelKeys, 'tells'];
    strip.replaceChildren(...order.map((key) => tabs.get(key).button));
    strip.hidden = channelKeys.length === 0;
    // While the tabs show, the output is the chosen tab's panel.
    if (strip.hidden) {
      panel.removeAttribute('role');
      panel.removeAttribute('aria-labelledby');
    } else {
      panel.setAttribute('role', 'tabpanel');
      panel.setAttribute('aria-labelledby', tabs.get(active).button.id);
    }
    tell();
  }

  function channelKeys() {
    return [...strip.children].map((b) => b.dataset.key).filter((k) => k.startsWith('ch:'));
  }

  /** The channel tab for `name` (made if new); null for a bad name or too many. */
  function channelTab(name, label) {
    const lower = name.toLowerCase();
    const key = `ch:${lower}`;
    let tab = tabs.get(key);
    if (!tab) {
      if (channelKeys().length >= MAX_CHANNELS) return null;
      tab = makeTab(key, 'channel', label || name, lower);
      tab.button.dataset.hue = String(hue++ % HUES);
    } else if (label && tab.label !== label) {
      tab.label = label;
      tab.text.textContent = label;
      setUnread(tab, tab.unread);   // its accessible name
    }
    words.set(lower, key);
    return tab;
  }

  /** A `channels` frame: the channels that are on get tabs, in the server's order. */
  function onChannels(msg) {
    if (!Array.isArray(msg.channels)) return;
    listed = true;
    words.clear();   // a channel turned off: its words are no tab's any more
    const keys = [];
    for (const entry of msg.channels) {
      if (!entry || typeof entry !== 'object' || !nameOk(entry.name)) continue;
      if (entry.on === false) continue;
      const tab = channelTab(entry.name, str(entry.label));
      if (!tab || keys.includes(tab.key)) continue;
      tab.speak = entry.speak !== false;
      tab.description = str(entry.description);
      tab.button.title = tab.description;
      for (const alias of Array.isArray(entry.aliases) ? entry.aliases : []) {
        if (nameOk(alias)) words.set(alias.toLowerCase(), tab.key);
      }
      keys.push(tab.key);
    }
    arrange(keys);
    if (active.startsWith('ch:') && !keys.includes(active)) select('all', false);
    else if (wanted && wanted !== active && strip.contains(tabs.get(wanted)?.button || null)) {
      select(wanted, false);
    } else {
      select(active, false);   // the same tab, its tabindex and the input's mode set again
    }
  }

  // -- choosing a tab -----------------------------------------------------------------------

  /** What a line shows in: does tab `key` show this line? */
  function shows(key, line) {
    const where = line.dataset.tab;
    // A history asked for by choosing a tab is that tab's; the All tab is what happened.
    if (key === 'all') return !line.hasAttribute('data-replay');
    if (where === '*') return true;
    if (key === 'room') return where === 'room';
    return where === key && line.dataset.type !== 'command';
  }

  function filter() {
    for (const line of output.children) line.hidden = !shows(active, line);
    for (const line of fresh) line.hidden = !shows(active, line);
    fresh = fresh.filter((line) => !line.isConnected);
  }

  function select(key, focus) {
    let tab = tabs.get(key);
    if (!tab || !strip.contains(tab.button)) tab = tabs.get('all');
    const changed = tab.key !== active;
    active = tab.key;
    for (const other of tabs.values()) {
      const on = other === tab;
      other.button.setAttribute('aria-selected', on ? 'true' : 'false');
      other.button.tabIndex = on ? 0 : -1;
    }
    if (!strip.hidden) panel.setAttribute('aria-labelledby', tab.button.id);
    setUnread(tab, 0);
    if (changed) {
      filter();
      output.scrollTop = output.scrollHeight;   // the newest lines of the tab chosen
    }
    showMode();
    if (focus) tab.button.focus();
    // A strip of many tabs scrolls sideways: the chosen one (say by Alt+PageDown) in sight.
    if (changed && !strip.hidden) tab.button.scrollIntoView({ block: 'nearest', inline: 'nearest' });
    if (changed && tab.kind === 'channel' && !tab.asked && !tab.seen) askHistory(tab);
  }

  /** A channel's tab chosen first with nothing on it yet: its recent lines (asked). */
  function askHistory(tab) {
    const ask = { what: 'channel_history', channel: tab.name, sent: false };
    document.dispatchEvent(new CustomEvent('mud:request', { detail: ask }));
    // Not sent (the list came before the login was done): asked when the login is.
    if (!ask.sent) return;
    tab.asked = true;
    asked.add(tab.name);
  }

  function choose(key) {
    wanted = key;
    store.set(key);
    select(key, false);
  }

  strip.addEventListener('click', (event) => {
    const button = event.target instanceof Element ? event.target.closest('[role=tab]') : null;
    if (!button || !strip.contains(button)) return;
    choose(button.dataset.key);
    input.focus({ preventScroll: true });   // the next thing typed goes to the tab chosen
  });

  function step(by) {
    const buttons = [...strip.children];
    const at = buttons.findIndex((b) => b.dataset.key === active);
    const next = buttons[(at + by + buttons.length) % buttons.length];
    return next.dataset.key;
  }

  strip.addEventListener('keydown', (event) => {
    if (event.altKey || event.ctrlKey || event.metaKey) return;
    const buttons = [...strip.children];
    let key = null;
    if (event.key === 'ArrowRight' || event.key === 'ArrowDown') key = step(1);
    else if (event.key === 'ArrowLeft' || event.key === 'ArrowUp') key = step(-1);
    else if (event.key === 'Home') key = buttons[0].dataset.key;
    else if (event.key === 'End') key = buttons[buttons.length - 1].dataset.key;
    if (key === null) return;
    event.preventDefault();
    choose(key);
    tabs.get(key).button.focus();
  });

  // Alt+PageDown / Alt+PageUp: the next or previous tab, from the command line too.
  document.addEventListener('keydown', (event) => {
    if (!event.altKey || event.ctrlKey || event.metaKey || strip.hidden || game.hidden) return;
    if (event.key !== 'PageDown' && event.key !== 'PageUp') return;
    event.preventDefault();
    const key = step(event.key === 'PageDown' ? 1 : -1);
    const inStrip = strip.contains(document.activeElement);
    choose(key);
    if (inStrip) tabs.get(key).button.focus();   // not left on a tab out of the Tab order
  });

  // -- unread counts ------------------------------------------------------------------------

  function setUnread(tab, count) {
    tab.unread = count;
    tab.badge.hidden = count === 0;
    tab.badge.textContent = !count ? '' : count > MAX_COUNT ? `${MAX_COUNT}+` : String(count);
    // The accessible name carries the count: "OOC, 3 unread".
    tab.button.setAttribute('aria-label', count ? `${tab.label}, ${tab.badge.textContent} unread` : tab.label);
    tab.button.toggleAttribute('data-unread', count > 0);
    tell();
  }

  /** Tell channel_menu.js (a phone's button for the tabs) what to show: whether there are
   *  tabs, the one chosen, and how many lines are unread in all of them. */
  function tell() {
    let unread = 0;
    for (const tab of tabs.values()) unread += tab.unread;
    const chosen = tabs.get(active);
    document.dispatchEvent(new CustomEvent('mud:tabs', {
      detail: { shown: !strip.hidden, label: chosen ? chosen.label : 'All', unread } }));
  }

  // -- the lines ------------------------------------------------------------------------------

  /** The tab a command belongs to, by its first word: "ooc hi" to OOC, "tell ..." to Tells. */
  function commandTab(text) {
    const word = text.trim().split(/\s+/, 1)[0].toLowerCase();
    if (words.has(word)) return words.get(word);
    if (TELL_WORDS.has(word)) return 'tells';
    return 'room';
  }

  document.addEventListener('mud:shown', (event) => {
    const detail = event.detail || {};
    const line = detail.line;
    if (!(line instanceof Element)) return;
    const type = str(detail.type);
    const msg = detail.msg && typeof detail.msg === 'object' ? detail.msg : {};
    let key = 'room';
    let counts = false;   // unread, if it is not in view
    if ((type === 'channel' || type === 'channel_history') && nameOk(msg.channel)) {
      const known = tabs.get(`ch:${msg.channel.toLowerCase()}`);
      // Once the server has listed the channels heard, a line of another (the history of
      // one turned off) gets no tab: it is the room's. Before any list, lines make tabs.
      const tab = known && strip.contains(known.button) ? known
        : listed ? null : channelTab(msg.channel, str(msg.label));
      if (tab) {
        key = tab.key;
        if (!strip.contains(tab.button)) arrange([...channelKeys(), key]);
        line.dataset.channel = tab.name;
        line.dataset.hue = tab.button.dataset.hue;
        if (type === 'channel_history' && asked.delete(tab.name)) line.setAttribute('data-replay', '');
        counts = type === 'channel' && detail.own !== true;
        if (type === 'channel' && detail.own === true) {
          ownAt = performance.now();
          ownKey = tab.key;
        }
        tab.seen = true;
      }
    } else if (type === 'tell') {
      key = 'tells';
      // The other side; name@realm when they are on another daemon (msg.realm).
      const other = detail.own === true ? str(msg.to) : str(msg.from);
      const realm = str(msg.realm);
      hold();   // a line being typed keeps its name
      if (nameOk(other) && (!realm || nameOk(realm))) partner = realm ? `${other}@${realm}` : other;
      counts = detail.own !== true;
      if (active === 'tells') showMode();
    } else if (type === 'command') {
      key = commandTab(str(detail.text));
    } else if (type === 'error' || type === 'client') {
      key = '*';
    } else if (type === 'system' && performance.now() - ownAt < OWN_NOTE_MS) {
      // A notice that comes with one's own line ("Only players on this realm heard you:
      // the link to the other realms is down.") is for the tab one spoke from.
      key = ownKey;
      ownAt = -Infinity;
    } else {
      counts = TALK.has(type) && detail.own !== true;
    }
    line.dataset.tab = key;
    line.hidden = !shows(active, line);
    fresh.push(line);
    if (fresh.length > 200) fresh = fresh.filter((l) => !l.isConnected);
    if (counts && line.hidden) {
      const tab = tabs.get(key);
      if (tab) setUnread(tab, tab.unread + 1);
    }
  });

  // -- speaking from a tab --------------------------------------------------------------------

  /** What typing in the chosen tab does: speak on a channel, tell someone, or (null) run a
   *  command as typed. */
  function chatWord() {
    const tab = tabs.get(active);
    if (tab.kind === 'channel' && tab.speak) return { word: tab.name, to: tab.label };
    const to = pinned === null ? partner : pinned;
    if (tab.kind === 'tells' && to) return { word: `tell ${to}`, to };
    return null;
  }

  /** Typing in Tells holds whom the line is for until it is sent or emptied. */
  function hold() {
    if (active !== 'tells' || !input.value) pinned = null;
    else if (pinned === null) pinned = partner;
  }

  function showMode() {
    hold();
    const mode = chatWord();
    const tab = tabs.get(active);
    target.hidden = !mode;
    target.textContent = mode ? mode.to : '';
    form.toggleAttribute('data-chat', !!mode);
    if (mode) {
      input.placeholder = `Message ${mode.to} (/ for a command)`;
      input.setAttribute('aria-label', `Message to ${mode.to}; start with a slash for a command`);
    } else {
      input.placeholder = tab.kind === 'channel'
        ? `You cannot speak on ${tab.label}; type a command`
        : 'Type a command (help, look, say hello…)';
      input.removeAttribute('aria-label');   // its <label>: "Command"
    }
  }

  document.addEventListener('mud:submit', (event) => {
    const ask = event.detail;
    if (!ask || typeof ask.text !== 'string' || !ask.text.trim()) return;
    const mode = chatWord();
    if (!mode) return;
    if (ask.text.startsWith('/')) ask.text = ask.text.slice(1);   // a command, as typed
    else ask.text = `${mode.word} ${ask.text}`;
    setTimeout(showMode, 0);   // sent (the line emptied): the last teller again
  });

  input.addEventListener('input', () => { if (pinned === null || !input.value) showMode(); });

  // -- frames ---------------------------------------------------------------------------------

  document.addEventListener('mud:frame', (event) => {
    const msg = event.detail;
    if (!msg || typeof msg !== 'object') return;
    if (msg.type === 'channels') onChannels(msg);
    else if (msg.type === 'login_ok') {
      // Logged in (or resumed): a channel's tab chosen before then gets its history now.
      setTimeout(() => {
        const tab = tabs.get(active);
        if (tab.kind === 'channel' && !tab.asked && !tab.seen) askHistory(tab);
      }, 0);
      if (!game.hidden) return;
      // From the login form: perhaps someone else. Their tabs come with their channels.
      for (const tab of tabs.values()) {
        setUnread(tab, 0);
        tab.asked = false;
        tab.seen = false;
      }
      partner = '';
      pinned = null;
      asked.clear();
      showMode();
    }
  });

  showMode();
})();
