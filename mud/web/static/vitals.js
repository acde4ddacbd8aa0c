/* The character's condition: the vitals bars and the equipment panel.
 *
 * It follows the frames client.js re-dispatches as `mud:frame` events (docs/protocol.md):
 *   - `vitals` {hp, maxhp, mp, maxmp, mv, maxmv, level, xp, xp_next, gold}: the bars
 *     (health, mana, moves), the level with its experience, and the coins. A world
 *     without mana or movement (its maximum 0 or missing) gets no bar for it;
 *   - `status` {gold, currency, currency_plural}: what the world's coins are called (one,
 *     and many, as the server says it);
 *   - `equipment` {name, slots: [{slot, label, item}]}: what the player wears and wields,
 *     slot by slot (`name` someone else's: not the player's, not shown here).
 * Both stay hidden until their first frame: a world without combat shows neither. A fresh
 * login from the form (perhaps as someone else) hides them again until the server says.
 *
 * Screen readers: each bar is a role=meter with its numbers as aria-valuetext, read when
 * the player goes to it, never on every change (a fight changes health every round). The
 * one change that is spoken by itself is health falling low (to LOW of its maximum or
 * under), through a11y.js's announcer, as a `mud:line` that is not put in the output.
 *
 * Server values are untrusted: numbers are checked, names only reach the page as text.
 */
(() => {
  'use strict';

  const LOW = 0.25;          // health at or under this share of its maximum: "low"
  const HALF = 0.5;          // ... at or under this: "hurt" (the bar's colour says so)
  const FLASH_MS = 700;      // how long a bar flashes when it drops

  const $ = (id) => document.getElementById(id);
  const panel = $('vitals-panel');
  const game = $('game');
  const gold = $('gold');
  const eqPanel = $('equipment-panel');
  const eqList = $('equipment');
  const eqNone = $('equipment-none');
  const eqCount = $('equipment-count');
  if (!panel || !gold || !eqPanel || !eqList || !eqNone || !eqCount) return;

  /** A whole number the server sent, or null. */
  const num = (value) => (typeof value === 'number' && Number.isFinite(value) ? Math.round(value) : null);
  const str = (value) => (typeof value === 'string' ? value : '');

  const meters = {};
  for (const vital of ['hp', 'mp', 'mv', 'xp']) {
    const meter = $(`${vital}-meter`);
    if (!meter) return;
    meters[vital] = {
      cell: meter.closest('.vital'),
      meter,
      fill: meter.querySelector('.meter-fill'),
      value: meter.querySelector('.vital-value'),
      level: meter.querySelector('.vital-level'),
      shown: null,     // the value last drawn, to flash a drop
      flash: 0,
    };
  }

  let lowSaid = false;   // "health low" announced since health was last above LOW
  let me = '';           // the character's name (login_ok)
  let currency = '';     // the world's coin, singular ("coin"), from a status frame
  let currencies = '';   // and its plural as the server makes it ("coins", "silver pence")
  let coins = null;      // the coins last shown

  /** Draw one bar: `now` of `max` (null max: no such vital in this world). */
  function bar(vital, now, max, text) {
    const m = meters[vital];
    const has = now !== null && max !== null && max > 0;
    m.cell.hidden = !has;
    if (!has) return;
    const share = Math.max(0, Math.min(1, now / max));
    m.fill.style.width = `${(share * 100).toFixed(1)}%`;
    m.meter.setAttribute('aria-valuemax', String(max));
    m.meter.setAttribute('aria-valuenow', String(Math.max(0, Math.min(now, max))));
    m.meter.setAttribute('aria-valuetext', text);
    m.meter.title = text;
    if (m.shown !== null && now < m.shown) {
      // A drop: the bar flashes (client.css; not with reduced motion).
      m.meter.classList.remove('dropped');
      void m.meter.offsetWidth;   // restart the animation if it is running
      m.meter.classList.add('dropped');
      clearTimeout(m.flash);
      m.flash = setTimeout(() => m.meter.classList.remove('dropped'), FLASH_MS);
    }
    m.shown = now;
    if (vital === 'hp') m.meter.dataset.state = share <= LOW ? 'low' : share <= HALF ? 'hurt' : 'ok';
  }

  function speak(text) {
    document.dispatchEvent(new CustomEvent('mud:line', { detail: { type: 'vitals', text } }));
  }

  function showVitals(msg) {
    const hp = num(msg.hp);
    const maxhp = num(msg.maxhp);
    if (hp === null || maxhp === null || maxhp <= 0) return;   // not a frame we can draw
    for (const [vital, now, max] of [['hp', hp, maxhp], ['mp', num(msg.mp), num(msg.maxmp)],
      ['mv', num(msg.mv), num(msg.maxmv)]]) {
      if (now === null || max === null) {
        bar(vital, null, null, '');
        continue;
      }
      meters[vital].value.textContent = `${now}/${max}`;
      bar(vital, now, max, `${now} of ${max}`);
    }

    const level = num(msg.level);
    const xp = num(msg.xp);
    const next = num(msg.xp_next);
    const m = meters.xp;
    m.level.textContent = level === null ? '?' : String(level);
    if (xp !== null && next !== null && next > 0) {
      m.value.textContent = `${xp}/${next} xp`;
      bar('xp', xp, next, `level ${level ?? '?'}, ${xp} of ${next} experience for the next level`);
    } else {
      // The last level (no next one), or no experience sent: the level alone.
      m.value.textContent = xp === null ? '' : `${xp} xp`;
      bar('xp', 1, 1, `level ${level ?? '?'}${xp === null ? '' : `, ${xp} experience`}`);
    }
    m.cell.hidden = level === null;

    showCoins(num(msg.gold));

    // Low health is said once as it falls there, not again each round it stays there.
    if (hp / maxhp <= LOW && hp > 0) {
      if (!lowSaid) speak(`Health low: ${hp} of ${maxhp}.`);
      lowSaid = true;
    } else if (hp / maxhp > LOW) {
      lowSaid = false;
    }
    panel.hidden = false;
  }

  /** "45 coins", in the world's own words once a status frame has said them: the
   *  server's plural ("silver pence"), never one made up here. */
  function showCoins(amount) {
    coins = amount;
    gold.hidden = amount === null;
    if (amount === null) return;
    const word = !currency ? 'gold' : amount === 1 ? currency : (currencies || currency);
    gold.textContent = `${amount} ${word}`;
    gold.title = `${amount} ${word}`;
  }

  function showEquipment(msg) {
    if (!Array.isArray(msg.slots)) return;
    const whose = str(msg.name);
    if (whose && me && whose.toLowerCase() !== me.toLowerCase()) return;
    const frag = document.createDocumentFragment();
    let worn = 0;
    for (const entry of msg.slots) {
      if (!entry || typeof entry !== 'object') continue;
      const item = typeof entry.item === 'string' ? entry.item
        : (entry.item && typeof entry.item === 'object' ? str(entry.item.name) : '');
      if (!item) continue;   // an empty slot: `eq` lists those
      const slot = str(entry.label) || str(entry.slot);
      const row = document.createElement('div');
      row.className = 'equipment-row';
      row.dataset.slot = str(entry.slot);
      const dt = document.createElement('dt');
      dt.textContent = slot;
      const dd = document.createElement('dd');
      dd.textContent = item;
      row.append(dt, dd);
      frag.appendChild(row);
      worn += 1;
    }
    eqList.replaceChildren(frag);
    eqList.hidden = worn === 0;
    eqNone.hidden = worn > 0;
    eqCount.textContent = `(${worn})`;
    eqPanel.hidden = false;
  }

  function reset() {
    panel.hidden = true;
    eqPanel.hidden = true;
    lowSaid = false;
    for (const m of Object.values(meters)) m.shown = null;
  }

  document.addEventListener('mud:frame', (event) => {
    const msg = event.detail;
    if (!msg || typeof msg !== 'object') return;
    if (msg.type === 'vitals') showVitals(msg);
    else if (msg.type === 'equipment') showEquipment(msg);
    else if (msg.type === 'status') {
      currency = str(msg.currency) || currency;
      currencies = str(msg.currency_plural) || currencies;
      if (coins !== null) showCoins(num(msg.gold) ?? coins);
    } else if (msg.type === 'login_ok') {
      me = str(msg.name) || me;
      // From the login form (the game not on screen yet): maybe someone else, maybe a
      // world that has no combat now. A resume (the game on screen) keeps what it shows.
      if (game && game.hidden) reset();
    }
  });
})();
