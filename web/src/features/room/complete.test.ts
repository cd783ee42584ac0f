import { describe, expect, test } from 'vitest';

import { applyCompletion, findTrigger } from './complete';

describe('composer completion', () => {
	test('finds @user, #channel, :emoji and /command at the caret', () => {
		expect(findTrigger('hi @al', 6)).toEqual({ char: '@', query: 'al', start: 3 });
		expect(findTrigger('#gen', 4)).toEqual({ char: '#', query: 'gen', start: 0 });
		expect(findTrigger('nice :thu', 9)).toEqual({ char: ':', query: 'thu', start: 5 });
		expect(findTrigger('/inv', 4)).toEqual({ char: '/', query: 'inv', start: 0 });
	});
	test('ignores e-mail addresses, times and lone colons', () => {
		expect(findTrigger('mail a@b', 8)).toBeUndefined();
		expect(findTrigger('at 10:30', 8)).toBeUndefined();
		expect(findTrigger('hey :', 5)).toBeUndefined();
		expect(findTrigger('a /cmd', 6)).toBeUndefined();
	});
	test('replaces the query and puts the caret after a space', () => {
		const t = findTrigger('hi @al there', 6)!;
		expect(applyCompletion('hi @al there', 6, t, '@alice')).toEqual({ text: 'hi @alice there', caret: 10 });
	});
});
