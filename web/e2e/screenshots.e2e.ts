import { afterAll, beforeAll, test } from 'vitest';

import { ADMIN, Api, closeBrowser, message, newPerson, noPageErrors, Server, shot, signIn } from './harness';

// Screenshots of the main screens, light and dark, desktop and phone width,
// into e2e/screenshots/ — to be looked at by a person after UI changes.

let server: Server;

beforeAll(async () => {
	server = new Server();
	await server.start();
	const admin = await Api.login(server.url, ADMIN.username, ADMIN.password);
	await admin.createUser('alice', 'alice-pass-1', { name: 'Alice Liddell' });
	await admin.createUser('bob', 'bob-pass-1', { name: 'Bob Marley' });
	const alice = await Api.login(server.url, 'alice', 'alice-pass-1');
	const bob = await Api.login(server.url, 'bob', 'bob-pass-1');
	const general = await admin.roomId('general');
	await admin.call('POST', 'channels.setTopic', { roomId: general, topic: 'Everything about the *launch*' });
	await alice.post(general, 'Good morning everyone! :wave:');
	await alice.post(general, 'The build is green again.');
	await bob.post(general, 'Nice. Here is the fix, for the record:\n```go\nfunc add(a, b int) int {\n\treturn a + b // "<b>" stays text\n}\n```');
	const q = await alice.post(general, '> Ship it on Friday?\n\nI would rather wait for **Monday**, see https://example.org/plan and ask @bob.');
	await bob.call('POST', 'chat.react', { messageId: q, emoji: ':thumbsup:' });
	await admin.call('POST', 'chat.react', { messageId: q, emoji: ':tada:' });
	await bob.post(general, 'Agreed, Monday it is.', { tmid: q });
	await alice.post(general, 'Thanks! Notes:\n- checklist done\n- `make test` passes\n- ~~flaky test~~ fixed');
	await admin.post(general, '@alice @bob the release notes are ready :tada:');
	await admin.call('POST', 'channels.create', { name: 'design', members: ['alice'] });
	await admin.call('POST', 'groups.create', { name: 'leads', members: ['bob'] });
	await alice.call('POST', 'im.create', { username: 'admin' });
	const dm = await alice.call<{ room: { _id: string } }>('POST', 'im.create', { username: 'admin' });
	await alice.post(dm.room._id, 'Do you have a minute?');
	const design = await admin.roomId('design');
	await alice.post(design, 'New mockups are up.');
});

afterAll(async () => {
	await closeBrowser();
	await server?.destroy();
});

for (const theme of ['light', 'dark'] as const) {
	for (const [form, width, height] of [
		['desktop', 1280, 800],
		['phone', 390, 844],
	] as const) {
		test(`main screens, ${theme}, ${form}`, async () => {
			const p = await newPerson(server, { width, height, theme, colorScheme: theme });
			const name = (screen: string) => `${screen}-${theme}-${form}`;
			await p.page.goto('/login');
			await p.page.getByRole('button', { name: 'Sign in' }).waitFor();
			await shot(p.page, name('login'));
			await signIn(p, ADMIN.username, ADMIN.password);
			await p.page.goto('/home');
			if (form === 'desktop') {
				await p.page.getByRole('heading', { name: /Welcome/ }).waitFor();
				await shot(p.page, name('home'));
			} else {
				// At phone width the home page is the room list.
				await p.page.getByRole('navigation', { name: 'Rooms' }).getByRole('link', { name: /^general/ }).waitFor();
				await shot(p.page, name('sidebar'));
			}
			await p.page.goto('/channel/general');
			await message(p, 'release notes are ready').waitFor();
			await p.page.locator('pre code span').first().waitFor();
			await shot(p.page, name('room'));
			if (form === 'desktop') {
				await message(p, 'Ship it on Friday').getByRole('button', { name: 'View thread' }).click();
				await p.page.getByTestId('thread-panel').getByText('Monday it is').waitFor();
				await shot(p.page, name('thread'));
				await p.page.goto('/channel/general/members');
				await p.page.getByRole('complementary', { name: 'Members' }).getByText('Alice Liddell').waitFor();
				await message(p, 'release notes are ready').waitFor();
				await shot(p.page, name('members'));
				await p.page.goto('/channel/general');
				await p.page.getByRole('button', { name: 'Insert emoji' }).click();
				await p.page.getByRole('dialog', { name: 'Emoji picker' }).getByRole('button', { name: ':grinning:' }).waitFor();
				await shot(p.page, name('emoji-picker'));
				await p.page.keyboard.press('Escape');
				await p.page.getByTestId('composer').fill('hey @a');
				await p.page.getByRole('listbox', { name: 'Suggestions' }).waitFor();
				await shot(p.page, name('autocomplete'));
				await p.page.getByTestId('composer').fill('');
				await p.page.goto('/admin/users');
				await p.page.getByTestId('admin-user-row').first().waitFor();
				await shot(p.page, name('admin-users'));
				await p.page.goto('/admin/permissions');
				await p.page.getByRole('rowheader', { name: 'create-c' }).waitFor();
				await shot(p.page, name('admin-permissions'));
				await p.page.goto('/admin/settings');
				await p.page.getByRole('navigation', { name: 'Setting groups' }).getByRole('button').first().waitFor();
				await shot(p.page, name('admin-settings'));
				await p.page.goto('/admin/info');
				await p.page.getByRole('heading', { name: 'Messages', level: 3 }).waitFor();
				await shot(p.page, name('admin-info'));
				await p.page.goto('/directory/channels');
				await p.page.getByRole('main').getByRole('link', { name: 'design' }).waitFor();
				await shot(p.page, name('directory'));
				await p.page.goto('/home');
				await p.page.getByRole('button', { name: 'Create new' }).click();
				await p.page.getByRole('menuitem', { name: 'Channel' }).click();
				await p.page.getByRole('dialog', { name: 'Create channel' }).waitFor();
				await shot(p.page, name('create-channel'));
			} else {
				await message(p, 'Ship it on Friday').getByRole('button', { name: 'View thread' }).click();
				await p.page.getByTestId('thread-panel').getByText('Monday it is').waitFor();
				await shot(p.page, name('thread'));
				await p.page.getByRole('button', { name: 'Close panel' }).click();
				await p.page.getByRole('button', { name: 'Back to rooms' }).click();
				await p.page.getByRole('navigation', { name: 'Rooms' }).waitFor();
			}
			// The screens added with files, sign-in and integrations.
			await p.page.goto('/account/security');
			await p.page.getByRole('button', { name: 'Enable two-factor authentication' }).waitFor();
			await shot(p.page, name('account-security'));
			await p.page.goto('/admin/integrations');
			await p.page.getByRole('button', { name: 'New incoming webhook' }).click();
			await p.page.getByRole('form', { name: 'Incoming webhook' }).waitFor();
			await shot(p.page, name('admin-integration-new'));
			noPageErrors(p);
			await p.context.close();
		});
	}
}
