import { Contextualbar, ContextualbarAction, ContextualbarActions, ContextualbarContent, ContextualbarHeader, ContextualbarIcon, ContextualbarTitle } from '@rocket.chat/fuselage';
import type { ReactNode } from 'react';

/** PanelFrame: a room panel's frame (Fuselage's contextual bar) with a title and a close button. */
export function PanelFrame({ title, icon, onClose, children, onBack, footer }: { title: string; icon: string; onClose: () => void; children: ReactNode; onBack?: () => void; footer?: ReactNode }) {
	return (
		<Contextualbar className="lo-contextualbar">
			<ContextualbarHeader>
				{onBack ? <ContextualbarAction title="Back" name="arrow-back" onClick={onBack} /> : <ContextualbarIcon name={icon as 'thread'} />}
				<ContextualbarTitle>{title}</ContextualbarTitle>
				<ContextualbarActions>
					<ContextualbarAction title="Close (Esc)" aria-label="Close panel" name="cross" onClick={onClose} />
				</ContextualbarActions>
			</ContextualbarHeader>
			<ContextualbarContent className="lo-panel-content">
				<div className="lo-panel-body">{children}</div>
			</ContextualbarContent>
			{footer}
		</Contextualbar>
	);
}
