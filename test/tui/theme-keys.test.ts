import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadTheme, parseTheme, themeNames, ROLES, colorDisabled, withoutColor } from '../../src/tui/theme.js';
import { KEY_DEFS, applyOverrides, defaultBindings, actionFor, keyName, helpRows } from '../../src/tui/keys.js';
import { loadTuiConfig } from '../../src/tui/config.js';

test('every built-in theme parses and defines every semantic role', () => {
  for (const name of themeNames()) {
    const t = loadTheme({ name });
    for (const role of ROLES) assert.ok(t.roles[role], `${name} lacks ${role}`);
  }
  const dark = loadTheme({ name: 'dark' });
  assert.equal(dark.roles['verdict.resolved'].fg, 'green');
  assert.equal(dark.roles['diff.del'].fg, 'red');
});

test('the no-color theme and NO_COLOR / non-TTY carry no colors at all', () => {
  const nc = loadTheme({ name: 'no-color' });
  for (const role of ROLES) assert.ok(!nc.roles[role].fg && !nc.roles[role].bg, role);
  const stripped = loadTheme({ name: 'high-contrast', noColor: true });
  for (const role of ROLES) assert.ok(!stripped.roles[role].fg && !stripped.roles[role].bg, role);
  assert.equal(stripped.roles['verdict.resolved'].bold, true, 'attributes survive');
  assert.equal(withoutColor(loadTheme()).roles['diff.add'].fg, undefined);
  assert.equal(colorDisabled({ NO_COLOR: '1' }, true), true);
  assert.equal(colorDisabled({}, false), true);
  assert.equal(colorDisabled({}, true), false);
  assert.equal(colorDisabled({ NO_COLOR: '' }, true), false);
});

test('bad theme files are errors naming the file and field', () => {
  assert.throws(() => parseTheme('{', 'x.json'), /x\.json: not valid JSON/);
  assert.throws(() => parseTheme(JSON.stringify({ name: 'a', roles: { 'diff.add': { fg: 3 } } }), 'y.json'), /y\.json: field "roles\.diff\.add\.fg"/);
  assert.throws(() => parseTheme(JSON.stringify({ name: 'a', roles: { 'diff.plus': {} } }), 'z.json'), /z\.json: field "roles\.diff\.plus": unknown role/);
  assert.throws(() => loadTheme({ name: 'nope' }), /theme "nope" not found/);
});

test('key registry: unique ids, no clashing bindings within a screen, overrides validated', () => {
  const ids = new Set(KEY_DEFS.map((d) => d.id));
  assert.equal(ids.size, KEY_DEFS.length);
  for (const screen of ['home', 'picker', 'rollout', 'batch', 'bestofn', 'compare'] as const) {
    const seen = new Map<string, string>();
    for (const d of KEY_DEFS.filter((x) => x.screen === screen)) {
      for (const k of d.keys) {
        assert.ok(!seen.has(k), `${screen}: ${k} bound to ${seen.get(k)} and ${d.id}`);
        seen.set(k, d.id);
      }
    }
  }
  const b = applyOverrides(defaultBindings(), { 'rollout.nextStep': ['n', 'right'] });
  assert.equal(actionFor(b, 'rollout', 'n'), 'rollout.nextStep');
  assert.equal(actionFor(b, 'rollout', 'l'), undefined);
  assert.equal(actionFor(b, 'rollout', 'q'), 'global.back');
  assert.throws(() => applyOverrides(defaultBindings(), { 'rollout.fly': 'f' }, 'cfg.json'), /cfg\.json: field "tui\.keys\.rollout\.fly": unknown key binding id/);
  assert.ok(helpRows(b, 'rollout').some((r) => r.keys.startsWith('n') && r.description === 'Next step'));
});

test('key names normalise Ink key events', () => {
  const none = { upArrow: false, downArrow: false, leftArrow: false, rightArrow: false, pageDown: false, pageUp: false, home: false, end: false, return: false, escape: false, ctrl: false, shift: false, tab: false, backspace: false, delete: false, meta: false, super: false, hyper: false, capsLock: false, numLock: false };
  assert.equal(keyName('', { ...none, tab: true, shift: true }), 'shift+tab');
  assert.equal(keyName('c', { ...none, ctrl: true }), 'ctrl+c');
  assert.equal(keyName(' ', none), 'space');
  assert.equal(keyName('$', none), '$');
  assert.equal(keyName('', { ...none, pageDown: true }), 'pagedown');
});

test('config: theme and key overrides from the tui section; bad fields name the file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'swegym-cfg-'));
  const good = join(dir, 'good.json');
  writeFileSync(good, JSON.stringify({ tui: { theme: 'light', keys: { 'global.help': 'h' } } }));
  assert.deepEqual(loadTuiConfig(good), { theme: 'light', keys: { 'global.help': 'h' } });
  const bad = join(dir, 'bad.json');
  writeFileSync(bad, JSON.stringify({ tui: { theme: 7 } }));
  assert.throws(() => loadTuiConfig(bad), new RegExp(`${bad.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: field "tui.theme"`));
  assert.deepEqual(loadTuiConfig(join(dir, 'missing.json')), {});
});
