import { Icon, Menu, MenuItem, MenuItemContent, MenuItemIcon, MenuSection } from '@rocket.chat/fuselage';
import type { ComponentProps, ReactElement } from 'react';

// A kebab-style menu of actions on Fuselage's Menu (react-aria: keyboard
// navigation, focus return and ARIA roles come with it).

export type MenuAction = { id: string; label: string; icon?: string; danger?: boolean; section?: string };

type Props = {
	title: string;
	icon?: ComponentProps<typeof Menu>['icon'];
	items: MenuAction[];
	onAction: (id: string) => void;
	small?: boolean;
	tiny?: boolean;
	placement?: ComponentProps<typeof Menu>['placement'];
	button?: ReactElement;
	className?: string;
};

export function ActionMenu({ title, icon = 'kebab', items, onAction, small, tiny, placement = 'bottom-end', button, className }: Props) {
	const sections = new Map<string, MenuAction[]>();
	for (const it of items) sections.set(it.section ?? '', [...(sections.get(it.section ?? '') ?? []), it]);
	const render = (it: MenuAction) => (
		<MenuItem key={it.id} textValue={it.label}>
			{it.icon && (
				<MenuItemIcon name={it.icon as 'kebab'} />
			)}
			<MenuItemContent>
				<span className={it.danger ? 'lo-danger-text' : undefined}>{it.label}</span>
			</MenuItemContent>
		</MenuItem>
	);
	const children =
		sections.size <= 1
			? items.map(render)
			: [...sections.entries()].map(([name, list]) => (
					<MenuSection key={name || 'main'} title={name || undefined} items={list}>
						{list.map(render)}
					</MenuSection>
				));
	return (
		<Menu title={title} aria-label={title} icon={icon} small={small} tiny={tiny} placement={placement} onAction={(key) => onAction(String(key))} button={button} className={className}>
			{children as never}
		</Menu>
	);
}

export { Icon };
