import { useEffect } from 'react';

import { createStore, useStore } from '../lib/store';
import { errorMessage } from '../lib/api';

// Short notices at the bottom of the screen ("Link copied", an error from
// an action), announced to screen readers.

type Toast = { id: number; kind: 'info' | 'success' | 'error'; text: string };

const toasts = createStore<Toast[]>([]);
let next = 1;

export function toast(text: string, kind: Toast['kind'] = 'info') {
	const id = next++;
	toasts.set((t) => [...t.slice(-3), { id, kind, text }]);
	setTimeout(() => toasts.set((t) => t.filter((x) => x.id !== id)), kind === 'error' ? 8000 : 4000);
}

export function toastError(err: unknown) {
	toast(errorMessage(err), 'error');
}

export function ToastHost() {
	const list = useStore(toasts, (t) => t);
	useEffect(() => undefined, []);
	return (
		<div className="lo-toasts" role="status" aria-live="polite">
			{list.map((t) => (
				<div key={t.id} className={`lo-toast lo-toast--${t.kind}`} role={t.kind === 'error' ? 'alert' : undefined}>
					{t.text}
					<button type="button" aria-label="Dismiss" className="lo-toast-close" onClick={() => toasts.set((x) => x.filter((y) => y.id !== t.id))}>
						×
					</button>
				</div>
			))}
		</div>
	);
}
