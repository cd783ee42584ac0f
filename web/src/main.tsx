import '@rocket.chat/fuselage/dist/fuselage.css';
import '@rocket.chat/icons/dist/rocketchat.css';
import './ui/app.css';

import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';

import { App } from './App';
import { registerBuiltins } from './features/builtins';
import { registerFiles } from './features/files/register';
import { boot } from './lib/session';
import { interceptLinks } from './lib/router';

registerBuiltins();
registerFiles();
const root = document.getElementById('root');
if (!root) throw new Error('no #root element');
interceptLinks(root);
createRoot(root).render(
	<StrictMode>
		<App />
	</StrictMode>,
);
void boot();
