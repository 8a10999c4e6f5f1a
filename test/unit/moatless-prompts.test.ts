/**
 * One full prompt of each Moatless state, as the state machine assembles it, against hand-made goldens
 * (test/fixtures/moatless-prompts, written by make_goldens.py from the fork's own constants, f-string layouts and
 * pydantic schemas, with file-context renders of the Moatless oracle). Also the JSON-mode pieces: the instructor
 * suffix, the re-ask exchange, the JSON extraction and the replay serialisation.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { ChatMessage } from '../../src/core/events.js';
import { parseMoatlessConfig, type MoatlessConfigInput } from '../../src/core/agent/moatless/config.js';
import { MoatlessLoop, type AnyAction, type StateName } from '../../src/core/agent/moatless/machine.js';
import { makeState } from '../../src/core/agent/moatless/states.js';
import { bundledPrompts } from '../../src/core/agent/moatless/prompts.js';
import { quirkSet } from '../../src/core/agent/moatless/quirks.js';
import { extractJson, structuredCall, type ChatFn } from '../../src/core/agent/moatless/json-mode.js';
import { dumpActionJson, validateActionJson, ActionValidationError } from '../../src/core/agent/moatless/actions.js';
import { oracleWorkspace } from '../helpers/moatless-oracle-workspace.js';

const GOLDEN = path.resolve(import.meta.dirname, '../fixtures/moatless-prompts');
const golden = (name: string) => JSON.parse(readFileSync(path.join(GOLDEN, name), 'utf8'));

const ISSUE = 'Account.withdraw accepts negative amounts\n\nCalling `Account("Bob", 10).withdraw(-5)` raises the balance to 15 instead of raising ValueError.';
const DIFF =
  '--- 02_class_methods.py\n+++ 02_class_methods.py\n@@ -24,6 +24,8 @@\n \n     def withdraw(self, amount: float) -> float:\n+        if amount <= 0:\n+            raise ValueError("amount must be positive")\n         if amount > self.balance:\n';

/** Drives the loop with scripted replies (no HTTP here: the prompts are the subject) and records each call's messages. */
async function drive(replies: string[], config: Partial<MoatlessConfigInput> = {}) {
  const prompts = bundledPrompts();
  const cfg = parseMoatlessConfig({ model: 'm', ...config });
  const ws = oracleWorkspace('02_class_methods.json', {
    hits: [
      { span_id: 'Account.withdraw', tokens: 53 },
      { span_id: 'Transfer.execute', tokens: 18 },
    ],
    update: { updated: true, diff: DIFF },
    lintBefore: [],
    lintAfter: [{ code: 'E0602', message: "Undefined variable 'amout'", line: 27 }],
  });
  const calls: { state: StateName; messages: ChatMessage[] }[] = [];
  let i = 0;
  const chat: ChatFn = async (req) => ({ content: replies[i++] ?? '{"scratch_pad": "done", "action": "finish", "finish": "done"}', finish_reason: 'stop', usage: { prompt_tokens: 1, completion_tokens: 1, estimated: false } });
  const loop = new MoatlessLoop({
    issue: ISSUE,
    workspace: ws,
    config: cfg,
    prompts,
    quirks: quirkSet(),
    makeState: (n, d) => makeState(n, d, { planMaxIterations: 8, editMaxIterations: 8 }),
    emit: () => undefined,
    nextAction: async (state, messages) => {
      const name = state.actionType();
      let action: AnyAction;
      if (name === null) {
        calls.push({ state: state.name, messages: structuredClone(messages) });
        action = { kind: 'content', content: (await chat({ messages, max_tokens: 1, temperature: 0 })).content };
      } else {
        const r = await structuredCall(chat, name, messages, { prompts, max_tokens: 2000, temperature: 0, json_object: true });
        calls.push({ state: state.name, messages: structuredClone(messages) });
        action = { kind: 'json', name, value: r.action as unknown as Record<string, unknown> };
      }
      return { action, cost: 0, input_tokens: 0, output_tokens: 0 };
    },
  });
  const outcome = await loop.run();
  return { calls, outcome, ws };
}

const SEARCH = JSON.stringify({ scratch_pad: 'The withdraw method does not validate the amount.', search_requests: [{ class_names: ['Account'], function_names: ['withdraw'] }] });
const IDENTIFY = JSON.stringify({ scratch_pad: 'withdraw is the place.', identified_spans: [{ file_path: '02_class_methods.py', span_ids: ['Account.withdraw'] }] });
const DECIDE = JSON.stringify({ scratch_pad: 'Found it.', relevant: true, complete: true });
const PLAN = JSON.stringify({
  scratch_pad: 'Reject non-positive amounts first.',
  action: 'modify',
  instructions: 'Raise ValueError when amount <= 0.',
  file_path: '02_class_methods.py',
  span_id: 'Account.withdraw',
});
const EDIT = 'Add the check.\n<replace>\n    def withdraw(self, amount: float) -> float:\n        if amount <= 0:\n            raise ValueError("amount must be positive")\n';

test('search, identify, decide, plan, edit, plan again: every prompt equals its golden', async () => {
  const { calls, outcome, ws } = await drive([SEARCH, IDENTIFY, DECIDE, PLAN, EDIT]);
  assert.deepEqual(
    calls.map((c) => c.state),
    ['SearchCode', 'IdentifyCode', 'DecideRelevance', 'PlanToCode', 'EditCode', 'PlanToCode'],
  );
  assert.equal(outcome.status, 'finished');
  assert.deepEqual(ws.saved, ['02_class_methods.py']);
  for (const [i, name] of [
    [0, 'SearchCode'],
    [1, 'IdentifyCode'],
    [2, 'DecideRelevance'],
    [4, 'EditCode'],
    [5, 'PlanToCode'],
  ] as const) {
    assert.deepEqual(calls[i].messages, golden(`${name}.json`), `${name} prompt`);
  }
});

test('a span over the edit budget goes through ClarifyCodeChange, whose prompt equals its golden', async () => {
  const REJECT = JSON.stringify({ scratch_pad: 'Cannot narrow it.', start_line: 25, end_line: 31, reject: true });
  const { calls, outcome } = await drive([SEARCH, IDENTIFY, DECIDE, PLAN, REJECT], { max_tokens_in_edit_prompt: 20 });
  assert.equal(outcome.status, 'finished');
  const clarify = calls.find((c) => c.state === 'ClarifyCodeChange');
  assert.ok(clarify, 'ClarifyCodeChange was visited');
  assert.deepEqual(clarify.messages, golden('ClarifyCodeChange.json'));
});

test('the JSON re-ask exchange equals instructor 1.3.3 (golden): the bad reply and the pydantic error are appended', async () => {
  const g = golden('reask_exchange.json');
  const prompts = bundledPrompts();
  const sent: ChatMessage[][] = [];
  let i = 0;
  const chat: ChatFn = async (req) => {
    sent.push(structuredClone(req.messages));
    return { content: g.replies[i++], finish_reason: 'stop', usage: { prompt_tokens: 10, completion_tokens: 5, estimated: false } };
  };
  const base: ChatMessage[] = golden('SearchCode.json').map((m: ChatMessage) => ({ ...m }));
  // The golden system message already carries the suffix; start from the bare one.
  const suffix = prompts.message('instructor_json_suffix', { schema: prompts.schema('Search') });
  assert.ok(base[0].content!.endsWith(suffix), 'the golden system prompt ends with the instructor suffix');
  base[0] = { role: 'system', content: base[0].content!.slice(0, -suffix.length) };
  const r = await structuredCall(chat, 'Search', base, { prompts, max_tokens: 2000, temperature: 0, json_object: true });
  assert.equal(r.attempts, 2);
  assert.deepEqual(sent[1], g.messages_of_second_attempt);
  assert.deepEqual(base, g.messages_of_second_attempt, 'the caller list is mutated like instructor mutated it');
  assert.deepEqual(r.action, g.parsed);
  assert.equal(dumpActionJson('Search', r.action as unknown as Record<string, unknown>), g.replayed_as);
  assert.deepEqual(r.usage, { prompt_tokens: 20, completion_tokens: 10, estimated: false });
});

test('three invalid replies exhaust the re-asks; a reply cut by the length limit is not re-asked', async () => {
  const prompts = bundledPrompts();
  let n = 0;
  const bad: ChatFn = async () => ({ content: 'no json here', finish_reason: 'stop', usage: { prompt_tokens: 1, completion_tokens: 1, estimated: false } });
  const counting: ChatFn = async (req) => {
    n++;
    return bad(req);
  };
  const msgs: ChatMessage[] = [{ role: 'system', content: 's' }, { role: 'user', content: 'u' }];
  await assert.rejects(structuredCall(counting, 'Decision', msgs, { prompts, max_tokens: 10, temperature: 0, json_object: true }), /no valid JSON action after 3 attempts/);
  assert.equal(n, 3);
  assert.equal(msgs.length, 2 + 6, 'each failed attempt appended an assistant and a re-ask message');
  assert.match(msgs[3].content!, /^Recall the function correctly, fix the errors, exceptions found\n1 validation error for Decision\n  Invalid JSON: EOF while parsing a value at line 1 column 0 \[type=json_invalid, input_value='', input_type=str\]/);
  n = 0;
  const cut: ChatFn = async () => {
    n++;
    return { content: '{"scratch_pad": "a', finish_reason: 'length', usage: { prompt_tokens: 1, completion_tokens: 1, estimated: false } };
  };
  await assert.rejects(structuredCall(cut, 'Decision', [{ role: 'system', content: 's' }], { prompts, max_tokens: 10, temperature: 0, json_object: true }), /incomplete/);
  assert.equal(n, 1);
});

test('JSON extraction and strict validation follow instructor and pydantic', () => {
  assert.equal(extractJson('text {"a": 1} more {"b": 2} end'), '{"a": 1} more {"b": 2}');
  assert.equal(extractJson('no braces'), '');
  assert.equal(extractJson('only close }'), '}');
  assert.equal(extractJson('{ only open'), '');
  // Unknown top-level keys are ignored (the few-shot shape validates as a search without requests).
  const s = validateActionJson('Search', '{"scratch_pad": "x", "class_name": "Foo", "query": "q"}');
  assert.deepEqual(s, { scratch_pad: 'x', search_requests: [], complete: false });
  // ApplyChange keeps extra keys, after the declared ones, when replayed.
  const a = validateActionJson('ApplyChange', '{"zz": 1, "action": "finish", "scratch_pad": "s", "finish": "ok"}');
  assert.equal(dumpActionJson('ApplyChange', a as unknown as Record<string, unknown>), '{\n  "scratch_pad": "s",\n  "action": "finish",\n  "instructions": null,\n  "file_path": null,\n  "span_id": null,\n  "reject": null,\n  "finish": "ok",\n  "zz": 1\n}');
  // Strict types: "5" is not an int, 1 is not a bool.
  assert.throws(() => validateActionJson('LineNumberClarification', '{"scratch_pad": "s", "start_line": "5", "end_line": 6}'), (e: unknown) => e instanceof ActionValidationError && /start_line\n  Input should be a valid integer \[type=int_type, input_value='5', input_type=str\]/.test(e.message));
  assert.throws(() => validateActionJson('Decision', '{"scratch_pad": "s", "relevant": 1}'), /relevant\n  Input should be a valid boolean \[type=bool_type, input_value=1, input_type=int\]/);
});

/** Drives the loop with a reply function and counts the calls (limits of facts §2.5). */
async function driveWith(next: (state: StateName, n: number) => string, config: Partial<MoatlessConfigInput> = {}, cost = 0) {
  const prompts = bundledPrompts();
  const cfg = parseMoatlessConfig({ model: 'm', ...config });
  const ws = oracleWorkspace('02_class_methods.json', { hits: [{ span_id: 'Account.withdraw', tokens: 53 }], update: { updated: true, diff: DIFF } });
  let n = 0;
  const seen: { state: StateName; messages: ChatMessage[] }[] = [];
  const loop = new MoatlessLoop({
    issue: ISSUE,
    workspace: ws,
    config: cfg,
    prompts,
    quirks: quirkSet(config.fix ?? []),
    makeState: (s, d) => makeState(s, d, { planMaxIterations: cfg.plan_max_iterations, editMaxIterations: cfg.edit_max_iterations }),
    emit: () => undefined,
    nextAction: async (state, messages) => {
      seen.push({ state: state.name, messages: structuredClone(messages) });
      const text = next(state.name, n++);
      const name = state.actionType();
      const action: AnyAction = name === null ? { kind: 'content', content: text } : { kind: 'json', name, value: validateActionJson(name, text) as unknown as Record<string, unknown> };
      return { action, cost, input_tokens: 0, output_tokens: 0 };
    },
  });
  const outcome = await loop.run().catch((e: Error) => ({ status: 'thrown' as const, message: e.message }));
  return { outcome, calls: n, seen, ws };
}

const NOTHING = JSON.stringify({ scratch_pad: 'nothing relevant' });

test('limits: 25 transitions, the 10th PlanToCode visit, 3 consecutive retries, the cost cap', async () => {
  // SearchCode <-> IdentifyCode forever: the 26th transition becomes Rejected, after 25 calls.
  const loopForever = await driveWith((s) => (s === 'SearchCode' ? SEARCH : NOTHING));
  assert.deepEqual(loopForever.outcome, { status: 'rejected', message: 'Max transitions exceeded.', cause: 'max_transitions' });
  assert.equal(loopForever.calls, 25);

  // PlanToCode <-> EditCode (edits rejected): 9 earlier visits are allowed, the 10th is rejected.
  const planEdit = await driveWith((s) => ({ SearchCode: SEARCH, IdentifyCode: IDENTIFY, DecideRelevance: DECIDE, PlanToCode: PLAN, EditCode: '<reject>\ncannot\n</reject>' })[s as 'SearchCode'] ?? '');
  assert.deepEqual(planEdit.outcome, { status: 'rejected', message: 'Max transitions exceeded for state PlanToCode.', cause: 'max_state_transitions' });
  assert.equal(planEdit.calls, 3 + 9 * 2);

  // A plan without a span, finish or reject is retried; the third retry in a row ends the loop.
  const noAction = JSON.stringify({ scratch_pad: 'hmm', action: 'modify' });
  const retries = await driveWith((s) => ({ SearchCode: SEARCH, IdentifyCode: IDENTIFY, DecideRelevance: DECIDE, PlanToCode: noAction })[s as 'SearchCode'] ?? '');
  assert.deepEqual(retries.outcome, { status: 'rejected', message: 'The loop was aborted because the number of retries exceeded the limit.', cause: 'max_retries' });
  assert.equal(retries.calls, 3 + 3);

  // The cost cap counts completed transitions only (the fork's total_cost): the second call's check trips it.
  const costly = await driveWith((s) => (s === 'SearchCode' ? SEARCH : NOTHING), { max_cost: 0.015 }, 0.01);
  assert.equal(costly.outcome.status, 'thrown');
  assert.match((costly.outcome as { message: string }).message, /^The loop was aborted because the cost exceeded the limit\./);
  assert.equal(costly.calls, 2);
  // Fixed (cost_counts_completed_transitions): the current state's calls count too, so the first call trips it.
  const costlyFixed = await driveWith((s) => (s === 'SearchCode' ? SEARCH : NOTHING), { max_cost: 0.005, fix: ['cost_counts_completed_transitions'] }, 0.01);
  assert.equal(costlyFixed.calls, 1);
});

test('quirks: max_rejections only ends a rollout when fixed; unknown or unfixable quirks are refused', async () => {
  const reject = '<reject>\nno\n</reject>';
  const script = (s: StateName) => ({ SearchCode: SEARCH, IdentifyCode: IDENTIFY, DecideRelevance: DECIDE, PlanToCode: PLAN, EditCode: reject })[s as 'SearchCode'] ?? '';
  const kept = await driveWith(script);
  assert.equal((kept.outcome as { cause?: string }).cause, 'max_state_transitions');
  const fixed = await driveWith(script, { fix: ['max_rejections_never_triggers'] });
  assert.deepEqual(fixed.outcome, { status: 'rejected', message: 'Got 2 rejections, aborting.', cause: 'max_rejections' });
  assert.throws(() => quirkSet(['cost_priced_as_claude']), /kept for fidelity and cannot be fixed/);
  assert.throws(() => quirkSet(['nope']), /unknown Moatless quirk "nope"/);
});

test('quirks fixed: IdentifyCode also sends the search parameters; ClarifyCodeChange uses the configured edit budget', async () => {
  const script = (s: StateName, n: number) => (s === 'SearchCode' ? SEARCH : n < 3 ? NOTHING : JSON.stringify({ scratch_pad: 'x', identified_spans: [{ file_path: '02_class_methods.py', span_ids: ['Account.withdraw'] }] }));
  const kept = await driveWith(script, { max_transitions: 3 });
  const secondSearchKept = kept.seen.filter((c) => c.state === 'SearchCode')[1]!.messages.at(-1)!.content!;
  assert.match(secondSearchKept, /\n\nThe search returned 1 results\. But unfortunately, I didn\u2019t find any of the search results relevant to the query\.\n\nnothing relevant\n\n\n<file_context>/);
  assert.doesNotMatch(secondSearchKept, /I searched using/);
  const fixed = await driveWith(script, { max_transitions: 3, fix: ['identify_message_overwritten'] });
  const secondSearchFixed = fixed.seen.filter((c) => c.state === 'SearchCode')[1]!.messages.at(-1)!.content!;
  assert.match(secondSearchFixed, /\n\nI searched using the following parameters:\n\n\* \*\*Class Name:\*\* `Account`\n\* \*\*Function Name:\*\* `withdraw`\n\nThe search returned 1 results/);

  // Account.withdraw has 53 tokens: with an edit budget of 20 PlanToCode asks ClarifyCodeChange for lines. Kept, the
  // clarification is checked against 500 tokens (accepted); fixed, against the configured 20 (too many: retried).
  const lines = JSON.stringify({ scratch_pad: 'the check', start_line: 25, end_line: 30 });
  const plan = (s: StateName) => ({ SearchCode: SEARCH, IdentifyCode: IDENTIFY, DecideRelevance: DECIDE, PlanToCode: PLAN, ClarifyCodeChange: lines, EditCode: '<reject>\nno\n</reject>' })[s as 'SearchCode'] ?? '';
  const clarifyKept = await driveWith(plan, { max_tokens_in_edit_prompt: 20, max_transitions: 6 });
  assert.ok(clarifyKept.seen.some((c) => c.state === 'EditCode'), 'kept: the clarified lines go to EditCode');
  const clarifyFixed = await driveWith(plan, { max_tokens_in_edit_prompt: 20, max_transitions: 6, fix: ['clarify_uses_default_token_limit'] });
  assert.ok(!clarifyFixed.seen.some((c) => c.state === 'EditCode'));
  assert.match(clarifyFixed.seen.filter((c) => c.state === 'ClarifyCodeChange')[1]!.messages.at(-1)!.content!, /^Lines 25 - 30 has \d+ tokens, which is higher than the maximum allowed 20 tokens in completion\./);
});
