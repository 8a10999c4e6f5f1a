import { test } from 'node:test';
import assert from 'node:assert/strict';
import { detectStuck, type StuckEvent } from '../../src/core/agent/stuck.js';

const act = (key: string): StuckEvent => ({ kind: 'action', key });
const obs = (key: string, isError = false): StuckEvent => ({ kind: 'observation', key, isError });
const msg = (key: string): StuckEvent => ({ kind: 'action', key, message: true });
const pairs = (n: number, a: string, o: string, err = false) => Array.from({ length: n }, () => [act(a), obs(o, err)]).flat();

test('rule 1: four identical action/observation pairs, not three', () => {
  assert.equal(detectStuck(pairs(3, 'ls', 'out')), null);
  assert.equal(detectStuck(pairs(4, 'ls', 'out')), 'repeating_action_observation');
  assert.equal(detectStuck([...pairs(3, 'ls', 'out'), act('ls'), obs('other')]), null);
});

test('rule 2: the same action three times with error observations (needs 4 pairs in history)', () => {
  assert.equal(detectStuck(pairs(3, 'bad', 'e', true)), null);
  assert.equal(detectStuck([act('x'), obs('fine'), ...pairs(3, 'bad', 'e', true)]), 'repeating_action_error');
  // errors that differ in text still count: only the action must repeat
  assert.equal(detectStuck([act('x'), obs('fine'), act('bad'), obs('e1', true), act('bad'), obs('e2', true), act('bad'), obs('e3', true)]), 'repeating_action_error');
  assert.equal(detectStuck([act('x'), obs('fine'), act('bad'), obs('e1', true), act('bad'), obs('ok'), act('bad'), obs('e3', true)]), null);
});

test('rule 3: monologue, three identical messages with no observation between', () => {
  assert.equal(detectStuck([msg('hmm'), msg('hmm'), msg('hmm')]), 'monologue');
  assert.equal(detectStuck([msg('hmm'), act('ls'), obs('o'), msg('hmm'), msg('hmm')]), null);
  assert.equal(detectStuck([msg('hmm'), msg('huh'), msg('hmm')]), null);
});

test('rule 4: a repeating two-step pattern over the last six steps', () => {
  const cycle = [act('a'), obs('A'), act('b'), obs('B')];
  assert.equal(detectStuck([...cycle, ...cycle, act('a'), obs('A')]), null); // five actions only
  assert.equal(detectStuck([...cycle, ...cycle, ...cycle]), 'action_observation_pattern');
  assert.equal(detectStuck([...cycle, ...cycle, act('a'), obs('A'), act('c'), obs('B')]), null);
});

test('short or varied histories are not stuck', () => {
  assert.equal(detectStuck([]), null);
  assert.equal(detectStuck([act('a'), obs('A')]), null);
  assert.equal(detectStuck([act('a'), obs('A'), act('b'), obs('B'), act('c'), obs('C'), act('d'), obs('D')]), null);
});
